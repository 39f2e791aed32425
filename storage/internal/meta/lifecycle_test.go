package meta

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// TestBucketLifecycle: SetBucketLifecycle changes only an existing
// bucket's lifecycle configuration (counters, tags and CORS kept), refuses
// invalid ones without a trace, never creates a bucket; the configuration
// survives a snapshot restore, and removing it leaves the bucket as it was.
func TestBucketLifecycle(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b", Created: 3, ACL: "public-read", StorageClass: "IA"})
	h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("abc", 1)})
	h.ok(&record.SetBucketTagging{Name: "b", Tags: map[string]string{"env": "prod"}})
	h.ok(&record.SetBucketCors{Name: "b", CORS: &record.CORS{Rules: []record.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}}})
	before, _ := h.f.GetBucket("b")
	lc := &record.Lifecycle{Rules: []record.LifecycleRule{
		{ID: "logs", Prefix: "logs/", Enabled: true, Expiration: record.LifecycleAction{When: record.LifecycleDays, Value: 3}},
		{ID: "mpu", AbortUpload: record.LifecycleAction{When: record.LifecycleCreatedBefore, Value: 100}},
	}}
	r := h.ok(&record.SetBucketLifecycle{Name: "b", Lifecycle: lc})
	if r.Bucket == nil || !reflect.DeepEqual(r.Bucket.Lifecycle, lc) {
		t.Fatalf("result bucket = %+v", r.Bucket)
	}
	want := before
	want.Lifecycle = lc
	for name, bad := range map[string]*record.Lifecycle{
		"no rules":  {},
		"no action": {Rules: []record.LifecycleRule{{ID: "x"}}},
		"no id":     {Rules: []record.LifecycleRule{{Expiration: record.LifecycleAction{When: record.LifecycleDays, Value: 1}}}},
	} {
		h.want(&record.SetBucketLifecycle{Name: "b", Lifecycle: bad}, record.CodeInvalidArgument)
		if got, _ := h.f.GetBucket("b"); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: a refused SetBucketLifecycle changed the bucket: %+v", name, got)
		}
	}
	h.want(&record.SetBucketLifecycle{Name: "missing", Lifecycle: lc}, record.CodeBucketNotFound)
	if _, err := h.f.GetBucket("missing"); err == nil {
		t.Fatal("SetBucketLifecycle created a bucket")
	}
	// The bucket's other setters keep the lifecycle configuration.
	h.ok(&record.SetBucketACL{Name: "b", ACL: "private"})
	want.ACL = "private"
	if got, err := h.f.GetBucket("b"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetBucket = %+v, %v; want %+v", got, err, want)
	}
	c := newFSM(t)
	if err := c.Restore(io.NopCloser(bytes.NewReader(snapshotBytes(t, h.f)))); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetBucket("b"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("restored GetBucket = %+v, %v; want %+v", got, err, want)
	}
	h.ok(&record.SetBucketLifecycle{Name: "b"})
	want.Lifecycle = nil
	if got, err := h.f.GetBucket("b"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after delete GetBucket = %+v, %v; want %+v", got, err, want)
	}
	h.ok(&record.SetBucketLifecycle{Name: "b"})
}
