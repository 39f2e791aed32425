package meta

import (
	"bytes"
	"io"
	"reflect"
	"testing"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// TestBucketCors: SetBucketCors changes only an existing bucket's CORS
// configuration (counters and tags kept), refuses invalid ones without a
// trace, never creates a bucket; the configuration survives a snapshot
// restore, and removing it leaves the bucket as it was before.
func TestBucketCors(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b", Created: 3, ACL: "public-read", StorageClass: "IA"})
	h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("abc", 1)})
	h.ok(&record.SetBucketTagging{Name: "b", Tags: map[string]string{"env": "prod"}})
	before, _ := h.f.GetBucket("b")
	cors := &record.CORS{ResponseVary: true, Rules: []record.CORSRule{
		{AllowedOrigins: []string{"http://a.example"}, AllowedMethods: []string{"GET", "PUT"}, AllowedHeaders: []string{"*"},
			ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: ptr(int64(60))},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"HEAD"}},
	}}
	r := h.ok(&record.SetBucketCors{Name: "b", CORS: cors})
	if r.Bucket == nil || !reflect.DeepEqual(r.Bucket.CORS, cors) {
		t.Fatalf("result bucket = %+v", r.Bucket)
	}
	want := before
	want.CORS = cors
	for name, bad := range map[string]*record.CORS{
		"no rules":   {},
		"bad method": {Rules: []record.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}}},
		"two stars":  {Rules: []record.CORSRule{{AllowedOrigins: []string{"*.*"}, AllowedMethods: []string{"GET"}}}},
	} {
		h.want(&record.SetBucketCors{Name: "b", CORS: bad}, record.CodeInvalidArgument)
		if got, _ := h.f.GetBucket("b"); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: a refused SetBucketCors changed the bucket: %+v", name, got)
		}
	}
	h.want(&record.SetBucketCors{Name: "missing", CORS: cors}, record.CodeBucketNotFound)
	if _, err := h.f.GetBucket("missing"); err == nil {
		t.Fatal("SetBucketCors created a bucket")
	}
	// The bucket's other setters keep the CORS configuration.
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
	h.ok(&record.SetBucketCors{Name: "b"})
	want.CORS = nil
	if got, err := h.f.GetBucket("b"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after delete GetBucket = %+v, %v; want %+v", got, err, want)
	}
	// Deleting none is no error.
	h.ok(&record.SetBucketCors{Name: "b"})
}
