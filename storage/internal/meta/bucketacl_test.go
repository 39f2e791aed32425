package meta

import (
	"bytes"
	"io"
	"reflect"
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
	if r.Bucket == nil || !reflect.DeepEqual(*r.Bucket, want) {
		t.Fatalf("result bucket = %+v, want %+v", r.Bucket, want)
	}
	for _, bad := range []string{"", "default", "PRIVATE", "authenticated-read"} {
		h.want(&record.SetBucketACL{Name: "b", ACL: bad}, record.CodeInvalidArgument)
	}
	h.want(&record.SetBucketACL{Name: "missing", ACL: "private"}, record.CodeBucketNotFound)
	if _, err := h.f.GetBucket("missing"); err == nil {
		t.Fatal("SetBucketACL created a bucket")
	}
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
}

// TestAppendSetACL: an append with SetACL replaces an existing object's
// ACL and nothing else of its metadata; one without it (every command
// older code wrote) must leave the ACL as it was, or old logs would
// replay differently than they first applied.
func TestAppendSetACL(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b", ACL: "private"})
	first := record.Metadata{ACL: "public-read-write", User: map[string]string{"my": "myprop"}}
	h.ok(&record.AppendObject{Bucket: "b", Key: "k", Segment: record.Segment{Size: 1, CRC64: 1, Data: []byte("a")}, Meta: first, SetACL: true})
	later := record.Metadata{ACL: "public-read", User: map[string]string{"my": "two", "mine": "x"}}
	h.ok(&record.AppendObject{Bucket: "b", Key: "k", Position: 1, Segment: record.Segment{Size: 1, CRC64: 1, Data: []byte("b")}, Meta: later})
	o, err := h.f.GetObject("b", "k")
	if err != nil || o.Meta.ACL != "public-read-write" {
		t.Fatalf("append without SetACL: ACL %q (%v), want the first one", o.Meta.ACL, err)
	}
	h.ok(&record.AppendObject{Bucket: "b", Key: "k", Position: 2, Segment: record.Segment{Size: 1, CRC64: 1, Data: []byte("c")}, Meta: later, SetACL: true})
	o, err = h.f.GetObject("b", "k")
	if err != nil || o.Meta.ACL != "public-read" || len(o.Meta.User) != 1 || o.Meta.User["my"] != "myprop" {
		t.Fatalf("append with SetACL: meta %+v (%v), want ACL public-read and the first user metadata", o.Meta, err)
	}
}
