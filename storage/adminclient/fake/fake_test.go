package fake

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

func TestFakeFollowsTheContract(t *testing.T) {
	ctx := t.Context()
	c := New()
	k, err := c.CreateAccessKey(ctx, adminapi.CreateKeyRequest{Grants: []adminapi.Grant{{Bucket: "b1", Access: adminapi.AccessRead}}})
	if err != nil || k.AccessKeyID == "" || k.AccessKeySecret == "" {
		t.Fatalf("create: %+v %v", k, err)
	}
	if _, err := c.CreateAccessKey(ctx, adminapi.CreateKeyRequest{AccessKeyID: k.AccessKeyID, AccessKeySecret: k.AccessKeySecret}); err != nil {
		t.Fatalf("idempotent create: %v", err)
	}
	if _, err := c.CreateAccessKey(ctx, adminapi.CreateKeyRequest{AccessKeyID: k.AccessKeyID, AccessKeySecret: "other-secret"}); !adminclient.IsKeyConflict(err) {
		t.Fatalf("conflict: %v", err)
	}
	got, err := c.GetAccessKey(ctx, k.AccessKeyID)
	if err != nil || got.AccessKeySecret != "" {
		t.Fatalf("get returns the secret or fails: %+v %v", got, err)
	}
	if _, err := c.GetAccessKey(ctx, "nope"); !adminclient.IsNotFound(err) {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := c.SetGrants(ctx, k.AccessKeyID, []adminapi.Grant{{Bucket: "b", Access: "all"}}); !errors.Is(err, adminapi.ErrInvalidArgument) {
		t.Fatalf("bad grant: %v", err)
	}
	if err := c.DeleteAccessKey(ctx, k.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAccessKey(ctx, k.AccessKeyID); err != nil {
		t.Fatalf("delete is idempotent: %v", err)
	}

	if _, err := c.CreateBucket(ctx, "bkt", adminapi.CreateBucketRequest{Owner: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, "bkt", adminapi.CreateBucketRequest{Owner: "a"}); err != nil {
		t.Fatalf("same owner: %v", err)
	}
	if _, err := c.CreateBucket(ctx, "bkt", adminapi.CreateBucketRequest{Owner: "b"}); !adminclient.IsBucketAlreadyExists(err) {
		t.Fatalf("other owner: %v", err)
	}
	c.SetBucketUsage("bkt", 3, 30)
	if b, _ := c.GetBucket(ctx, "bkt"); b.Objects != 3 || b.Bytes != 30 || b.ACL != "private" {
		t.Fatalf("usage %+v", b)
	}
	if err := c.DeleteBucket(ctx, "bkt"); !adminclient.IsBucketNotEmpty(err) {
		t.Fatalf("non-empty: %v", err)
	}
	c.SetBucketUsage("bkt", 0, 0)
	if err := c.DeleteBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteBucket(ctx, "bkt"); !adminclient.IsNotFound(err) {
		t.Fatalf("missing bucket: %v", err)
	}
	boom := errors.New("boom")
	c.FailNext("ClusterStatus", boom)
	if _, err := c.ClusterStatus(ctx); !errors.Is(err, boom) {
		t.Fatalf("injected error: %v", err)
	}
	if s, err := c.ClusterStatus(ctx); err != nil || s.Leader == "" {
		t.Fatalf("status %+v %v", s, err)
	}
	if calls := c.Calls(); len(calls) == 0 || calls[0] != "CreateAccessKey" {
		t.Fatalf("calls %v", calls)
	}
}

func TestFakeMembership(t *testing.T) {
	ctx := t.Context()
	c := New()
	var seen []string
	c.OnCall(func(method string, args ...string) {
		if strings.HasSuffix(method, "Member") {
			seen = append(seen, method+" "+strings.Join(args, " "))
		}
	})
	if err := c.AddMember(ctx, "fake-1", "10.0.0.2:9001"); err != nil {
		t.Fatal(err)
	}
	if err := c.AddMember(ctx, "fake-1", "10.0.0.2:9001"); err != nil {
		t.Fatalf("adding a member again is idempotent: %v", err)
	}
	if err := c.AddMember(ctx, "fake-1", "10.0.0.9:9001"); !errors.Is(err, adminapi.ErrInvalidArgument) {
		t.Fatalf("another address for a member: %v", err)
	}
	s, _ := c.ClusterStatus(ctx)
	if len(s.Members) != 2 || s.Members[1].ID != "fake-1" || s.Members[1].State != adminapi.MemberFollower {
		t.Fatalf("members %+v", s.Members)
	}

	c.SetDrainRemaining("fake-1", 5, 1)
	for _, want := range []int64{5, 1, 0, 0} {
		if n, err := c.DrainMember(ctx, "fake-1"); err != nil || n != want {
			t.Fatalf("drain = %d, %v, want %d", n, err, want)
		}
	}
	if n, err := c.DrainMember(ctx, "not-a-member"); err != nil || n != 0 {
		t.Fatalf("drain of a non-member = %d, %v", n, err)
	}

	if err := c.RemoveMember(ctx, "fake-0"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveMember(ctx, "fake-0"); err != nil {
		t.Fatalf("removing an absent member is idempotent: %v", err)
	}
	if s, _ := c.ClusterStatus(ctx); len(s.Members) != 1 || s.Leader != "fake-1" || s.Members[0].State != adminapi.MemberLeader {
		t.Fatalf("after removing the leader: %+v", s)
	}

	boom := errors.New("boom")
	c.Fail("AddMember", boom)
	for range 2 {
		if err := c.AddMember(ctx, "fake-2", "10.0.0.3:9001"); !errors.Is(err, boom) {
			t.Fatalf("Fail keeps failing: %v", err)
		}
	}
	c.Fail("AddMember", nil)
	if err := c.AddMember(ctx, "fake-2", "10.0.0.3:9001"); err != nil {
		t.Fatalf("after Fail(nil): %v", err)
	}
	if len(seen) != 13 || seen[0] != "AddMember fake-1 10.0.0.2:9001" || seen[len(seen)-1] != "AddMember fake-2 10.0.0.3:9001" {
		t.Fatalf("OnCall saw %q", seen)
	}
}

// TestFakeUploads: like kossd, open uploads keep a bucket from being
// deleted until AbortBucketUploads.
func TestFakeUploads(t *testing.T) {
	ctx := t.Context()
	c := New()
	if _, err := c.AbortBucketUploads(ctx, "b1"); !adminclient.IsNotFound(err) {
		t.Fatalf("abort in a missing bucket: %v", err)
	}
	if _, err := c.CreateBucket(ctx, "b1", adminapi.CreateBucketRequest{Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	c.SetUploads("b1", 2)
	if err := c.DeleteBucket(ctx, "b1"); !adminclient.IsBucketNotEmpty(err) {
		t.Fatalf("delete with open uploads: %v", err)
	}
	if n, err := c.AbortBucketUploads(ctx, "b1"); err != nil || n != 2 || c.Uploads("b1") != 0 {
		t.Fatalf("abort: %d %v, %d left", n, err, c.Uploads("b1"))
	}
	if err := c.DeleteBucket(ctx, "b1"); err != nil {
		t.Fatal(err)
	}
}

// TestFakeBucketACLAndTags: the fake keeps ACL and tags as kossd does,
// refuses what kossd refuses, and never shares its maps with callers.
func TestFakeBucketACLAndTags(t *testing.T) {
	ctx := t.Context()
	c := New()
	if _, err := c.SetBucketACL(ctx, "b1", "public-read"); !adminclient.IsNotFound(err) {
		t.Fatalf("ACL of a missing bucket: %v", err)
	}
	if _, err := c.CreateBucket(ctx, "b1", adminapi.CreateBucketRequest{Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	if b, err := c.SetBucketACL(ctx, "b1", "public-read"); err != nil || b.ACL != "public-read" {
		t.Fatalf("set ACL: %+v %v", b, err)
	}
	if _, err := c.SetBucketACL(ctx, "b1", ""); !adminclient.IsInvalidArgument(err) {
		t.Fatalf("empty ACL: %v", err)
	}
	tags := map[string]string{"team": "media"}
	if b, err := c.SetBucketTags(ctx, "b1", tags); err != nil || b.Tags["team"] != "media" {
		t.Fatalf("set tags: %+v %v", b, err)
	}
	tags["team"] = "changed by the caller"
	b, _ := c.GetBucket(ctx, "b1")
	b.Tags["other"] = "x"
	if b, _ := c.GetBucket(ctx, "b1"); len(b.Tags) != 1 || b.Tags["team"] != "media" {
		t.Fatalf("the fake shares its tags: %v", b.Tags)
	}
	for _, bad := range []map[string]string{{"Aliyun-x": "v"}, {"": "v"}, {strings.Repeat("k", 65): "v"}, {"k": strings.Repeat("v", 129)}} {
		if _, err := c.SetBucketTags(ctx, "b1", bad); !adminclient.IsInvalidArgument(err) {
			t.Errorf("tags %v accepted: %v", bad, err)
		}
	}
	if b, err := c.SetBucketTags(ctx, "b1", map[string]string{}); err != nil || b.Tags != nil {
		t.Fatalf("no tags: %+v %v", b, err)
	}
	c.SetBucketACLDirectly("b1", "private")
	c.SetBucketTagsDirectly("b1", map[string]string{"a": "b"})
	if b, _ := c.GetBucket(ctx, "b1"); b.ACL != "private" || b.Tags["a"] != "b" {
		t.Fatalf("direct changes: %+v", b)
	}
}

// TestFakeBucketCORS: the fake keeps a bucket's CORS configuration as kossd
// does, refuses what kossd refuses (record.CheckCORS), removes it for no
// rules, and never shares its rules with callers.
func TestFakeBucketCORS(t *testing.T) {
	ctx := t.Context()
	c := New()
	rule := func(origin string, methods ...string) adminapi.CORSRule {
		return adminapi.CORSRule{AllowedOrigins: []string{origin}, AllowedMethods: methods}
	}
	if _, err := c.SetBucketCORS(ctx, "b1", &adminapi.CORS{Rules: []adminapi.CORSRule{rule("*", "GET")}}); !adminclient.IsNotFound(err) {
		t.Fatalf("CORS of a missing bucket: %v", err)
	}
	if _, err := c.CreateBucket(ctx, "b1", adminapi.CreateBucketRequest{Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	in := &adminapi.CORS{Rules: []adminapi.CORSRule{rule("https://app.example.com", "PUT", "GET")}, ResponseVary: true}
	if b, err := c.SetBucketCORS(ctx, "b1", in); err != nil || b.CORS == nil || len(b.CORS.Rules) != 1 || !b.CORS.ResponseVary {
		t.Fatalf("set CORS: %+v %v", b, err)
	}
	in.Rules[0].AllowedOrigins[0] = "changed by the caller"
	b, _ := c.GetBucket(ctx, "b1")
	b.CORS.Rules[0].AllowedMethods[0] = "DELETE"
	if b, _ := c.GetBucket(ctx, "b1"); b.CORS.Rules[0].AllowedOrigins[0] != "https://app.example.com" || b.CORS.Rules[0].AllowedMethods[0] != "PUT" {
		t.Fatalf("the fake shares its rules: %+v", b.CORS.Rules)
	}
	negative := int64(-1)
	eleven := make([]adminapi.CORSRule, 11)
	for i := range eleven {
		eleven[i] = rule("*", "GET")
	}
	for what, bad := range map[string]*adminapi.CORS{
		"11 rules":         {Rules: eleven},
		"PATCH":            {Rules: []adminapi.CORSRule{rule("*", "PATCH")}},
		"lower case":       {Rules: []adminapi.CORSRule{rule("*", "get")}},
		"two wildcards":    {Rules: []adminapi.CORSRule{rule("https://*.*", "GET")}},
		"no origin":        {Rules: []adminapi.CORSRule{{AllowedMethods: []string{"GET"}}}},
		"no method":        {Rules: []adminapi.CORSRule{{AllowedOrigins: []string{"*"}}}},
		"empty origin":     {Rules: []adminapi.CORSRule{rule("", "GET")}},
		"exposed wildcard": {Rules: []adminapi.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}, ExposeHeaders: []string{"*"}}}},
		"negative max age": {Rules: []adminapi.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}, MaxAgeSeconds: &negative}}},
		"too many bytes":   {Rules: []adminapi.CORSRule{rule(strings.Repeat("o", 16<<10+1), "GET")}},
		"vary, no rules":   {ResponseVary: true},
	} {
		if _, err := c.SetBucketCORS(ctx, "b1", bad); !adminclient.IsInvalidArgument(err) {
			t.Errorf("%s accepted: %v", what, err)
		}
	}
	if b, _ := c.GetBucket(ctx, "b1"); b.CORS == nil || len(b.CORS.Rules) != 1 {
		t.Fatalf("a refused configuration changed the bucket: %+v", b.CORS)
	}
	for _, none := range []*adminapi.CORS{{}, nil} {
		c.SetBucketCORSDirectly("b1", &adminapi.CORS{Rules: []adminapi.CORSRule{rule("*", "HEAD")}})
		if b, _ := c.GetBucket(ctx, "b1"); b.CORS == nil || b.CORS.Rules[0].AllowedMethods[0] != "HEAD" {
			t.Fatalf("direct change: %+v", b.CORS)
		}
		if b, err := c.SetBucketCORS(ctx, "b1", none); err != nil || b.CORS != nil {
			t.Fatalf("no rules (%v): %+v %v", none, b.CORS, err)
		}
	}
}

// TestFakeBucketLifecycle: the fake keeps a bucket's lifecycle rules as
// kossd does (IDs given to rules without one), refuses what kossd refuses,
// removes them for no rules, and never shares its rules with callers.
func TestFakeBucketLifecycle(t *testing.T) {
	ctx := t.Context()
	c := New()
	days := func(n int64) *adminapi.LifecycleAction { return &adminapi.LifecycleAction{Days: n} }
	expire := func(id, prefix string, n int64) adminapi.LifecycleRule {
		return adminapi.LifecycleRule{ID: id, Prefix: prefix, Enabled: true, Expiration: days(n)}
	}
	if _, err := c.SetBucketLifecycle(ctx, "b1", &adminapi.Lifecycle{Rules: []adminapi.LifecycleRule{expire("a", "", 1)}}); !adminclient.IsNotFound(err) {
		t.Fatalf("lifecycle of a missing bucket: %v", err)
	}
	if _, err := c.CreateBucket(ctx, "b1", adminapi.CreateBucketRequest{Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	in := &adminapi.Lifecycle{Rules: []adminapi.LifecycleRule{expire("tmp", "tmp/", 7), {Prefix: "up/", AbortUpload: days(2)}}}
	b, err := c.SetBucketLifecycle(ctx, "b1", in)
	if err != nil || b.Lifecycle == nil || len(b.Lifecycle.Rules) != 2 || b.Lifecycle.Rules[0].ID != "tmp" || b.Lifecycle.Rules[1].ID == "" {
		t.Fatalf("set lifecycle: %+v %v", b.Lifecycle, err)
	}
	in.Rules[0].Expiration.Days = 99
	b.Lifecycle.Rules[0].Prefix = "changed by the caller"
	if b, _ := c.GetBucket(ctx, "b1"); b.Lifecycle.Rules[0].Expiration.Days != 7 || b.Lifecycle.Rules[0].Prefix != "tmp/" {
		t.Fatalf("the fake shares its rules: %+v", b.Lifecycle.Rules[0])
	}
	noon := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	many := make([]adminapi.LifecycleRule, 1001)
	for i := range many {
		many[i] = expire(fmt.Sprint(i), "", 1)
	}
	eleven := map[string]string{}
	for i := range 11 {
		eleven[fmt.Sprint(i)] = ""
	}
	for what, bad := range map[string]adminapi.LifecycleRule{
		"days 0":          {ID: "a", Expiration: &adminapi.LifecycleAction{}},
		"negative days":   {ID: "a", Expiration: days(-1)},
		"two times":       {ID: "a", Expiration: &adminapi.LifecycleAction{Days: 1, CreatedBeforeDate: &time.Time{}}},
		"noon":            {ID: "a", Expiration: &adminapi.LifecycleAction{Date: &noon}},
		"no action":       {ID: "a"},
		"abort on a date": {ID: "a", AbortUpload: &adminapi.LifecycleAction{Date: &time.Time{}}},
		"tags and abort":  {ID: "a", Tags: map[string]string{"k": "v"}, AbortUpload: days(1)},
		"long ID":         expire(strings.Repeat("i", 256), "", 1),
		"long prefix":     expire("a", strings.Repeat("p", 1025), 1),
		"11 tags":         {ID: "a", Tags: eleven, Expiration: days(1)},
	} {
		if _, err := c.SetBucketLifecycle(ctx, "b1", &adminapi.Lifecycle{Rules: []adminapi.LifecycleRule{bad}}); !adminclient.IsInvalidArgument(err) {
			t.Errorf("%s accepted: %v", what, err)
		}
	}
	for what, bad := range map[string][]adminapi.LifecycleRule{
		"1001 rules":    many,
		"same ID twice": {expire("a", "x/", 1), expire("a", "y/", 1)},
	} {
		if _, err := c.SetBucketLifecycle(ctx, "b1", &adminapi.Lifecycle{Rules: bad}); !adminclient.IsInvalidArgument(err) {
			t.Errorf("%s accepted: %v", what, err)
		}
	}
	if b, _ := c.GetBucket(ctx, "b1"); b.Lifecycle == nil || len(b.Lifecycle.Rules) != 2 {
		t.Fatalf("a refused configuration changed the bucket: %+v", b.Lifecycle)
	}
	for _, none := range []*adminapi.Lifecycle{{}, nil} {
		c.SetBucketLifecycleDirectly("b1", &adminapi.Lifecycle{Rules: []adminapi.LifecycleRule{expire("direct", "", 3)}})
		if b, _ := c.GetBucket(ctx, "b1"); b.Lifecycle == nil || b.Lifecycle.Rules[0].ID != "direct" {
			t.Fatalf("direct change: %+v", b.Lifecycle)
		}
		if b, err := c.SetBucketLifecycle(ctx, "b1", none); err != nil || b.Lifecycle != nil {
			t.Fatalf("no rules (%v): %+v %v", none, b.Lifecycle, err)
		}
	}
}
