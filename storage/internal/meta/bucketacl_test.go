package meta

import (
	"bytes"
	"io"
	"testing"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// TestSetBucketACL: Apply must change only the ACL of an existing bucket,
// refuse values that are no canned bucket ACL (every replica judges them,
// whatever the proposer checked) and never create a missing bucket; the
// value must survive a snapshot restore.
func TestSetBucketACL(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b", Created: 10, ACL: "private", StorageClass: "IA", Owner: "o"})
	h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("abc", 1)})
	r := h.ok(&record.SetBucketACL{Name: "b", ACL: "public-read-write"})
	want := record.Bucket{Name: "b", Created: 10, ACL: "public-read-write", StorageClass: "IA", Owner: "o", Objects: 1, Bytes: 3}
	if r.Bucket == nil || *r.Bucket != want {
		t.Fatalf("result bucket = %+v, want %+v", r.Bucket, want)
	}
	for _, bad := range []string{"", "default", "PRIVATE", "authenticated-read"} {
		h.want(&record.SetBucketACL{Name: "b", ACL: bad}, record.CodeInvalidArgument)
	}
	h.want(&record.SetBucketACL{Name: "missing", ACL: "private"}, record.CodeBucketNotFound)
	if _, err := h.f.GetBucket("missing"); err == nil {
		t.Fatal("SetBucketACL created a bucket")
	}
	if got, err := h.f.GetBucket("b"); err != nil || got != want {
		t.Fatalf("GetBucket = %+v, %v; want %+v", got, err, want)
	}

	c := newFSM(t)
	if err := c.Restore(io.NopCloser(bytes.NewReader(snapshotBytes(t, h.f)))); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetBucket("b"); err != nil || got != want {
		t.Fatalf("restored GetBucket = %+v, %v; want %+v", got, err, want)
	}
}
