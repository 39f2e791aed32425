package object

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// TestSetBucketACL changes a bucket's ACL through the Layer: the new value
// must be what GetBucket and ListBuckets report, after a restart and on a
// node restored from a snapshot too (authorization reads it from there);
// a refused change must leave the old value.
func TestSetBucketACL(t *testing.T) {
	dir := t.TempDir()
	st := openStack(t, dir)
	ctx := t.Context()
	s := st.store
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutObject(ctx, "bkt", "k", bytes.NewReader([]byte("x")), 1, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	wantACL := func(s *Store, want string) {
		t.Helper()
		info, err := s.GetBucket(ctx, "bkt")
		if err != nil || info.ACL != want {
			t.Fatalf("GetBucket = %+v, %v; want ACL %q", info, err, want)
		}
		if info.Objects != 1 {
			t.Fatalf("SetBucketACL lost the counters: %+v", info)
		}
		l, err := s.ListBuckets(ctx, ListBucketsOptions{})
		if err != nil || len(l.Buckets) != 1 || l.Buckets[0].ACL != want {
			t.Fatalf("ListBuckets = %+v, %v; want ACL %q", l, err, want)
		}
	}
	wantACL(s, "private")
	for _, acl := range []string{"public-read", "public-read-write", "private", "public-read"} {
		if err := s.SetBucketACL(ctx, "bkt", acl); err != nil {
			t.Fatalf("SetBucketACL(%q) = %v", acl, err)
		}
		wantACL(s, acl)
	}
	for _, bad := range []string{"", "default", "Public-Read", "authenticated-read"} {
		if err := s.SetBucketACL(ctx, "bkt", bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("SetBucketACL(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
	wantACL(s, "public-read")
	if err := s.SetBucketACL(ctx, "nope", "private"); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("SetBucketACL on a missing bucket = %v, want ErrBucketNotFound", err)
	}
	if _, err := s.GetBucket(ctx, "nope"); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("SetBucketACL created the missing bucket: %v", err)
	}

	var snap bytes.Buffer
	if err := st.fsm.WriteSnapshot(&snap); err != nil {
		t.Fatal(err)
	}
	st.close()
	st = openStack(t, dir)
	wantACL(st.store, "public-read")

	st2 := openStack(t, t.TempDir())
	if err := st2.fsm.Restore(io.NopCloser(bytes.NewReader(snap.Bytes()))); err != nil {
		t.Fatal(err)
	}
	wantACL(st2.store, "public-read")
}
