package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	v1 "github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/koss-io/koss/test/kossdproc"
)

// Lifecycle timing of the kossd these tests start: a rule's day lasts
// lcDay and the leader looks every lcInterval, so an object of a 1-day
// rule must be gone within lcDay + a few intervals, and nothing may go
// before lcDay.
const (
	lcDay      = 4 * time.Second
	lcInterval = 300 * time.Millisecond
	// lcSlack covers the passes, raft and the listing after the day.
	lcSlack = 8 * time.Second
)

// startLifecycleKossd starts a kossd (or with KOSS_TEST_NODES=N > 1 a
// Region of N) whose lifecycle day is lcDay, and returns an endpoint (in
// a Region, that of the last node, which need not be the leader: the
// leader alone carries the rules out) and every node's.
func startLifecycleKossd(t *testing.T) (string, []string) {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp(workDir, "lifecycle-")
	if err != nil {
		t.Fatal(err)
	}
	opts := kossdproc.Options{Binary: kossdBin, DataDir: dir, Args: []string{
		"--lifecycle-interval", lcInterval.String(), "--lifecycle-day", lcDay.String(), "--lifecycle-max-per-pass", "3"}}
	var nodes []*kossdproc.Process
	if n, _ := strconv.Atoi(os.Getenv("KOSS_TEST_NODES")); n > 1 {
		nodes, err = kossdproc.StartRegion(ctx, n, opts)
	} else {
		var p *kossdproc.Process
		opts.DataDir = dir + "/data"
		p, err = kossdproc.Start(ctx, opts)
		nodes = []*kossdproc.Process{p}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i, p := range nodes {
			if t.Failed() {
				t.Logf("--- node %d log tail ---\n%s", i, p.Tail(30))
			}
			p.Stop()
		}
	})
	var all []string
	for _, p := range nodes {
		all = append(all, p.Endpoint())
	}
	return nodes[len(nodes)-1].Endpoint(), all
}

// lcMetric sums a counter over the nodes' /-/metrics: only the leader's
// proposals count, and which node leads is not known.
func lcMetric(t *testing.T, endpoints []string, name string) float64 {
	t.Helper()
	total := 0.0
	for _, e := range endpoints {
		res, err := http.Get(e + "/-/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("metrics of %s: %d %v", e, res.StatusCode, err)
		}
		for line := range strings.SplitSeq(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					t.Fatalf("%s: %q", name, line)
				}
				total += f
			}
		}
	}
	return total
}

func lcV2Client(endpoint string) *oss.Client {
	return oss.NewClient(oss.LoadDefaultConfig().WithCredentialsProvider(rootCreds()).WithRegion(kossdproc.Region).
		WithEndpoint(endpoint).WithUsePathStyle(true).WithRetryMaxAttempts(1))
}

