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

func TestCORSMatch(t *testing.T) {
	cfg := &CORSConfiguration{Rules: []CORSRule{
		{AllowedOrigins: []string{"http://a.example", "https://*.b.example"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"x-oss-*", "Content-Type"}},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"HEAD"}},
	}}
	tests := map[string]struct {
		origin, method string
		headers        []string
		want           int // rule index, -1 for none
	}{
		"exact origin":                 {"http://a.example", "GET", nil, 0},
		"wildcard origin":              {"https://x.y.b.example", "PUT", nil, 0},
		"wildcard needs its suffix":    {"https://b.example.evil", "PUT", nil, -1},
		"origin is case-sensitive":     {"HTTP://A.EXAMPLE", "GET", nil, -1},
		"method not allowed":           {"http://a.example", "DELETE", nil, -1},
		"headers case-insensitive":     {"http://a.example", "PUT", []string{"X-OSS-Meta-A", "content-type"}, 0},
		"one header not allowed":       {"http://a.example", "PUT", []string{"x-oss-meta-a", "authorization"}, -1},
		"second rule any origin":       {"http://other.example", "HEAD", nil, 1},
		"second rule without headers":  {"http://other.example", "HEAD", []string{"x-a"}, -1},
		"no origin":                    {"", "GET", nil, -1},
		"star does not span to prefix": {"http://a.example.", "GET", nil, -1},
	}
	for name, tc := range tests {
		got := cfg.Match(tc.origin, tc.method, tc.headers)
		want := (*CORSRule)(nil)
		if tc.want >= 0 {
			want = &cfg.Rules[tc.want]
		}
		if got != want {
			t.Errorf("%s: Match = %+v, want rule %d", name, got, tc.want)
		}
	}
	if (*CORSConfiguration)(nil).Match("http://a.example", "GET", nil) != nil {
		t.Error("a nil configuration matched")
	}
	if !cfg.Rules[1].AllowsAnyOrigin() || cfg.Rules[0].AllowsAnyOrigin() {
		t.Error("AllowsAnyOrigin")
	}
}
