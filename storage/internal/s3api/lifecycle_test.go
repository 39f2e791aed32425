package s3api

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/koss-io/koss/storage/internal/object"
)

// TestSDKLifecycle: Put/Get/DeleteBucketLifecycleConfiguration with
// aws-sdk-go-v2 share the engine's rules with the OSS dialect (Filter
// Prefix, And with tags, Days, Date, DaysAfterInitiation); GET without
// rules is 404 NoSuchLifecycleConfiguration; bad rules are 400 or 501 and
// change nothing; only root changes them.
func TestSDKLifecycle(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	_, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("bkt")})
	wantCode(t, "GetBucketLifecycleConfiguration of none", err, "NoSuchLifecycleConfiguration", 404)

	date := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rules := []types.LifecycleRule{
		{ID: aws.String("logs"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
			Expiration:                     &types.LifecycleExpiration{Days: aws.Int32(3)},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}},
		{ID: aws.String("tmp"), Status: types.ExpirationStatusDisabled, Filter: &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{
			Prefix: aws.String("tmp/"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}},
			Expiration: &types.LifecycleExpiration{Date: aws.Time(date)}},
	}
	must[*s3.PutBucketLifecycleConfigurationOutput](t, "PutBucketLifecycleConfiguration")(c.PutBucketLifecycleConfiguration(ctx,
		&s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("bkt"), LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules}}))
	want := &object.LifecycleConfiguration{Rules: []object.LifecycleRule{
		{ID: "logs", Prefix: "logs/", Enabled: true, Expiration: object.LifecycleAction{Days: 3}, AbortUpload: object.LifecycleAction{Days: 1}},
		{ID: "tmp", Prefix: "tmp/", Tags: map[string]string{"k": "v"}, Expiration: object.LifecycleAction{Date: date}},
	}}
	check := func(when string) {
		t.Helper()
		info, err := e.store.GetBucket(ctx, "bkt")
		if err != nil || info.Lifecycle == nil || len(info.Lifecycle.Rules) != 2 {
			t.Fatalf("%s: the engine's rules = %+v, %v", when, info.Lifecycle, err)
		}
		for i, r := range info.Lifecycle.Rules {
			w := want.Rules[i]
			if r.ID != w.ID || r.Prefix != w.Prefix || r.Enabled != w.Enabled || r.Expiration.Days != w.Expiration.Days ||
				!r.Expiration.Date.Equal(w.Expiration.Date) || r.AbortUpload.Days != w.AbortUpload.Days || r.Tags["k"] != w.Tags["k"] {
				t.Fatalf("%s: rule %d = %+v, want %+v", when, i, r, w)
			}
		}
		out := must[*s3.GetBucketLifecycleConfigurationOutput](t, "GetBucketLifecycleConfiguration")(
			c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("bkt")}))
		if len(out.Rules) != 2 {
			t.Fatalf("%s: GET %+v", when, out.Rules)
		}
		r0, r1 := out.Rules[0], out.Rules[1]
		if aws.ToString(r0.ID) != "logs" || r0.Filter == nil || aws.ToString(r0.Filter.Prefix) != "logs/" || r0.Status != types.ExpirationStatusEnabled ||
			aws.ToInt32(r0.Expiration.Days) != 3 || aws.ToInt32(r0.AbortIncompleteMultipartUpload.DaysAfterInitiation) != 1 {
			t.Fatalf("%s: rule 0 reads back as %+v", when, r0)
		}
		if r1.Filter == nil || r1.Filter.And == nil || aws.ToString(r1.Filter.And.Prefix) != "tmp/" || len(r1.Filter.And.Tags) != 1 ||
			r1.Expiration == nil || !aws.ToTime(r1.Expiration.Date).Equal(date) || r1.Status != types.ExpirationStatusDisabled {
			t.Fatalf("%s: rule 1 reads back as %+v", when, r1)
		}
	}
	check("after PUT")

	for name, tc := range map[string]struct {
		rule   types.LifecycleRule
		code   string
		status int
	}{
		"zero days": {types.LifecycleRule{ID: aws.String("z"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(0)}}, "InvalidArgument", 400},
		"no action": {types.LifecycleRule{ID: aws.String("z"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")}},
			"InvalidArgument", 400},
		"transition": {types.LifecycleRule{ID: aws.String("z"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Transitions: []types.Transition{{Days: aws.Int32(1), StorageClass: types.TransitionStorageClassGlacier}}}, "NotImplemented", 501},
		"size filter": {types.LifecycleRule{ID: aws.String("z"), Status: types.ExpirationStatusEnabled,
			Filter:     &types.LifecycleRuleFilter{ObjectSizeGreaterThan: aws.Int64(5)},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}}, "NotImplemented", 501},
	} {
		_, err := c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("bkt"),
			LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{tc.rule}}})
		wantCode(t, name, err, tc.code, tc.status)
	}
	check("after bad documents")
	e.addKey("rw", map[string]object.Access{"bkt": object.AccessReadWrite})
	_, err = e.sdk("rw", "rw-secret", false).DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("bkt")})
	wantCode(t, "DeleteBucketLifecycle by a non-root key", err, "AccessDenied", 403)
	check("after a refused delete")

	must[*s3.DeleteBucketLifecycleOutput](t, "DeleteBucketLifecycle")(c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: aws.String("bkt")}))
	_, err = c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("bkt")})
	wantCode(t, "GetBucketLifecycleConfiguration after delete", err, "NoSuchLifecycleConfiguration", 404)
}