// lcMakeBucket creates a bucket, retrying while a new Region elects.
func lcMakeBucket(t *testing.T, c *oss.Client) string {
	t.Helper()
	name := newBucketName(t)
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := c.PutBucket(context.Background(), &oss.PutBucketRequest{Bucket: oss.Ptr(name)})
		if err == nil {
			return name
		}
		if time.Now().After(deadline) {
			t.Fatalf("PutBucket %s: %v", name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func lcExists(t *testing.T, c *oss.Client, bucket, key string) bool {
	t.Helper()
	_, err := c.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if code, status := v2Err(err); err != nil && status != 404 {
		t.Fatalf("HeadObject %s: %v (%s)", key, err, code)
	}
	return err == nil
}

func lcUploads(t *testing.T, c *oss.Client, bucket string) map[string]bool {
	t.Helper()
	res, err := c.ListMultipartUploads(context.Background(), &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, u := range res.Uploads {
		ids[oss.ToString(u.UploadId)] = true
	}
	return ids
}

// waitGone waits until every key is gone, failing at deadline.
func waitGone(t *testing.T, c *oss.Client, bucket string, deadline time.Time, keys ...string) {
	t.Helper()
	for {
		left := []string{}
		for _, k := range keys {
			if lcExists(t, c, bucket, k) {
				left = append(left, k)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still there past their day and %v more: %q", lcSlack, left)
		}
		time.Sleep(lcInterval)
	}
}

// TestLifecycleV2SDK: rules set with the v2 SDK's PutBucketLifecycle read
// back with GetBucketLifecycle; objects under an expiring prefix (and,
// for the tag rule, only tagged ones) disappear after their day, within
// the loop's period; a stale multipart upload under the prefix is
// aborted. Never: an object deleted before its day, one outside the
// prefixes, one without the rule's tag, one of a Disabled rule, an upload
// elsewhere; nor, after DeleteBucketLifecycle, any object at all. More
// objects are due than one pass may delete (3): the rest go later.
func TestLifecycleV2SDK(t *testing.T) {
	ctx := context.Background()
	endpoint, all := startLifecycleKossd(t)
	c := lcV2Client(endpoint)
	bucket := lcMakeBucket(t, c)
	put := func(key, tagging string) {
		t.Helper()
		req := &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: bytes.NewReader([]byte("data of " + key))}
		if tagging != "" {
			req.Tagging = oss.Ptr(tagging)
		}
		if _, err := c.PutObject(ctx, req); err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
	}
	expiring := []string{"exp/a", "exp/b", "exp/c", "exp/d/e", "tag/yes"}
	for _, k := range expiring[:4] {
		put(k, "")
	}
	put("tag/yes", "class=tmp&x=1")
	put("tag/no", "class=keep")
	put("tag/none", "")
	put("keep/a", "")
	put("off/a", "")
	up := func(key string) string {
		t.Helper()
		res, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
		if err != nil {
			t.Fatal(err)
		}
		return oss.ToString(res.UploadId)
	}
	stale, other := up("exp/upload"), up("keep/upload")
	written := time.Now()

	one := oss.Ptr(int32(1))
	_, err := c.PutBucketLifecycle(ctx, &oss.PutBucketLifecycleRequest{Bucket: oss.Ptr(bucket), LifecycleConfiguration: &oss.LifecycleConfiguration{
		Rules: []oss.LifecycleRule{
			{ID: oss.Ptr("exp"), Prefix: oss.Ptr("exp/"), Status: oss.Ptr("Enabled"), Expiration: &oss.LifecycleRuleExpiration{Days: one},
				AbortMultipartUpload: &oss.LifecycleRuleAbortMultipartUpload{Days: one}},
			{Prefix: oss.Ptr("tag/"), Status: oss.Ptr("Enabled"), Tags: []oss.Tag{{Key: oss.Ptr("class"), Value: oss.Ptr("tmp")}},
				Expiration: &oss.LifecycleRuleExpiration{Days: one}},
			{ID: oss.Ptr("off"), Prefix: oss.Ptr("off/"), Status: oss.Ptr("Disabled"), Expiration: &oss.LifecycleRuleExpiration{Days: one}},
		}}})
	if err != nil {
		t.Fatalf("PutBucketLifecycle: %v", err)
	}
	got, err := c.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: oss.Ptr(bucket)})
	if err != nil || got.LifecycleConfiguration == nil || len(got.LifecycleConfiguration.Rules) != 3 {
		t.Fatalf("GetBucketLifecycle = %+v, %v", got, err)
	}
	r0, r1 := got.LifecycleConfiguration.Rules[0], got.LifecycleConfiguration.Rules[1]
	if oss.ToString(r0.ID) != "exp" || oss.ToString(r0.Prefix) != "exp/" || oss.ToString(r0.Status) != "Enabled" ||
		r0.Expiration == nil || r0.Expiration.Days == nil || *r0.Expiration.Days != 1 ||
		r0.AbortMultipartUpload == nil || r0.AbortMultipartUpload.Days == nil || *r0.AbortMultipartUpload.Days != 1 {
		t.Errorf("rule 0 reads back as %+v", r0)
	}
	if oss.ToString(r1.ID) == "" || len(r1.Tags) != 1 || oss.ToString(r1.Tags[0].Key) != "class" || oss.ToString(r1.Tags[0].Value) != "tmp" {
		t.Errorf("rule 1 reads back as %+v (want a generated ID and the tag)", r1)
	}
	// Bad documents are refused and change nothing.
	for name, rule := range map[string]oss.LifecycleRule{
		"zero days": {Prefix: oss.Ptr("z/"), Status: oss.Ptr("Enabled"), Expiration: &oss.LifecycleRuleExpiration{Days: oss.Ptr(int32(0))}},
		"transition": {Prefix: oss.Ptr("z/"), Status: oss.Ptr("Enabled"), Transitions: []oss.LifecycleRuleTransition{
			{Days: one, StorageClass: oss.StorageClassIA}}},
		"bad status": {Prefix: oss.Ptr("z/"), Status: oss.Ptr("On"), Expiration: &oss.LifecycleRuleExpiration{Days: one}},
	} {
		_, err := c.PutBucketLifecycle(ctx, &oss.PutBucketLifecycleRequest{Bucket: oss.Ptr(bucket),
			LifecycleConfiguration: &oss.LifecycleConfiguration{Rules: []oss.LifecycleRule{rule}}})
		if code, status := v2Err(err); status != 400 || code != "InvalidArgument" {
			t.Errorf("%s: %v, want 400 InvalidArgument", name, err)
		}
	}
	if again, err := c.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: oss.Ptr(bucket)}); err != nil ||
		len(again.LifecycleConfiguration.Rules) != 3 {
		t.Fatalf("after refusals: %+v, %v", again, err)
	}

	// Well before their day, everything stays.
	time.Sleep(time.Until(written.Add(lcDay / 2)))
	for _, k := range expiring {
		if !lcExists(t, c, bucket, k) {
			t.Fatalf("%s deleted before its day", k)
		}
	}
	if ids := lcUploads(t, c, bucket); !ids[stale] || !ids[other] {
		t.Fatalf("an upload was aborted before its day: %v", ids)
	}
	waitGone(t, c, bucket, written.Add(lcDay+lcSlack), expiring...)
	for {
		ids := lcUploads(t, c, bucket)
		if !ids[other] {
			t.Fatal("the upload outside the rule's prefix was aborted")
		}
		if !ids[stale] {
			break
		}
		if time.Now().After(written.Add(lcDay + lcSlack)) {
			t.Fatal("the stale upload under exp/ was not aborted")
		}
		time.Sleep(lcInterval)
	}
	for _, k := range []string{"tag/no", "tag/none", "keep/a", "off/a"} {
		if !lcExists(t, c, bucket, k) {
			t.Errorf("%s was deleted: no enabled rule takes it", k)
		}
	}

	if n := lcMetric(t, all, "koss_lifecycle_deleted_objects_total"); n != float64(len(expiring)) {
		t.Errorf("koss_lifecycle_deleted_objects_total = %v, want %d", n, len(expiring))
	}
	if n := lcMetric(t, all, "koss_lifecycle_aborted_uploads_total"); n != 1 {
		t.Errorf("koss_lifecycle_aborted_uploads_total = %v, want 1", n)
	}

	// Without rules nothing goes, however old.
	if _, err := c.DeleteBucketLifecycle(ctx, &oss.DeleteBucketLifecycleRequest{Bucket: oss.Ptr(bucket)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: oss.Ptr(bucket)})
	if code, status := v2Err(err); status != 404 || code != "NoSuchLifecycle" {
		t.Fatalf("GetBucketLifecycle after delete: %v, want 404 NoSuchLifecycle", err)
	}
	put("exp/late", "")
	time.Sleep(lcDay + 2*time.Second)
	if !lcExists(t, c, bucket, "exp/late") {
		t.Fatal("exp/late was deleted after DeleteBucketLifecycle")
	}
}

