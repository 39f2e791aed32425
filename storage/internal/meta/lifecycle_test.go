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

// TestExpireObjects: ExpireObjects deletes only objects that are still
// what the loop saw and that the bucket's current rules expire at the
// command's time. Never deleted: a re-written object (same key, other
// MTime), one not matching a rule, one whose rule was removed after the
// loop looked; a second identical command deletes nothing more. The
// bucket's counters follow, and a restored snapshot agrees.
func TestExpireObjects(t *testing.T) {
	const day = int64(100)
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b", Created: 1})
	for key, mtime := range map[string]int64{"logs/old": 10, "logs/rewritten": 10, "logs/new": 900, "keep/old": 10, "logs/later": 10} {
		h.ok(&record.PutObject{Bucket: "b", Key: key, Object: inlineObject("abc", mtime)})
	}
	// The loop saw logs/rewritten at mtime 10; it has been written again.
	h.ok(&record.PutObject{Bucket: "b", Key: "logs/rewritten", Object: inlineObject("abc", 950)})
	lc := &record.Lifecycle{Rules: []record.LifecycleRule{
		{ID: "logs", Prefix: "logs/", Enabled: true, Expiration: record.LifecycleAction{When: record.LifecycleDays, Value: 2}}}}
	h.ok(&record.SetBucketLifecycle{Name: "b", Lifecycle: lc})
	seen := func(key string, mtime int64) record.Expired {
		return record.Expired{Key: key, ETag: `"E"`, MTime: mtime}
	}
	cmd := &record.ExpireObjects{Bucket: "b", Now: 1000, Day: day, Objects: []record.Expired{
		seen("logs/old", 10), seen("logs/rewritten", 10), seen("logs/new", 900), seen("keep/old", 10), seen("logs/gone", 10),
	}}
	if r := h.ok(cmd); r.Length != 1 {
		t.Fatalf("deleted %d, want 1 (logs/old only)", r.Length)
	}
	if r := h.ok(cmd); r.Length != 0 {
		t.Fatalf("the same command again deleted %d", r.Length)
	}
	for key, want := range map[string]bool{"logs/old": false, "logs/rewritten": true, "logs/new": true, "keep/old": true, "logs/later": true} {
		if _, err := h.f.GetObject("b", key); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", key, err == nil, want)
		}
	}
	// Rules removed between the loop's look and Apply: nothing goes.
	h.ok(&record.SetBucketLifecycle{Name: "b"})
	if r := h.ok(&record.ExpireObjects{Bucket: "b", Now: 1000, Day: day, Objects: []record.Expired{seen("logs/later", 10)}}); r.Length != 0 {
		t.Fatal("an object was deleted after its bucket's rules were removed")
	}
	if b, _ := h.f.GetBucket("b"); b.Objects != 4 || b.Bytes != 12 {
		t.Errorf("counters %d objects %d bytes, want 4 and 12", b.Objects, b.Bytes)
	}
	h.want(&record.ExpireObjects{Bucket: "b", Now: 1, Day: 0}, record.CodeInvalidArgument)
	h.want(&record.ExpireObjects{Bucket: "missing", Now: 1, Day: day}, record.CodeBucketNotFound)
	c := newFSM(t)
	if err := c.Restore(io.NopCloser(bytes.NewReader(snapshotBytes(t, h.f)))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetObject("b", "logs/old"); err == nil {
		t.Error("restored snapshot has the expired object")
	}
	if _, err := c.GetObject("b", "logs/later"); err != nil {
		t.Errorf("restored snapshot lost logs/later: %v", err)
	}
}

// TestAbortLifecycleUploads: AbortLifecycleUploads aborts only uploads
// that still exist and that the bucket's current rules abort at the
// command's time. Never aborted: one not yet due, one outside the
// prefix, any after the rules are removed; a second identical command
// aborts nothing more.
func TestAbortLifecycleUploads(t *testing.T) {
	const day = int64(100)
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b", Created: 1})
	for _, u := range []struct {
		key, id   string
		initiated int64
	}{{"logs/old", "u1", 10}, {"logs/new", "u2", 950}, {"keep/old", "u3", 10}, {"logs/later", "u4", 10}} {
		h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: u.key, ID: u.id, Initiated: u.initiated}})
	}
	h.ok(&record.SetBucketLifecycle{Name: "b", Lifecycle: &record.Lifecycle{Rules: []record.LifecycleRule{
		{ID: "logs", Prefix: "logs/", Enabled: true, AbortUpload: record.LifecycleAction{When: record.LifecycleDays, Value: 1}}}}})
	cmd := &record.AbortLifecycleUploads{Bucket: "b", Now: 1000, Day: day, Uploads: []record.UploadRef{
		{Key: "logs/old", UploadID: "u1"}, {Key: "logs/new", UploadID: "u2"}, {Key: "keep/old", UploadID: "u3"}, {Key: "logs/gone", UploadID: "u9"}}}
	if r := h.ok(cmd); r.Length != 1 {
		t.Fatalf("aborted %d, want 1 (logs/old only)", r.Length)
	}
	if r := h.ok(cmd); r.Length != 0 {
		t.Fatalf("the same command again aborted %d", r.Length)
	}
	h.ok(&record.SetBucketLifecycle{Name: "b"})
	if r := h.ok(&record.AbortLifecycleUploads{Bucket: "b", Now: 1000, Day: day,
		Uploads: []record.UploadRef{{Key: "logs/later", UploadID: "u4"}}}); r.Length != 0 {
		t.Fatal("an upload was aborted after its bucket's rules were removed")
	}
	for id, want := range map[string]bool{"u1": false, "u2": true, "u3": true, "u4": true} {
		key := map[string]string{"u1": "logs/old", "u2": "logs/new", "u3": "keep/old", "u4": "logs/later"}[id]
		_, _, err := h.f.UploadParts("b", key, id)
		if (err == nil) != want {
			t.Errorf("upload %s: exists %v, want %v", id, err == nil, want)
		}
	}
	h.want(&record.AbortLifecycleUploads{Bucket: "b", Now: 1, Day: 0}, record.CodeInvalidArgument)
	h.want(&record.AbortLifecycleUploads{Bucket: "missing", Now: 1, Day: day}, record.CodeBucketNotFound)
}
