package object

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"testing"
)

// TestCorsThroughLayer: SetBucketCors stores a configuration GetBucket
// reads back (surviving a restart and a snapshot restore); an invalid one
// is ErrInvalidArgument and changes nothing; a missing bucket is
// ErrBucketNotFound; nil removes it.
func TestCorsThroughLayer(t *testing.T) {
	dir := t.TempDir()
	st := openStack(t, dir)
	ctx := t.Context()
	s := st.store
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	age := int64(30)
	cfg := &CORSConfiguration{ResponseVary: true, Rules: []CORSRule{
		{AllowedOrigins: []string{"http://app.example"}, AllowedMethods: []string{"PUT", "GET"}, AllowedHeaders: []string{"*"},
			ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: &age},
	}}
	if err := s.SetBucketCors(ctx, "bkt", cfg); err != nil {
		t.Fatal(err)
	}
	bad := &CORSConfiguration{Rules: []CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}}}
	if err := s.SetBucketCors(ctx, "bkt", bad); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("invalid configuration: %v, want ErrInvalidArgument", err)
	}
	if err := s.SetBucketCors(ctx, "nobucket", cfg); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("missing bucket: %v, want ErrBucketNotFound", err)
	}
	check := func(s *Store, when string, want *CORSConfiguration) {
		t.Helper()
		b, err := s.GetBucket(ctx, "bkt")
		if err != nil || !reflect.DeepEqual(b.CORS, want) {
			t.Errorf("%s: CORS = %+v (%v), want %+v", when, b.CORS, err, want)
		}
	}
	check(s, "live", cfg)
	var snap bytes.Buffer
	if err := st.fsm.WriteSnapshot(&snap); err != nil {
		t.Fatal(err)
	}
	st.close()
	st = openStack(t, dir)
	check(st.store, "after a restart", cfg)
	st2 := openStack(t, t.TempDir())
	if err := st2.fsm.Restore(io.NopCloser(bytes.NewReader(snap.Bytes()))); err != nil {
		t.Fatal(err)
	}
	check(st2.store, "after a restore", cfg)
	if err := st.store.SetBucketCors(ctx, "bkt", nil); err != nil {
		t.Fatal(err)
	}
	check(st.store, "after removal", nil)
}