// TestLifecycleV1SDK: the v1 SDK's SetBucketLifecycle (a Days rule from
// BuildLifecycleRuleByDays, a CreatedBeforeDate rule) reads back with
// GetBucketLifecycle; objects created before the date go at the next
// passes, the Days rule's wait for their day; DeleteBucketLifecycle then
// GetBucketLifecycle is NoSuchLifecycle.
func TestLifecycleV1SDK(t *testing.T) {
	endpoint, _ := startLifecycleKossd(t)
	c2 := lcV2Client(endpoint)
	bucket := lcMakeBucket(t, c2)
	c, err := v1.New(endpoint, kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret, v1.AuthVersion(v1.AuthV4),
		v1.Region(kossdproc.Region), v1.Timeout(10, 60))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Bucket(bucket)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"old/a", "old/b", "days/a", "other/a"} {
		if err := b.PutObject(k, bytes.NewReader([]byte(k))); err != nil {
			t.Fatal(err)
		}
	}
	written := time.Now()
	tomorrow := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour).Format("2006-01-02T15:04:05.000Z")
	rules := []v1.LifecycleRule{
		v1.BuildLifecycleRuleByDays("days", "days/", true, 1),
		{ID: "old", Prefix: "old/", Status: "Enabled", Expiration: &v1.LifecycleExpiration{CreatedBeforeDate: tomorrow}},
	}
	if err := c.SetBucketLifecycle(bucket, rules); err != nil {
		t.Fatalf("SetBucketLifecycle: %v", err)
	}
	res, err := c.GetBucketLifecycle(bucket)
	if err != nil || len(res.Rules) != 2 || res.Rules[0].ID != "days" || res.Rules[0].Expiration == nil ||
		res.Rules[0].Expiration.Days != 1 || res.Rules[1].Expiration == nil || res.Rules[1].Expiration.CreatedBeforeDate != tomorrow {
		t.Fatalf("GetBucketLifecycle = %+v, %v", res, err)
	}
	waitGone(t, c2, bucket, written.Add(lcDay/2), "old/a", "old/b")
	if !lcExists(t, c2, bucket, "days/a") {
		t.Fatal("days/a went before its day")
	}
	waitGone(t, c2, bucket, written.Add(lcDay+lcSlack), "days/a")
	if !lcExists(t, c2, bucket, "other/a") {
		t.Fatal("other/a was deleted: no rule takes it")
	}
	if err := c.DeleteBucketLifecycle(bucket); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketLifecycle(bucket)
	var se v1.ServiceError
	if !errors.As(err, &se) || se.StatusCode != 404 || se.Code != "NoSuchLifecycle" {
		t.Fatalf("GetBucketLifecycle after delete: %v, want 404 NoSuchLifecycle", err)
	}
}
