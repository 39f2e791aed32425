package adminclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/internal/auth"
)

// TestSignatureVerifies checks the client's V1 signer against the server's
// verifier, for every method and for ids that need escaping.
func TestSignatureVerifies(t *testing.T) {
	v := auth.NewVerifier(auth.Config{Lookup: auth.StaticKeys{"root": "rootsecret"}})
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := v.Authenticate(r.Context(), r, "-", strings.TrimPrefix(r.URL.Path, "/-/"))
		if err != nil || res.Principal.AccessKeyID != "root" {
			w.WriteHeader(http.StatusForbidden)
			_ = json.NewEncoder(w).Encode(adminapi.Error{Code: adminapi.CodeUnauthorized, Message: errString(err)})
			return
		}
		body, _ := io.ReadAll(r.Body)
		if len(body) > 0 && r.Header.Get("Content-MD5") == "" {
			t.Errorf("%s %s: body without Content-MD5", r.Method, r.URL.Path)
		}
		seen = append(seen, r.Method+" "+r.URL.Path)
		switch {
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		case strings.HasSuffix(r.URL.Path, "/cluster"):
			_ = json.NewEncoder(w).Encode(adminapi.ClusterStatus{Leader: "n1"})
		case strings.HasSuffix(r.URL.Path, "/drain"):
			_ = json.NewEncoder(w).Encode(adminapi.DrainResult{Remaining: 2})
		default:
			_, _ = io.WriteString(w, "{}")
		}
	}))
	defer func() { srv.Close() }()
	c, err := New(srv.URL, "root", "rootsecret")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	steps := []func() error{
		func() error {
			_, err := c.CreateAccessKey(ctx, adminapi.CreateKeyRequest{AccessKeyID: "AK1"})
			return err
		},
		func() error { _, err := c.GetAccessKey(ctx, "a b+c%d"); return err },
		func() error { _, err := c.ListAccessKeys(ctx); return err },
		func() error { _, err := c.SetGrants(ctx, "AK1", nil); return err },
		func() error { return c.DeleteAccessKey(ctx, "AK1") },
		func() error {
			_, err := c.CreateBucket(ctx, "bkt", adminapi.CreateBucketRequest{Owner: "ns/b/uid"})
			return err
		},
		func() error { _, err := c.GetBucket(ctx, "bkt"); return err },
		func() error { _, err := c.ListBuckets(ctx); return err },
		func() error { _, err := c.SetBucketACL(ctx, "bkt", "public-read"); return err },
		func() error { _, err := c.SetBucketTags(ctx, "bkt", map[string]string{"k": "v"}); return err },
		func() error { _, err := c.SetBucketCORS(ctx, "bkt", nil); return err },
		func() error { _, err := c.SetBucketLifecycle(ctx, "bkt", nil); return err },
		func() error { return c.DeleteBucket(ctx, "bkt") },
		func() error {
			s, err := c.ClusterStatus(ctx)
			if err == nil && s.Leader != "n1" {
				return errors.New("cluster status not decoded")
			}
			return err
		},
		func() error { return c.AddMember(ctx, "eu-3", "eu-3.eu-peers.storage.svc.cluster.local:9001") },
		func() error {
			n, err := c.DrainMember(ctx, "eu-3")
			if err == nil && n != 2 {
				return fmt.Errorf("drain answered %d objects left, want 2", n)
			}
			return err
		},
		func() error { return c.RemoveMember(ctx, "eu-3") },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if len(seen) != len(steps) || seen[1] != "GET /-/admin/v1/keys/a b+c%d" {
		t.Fatalf("requests %q", seen)
	}
	wantMembers := []string{"POST /-/admin/v1/cluster/members", "POST /-/admin/v1/cluster/members/eu-3/drain", "DELETE /-/admin/v1/cluster/members/eu-3"}
	if got := seen[len(seen)-3:]; !slices.Equal(got, wantMembers) {
		t.Fatalf("membership requests %q, want %q", got, wantMembers)
	}

	bad, _ := New(srv.URL, "root", "wrongsecret")
	_, err = bad.ListBuckets(ctx)
	if !IsUnauthorized(err) || !errors.Is(err, adminapi.ErrUnauthorized) {
		t.Fatalf("wrong secret: %v", err)
	}
}

func errString(err error) string {
	if err == nil {
		return "not the root key"
	}
	return err.Error()
}

func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   error
		is     func(error) bool
	}{
		{404, `{"code":"NotFound","message":"no"}`, adminapi.ErrNotFound, IsNotFound},
		{409, `{"code":"BucketAlreadyExists"}`, adminapi.ErrBucketAlreadyExists, IsBucketAlreadyExists},
		{409, `{"code":"BucketNotEmpty"}`, adminapi.ErrBucketNotEmpty, IsBucketNotEmpty},
		{409, `{"code":"KeyConflict"}`, adminapi.ErrKeyConflict, IsKeyConflict},
		{400, `{"code":"InvalidArgument","message":"object: invalid tag"}`, adminapi.ErrInvalidArgument, IsInvalidArgument},
		{403, `<Error><Code>AccessDenied</Code></Error>`, adminapi.ErrUnauthorized, IsUnauthorized},
		{404, `not json`, adminapi.ErrNotFound, IsNotFound},
		{503, ``, adminapi.ErrUnavailable, func(err error) bool { return errors.Is(err, adminapi.ErrUnavailable) }},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Oss-Request-Id", "RID")
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, tc.body)
		}))
		c, _ := New(srv.URL, "root", "secret")
		_, err := c.GetBucket(t.Context(), "bkt")
		srv.Close()
		var ae *APIError
		if !errors.Is(err, tc.want) || !tc.is(err) || !errors.As(err, &ae) || ae.StatusCode != tc.status || ae.RequestID != "RID" {
			t.Errorf("%d %s: %v", tc.status, tc.body, err)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		_, _ = io.WriteString(w, `{"code":"InternalError"}`)
	}))
	defer func() { srv.Close() }()
	c, _ := New(srv.URL, "root", "secret")
	if _, err := c.GetBucket(t.Context(), "bkt"); err == nil || IsNotFound(err) || errors.Unwrap(err) != nil {
		t.Errorf("500: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, tc := range []struct{ ep, id, secret string }{
		{"ftp://x", "a", "b"}, {"http://", "a", "b"}, {"http://x", "", "b"}, {"http://x", "a", ""},
	} {
		if _, err := New(tc.ep, tc.id, tc.secret); err == nil {
			t.Errorf("New(%q, %q, %q) accepted", tc.ep, tc.id, tc.secret)
		}
	}
	c, err := New("127.0.0.1:9000", "a", "b")
	if err != nil || c.base.String() != "http://127.0.0.1:9000" {
		t.Fatalf("scheme-less endpoint: %v %v", c, err)
	}
}

// TestAbortBucketUploadsRequest: the client sends DELETE to the bucket's
// uploads and reads the count.
func TestAbortBucketUploadsRequest(t *testing.T) {
	var method, path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, path = r.Method, r.URL.Path
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"aborted":7}`))
	}))
	defer srv.Close()
	c, err := New(srv.URL, "root", "secret")
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.AbortBucketUploads(t.Context(), "bkt")
	if err != nil || n != 7 || method != http.MethodDelete || path != adminapi.BucketUploadsPath("bkt") {
		t.Fatalf("%d %v: %s %s", n, err, method, path)
	}
}

// TestSetBucketACLAndTagsRequests: the client PUTs the bucket's acl and tags
// sub-resources with the documented bodies (nil tags as an explicit empty
// set, which removes them) and decodes the bucket answered.
func TestSetBucketACLAndTagsRequests(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+strings.TrimSpace(string(body)))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"name":"bkt","acl":"public-read","tags":{"team":"media"}}`))
	}))
	defer srv.Close()
	c, err := New(srv.URL, "root", "secret")
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.SetBucketACL(t.Context(), "bkt", "public-read")
	if err != nil || b.ACL != "public-read" {
		t.Fatalf("SetBucketACL: %+v %v", b, err)
	}
	if b, err = c.SetBucketTags(t.Context(), "bkt", map[string]string{"team": "media"}); err != nil || b.Tags["team"] != "media" {
		t.Fatalf("SetBucketTags: %+v %v", b, err)
	}
	if _, err = c.SetBucketTags(t.Context(), "bkt", nil); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`PUT /-/admin/v1/buckets/bkt/acl {"acl":"public-read"}`,
		`PUT /-/admin/v1/buckets/bkt/tags {"tags":{"team":"media"}}`,
		`PUT /-/admin/v1/buckets/bkt/tags {"tags":{}}`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("requests\n%q\nwant\n%q", got, want)
	}
}

// TestSetBucketCORSRequest: the client PUTs the bucket's cors sub-resource
// with the documented body (nil as an explicit empty rule list, which removes
// the configuration) and decodes the rules answered.
func TestSetBucketCORSRequest(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+strings.TrimSpace(string(body)))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"name":"bkt","cors":{"rules":[{"allowedOrigins":["https://app"],"allowedMethods":["PUT"],"maxAgeSeconds":60}]}}`))
	}))
	defer srv.Close()
	c, err := New(srv.URL, "root", "secret")
	if err != nil {
		t.Fatal(err)
	}
	age := int64(60)
	cors := &adminapi.CORS{Rules: []adminapi.CORSRule{{AllowedOrigins: []string{"https://app"}, AllowedMethods: []string{"PUT"}, MaxAgeSeconds: &age}}, ResponseVary: true}
	b, err := c.SetBucketCORS(t.Context(), "bkt", cors)
	if err != nil || b.CORS == nil || len(b.CORS.Rules) != 1 || *b.CORS.Rules[0].MaxAgeSeconds != 60 {
		t.Fatalf("SetBucketCORS: %+v %v", b, err)
	}
	if _, err = c.SetBucketCORS(t.Context(), "bkt", nil); err != nil {
		t.Fatal(err)
	}
	if _, err = c.SetBucketCORS(t.Context(), "bkt", &adminapi.CORS{}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`PUT /-/admin/v1/buckets/bkt/cors {"rules":[{"allowedOrigins":["https://app"],"allowedMethods":["PUT"],"maxAgeSeconds":60}],"responseVary":true}`,
		`PUT /-/admin/v1/buckets/bkt/cors {"rules":[]}`,
		`PUT /-/admin/v1/buckets/bkt/cors {"rules":[]}`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("requests\n%q\nwant\n%q", got, want)
	}
}

// TestSetBucketLifecycleRequest: the client PUTs the bucket's lifecycle
// sub-resource with the documented body (nil as an explicit empty rule
// list, which removes the configuration) and decodes the rules answered.
func TestSetBucketLifecycleRequest(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.Path+" "+strings.TrimSpace(string(body)))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"name":"bkt","lifecycle":{"rules":[{"id":"tmp","prefix":"tmp/","enabled":true,"expiration":{"days":7}},` +
			`{"id":"gen","enabled":false,"expiration":{"createdBeforeDate":"2026-01-02T00:00:00Z"}}]}}`))
	}))
	defer srv.Close()
	c, err := New(srv.URL, "root", "secret")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	lc := &adminapi.Lifecycle{Rules: []adminapi.LifecycleRule{
		{ID: "tmp", Prefix: "tmp/", Enabled: true, Expiration: &adminapi.LifecycleAction{Days: 7}, AbortUpload: &adminapi.LifecycleAction{Days: 2}},
		{Tags: map[string]string{"k": "v"}, Expiration: &adminapi.LifecycleAction{CreatedBeforeDate: &day}},
	}}
	b, err := c.SetBucketLifecycle(t.Context(), "bkt", lc)
	if err != nil || b.Lifecycle == nil || len(b.Lifecycle.Rules) != 2 || b.Lifecycle.Rules[1].ID != "gen" ||
		!b.Lifecycle.Rules[1].Expiration.CreatedBeforeDate.Equal(day) {
		t.Fatalf("SetBucketLifecycle: %+v %v", b, err)
	}
	if _, err = c.SetBucketLifecycle(t.Context(), "bkt", nil); err != nil {
		t.Fatal(err)
	}
	if _, err = c.SetBucketLifecycle(t.Context(), "bkt", &adminapi.Lifecycle{}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`PUT /-/admin/v1/buckets/bkt/lifecycle {"rules":[{"id":"tmp","prefix":"tmp/","enabled":true,"expiration":{"days":7},"abortUpload":{"days":2}},` +
			`{"enabled":false,"tags":{"k":"v"},"expiration":{"createdBeforeDate":"2026-01-02T00:00:00Z"}}]}`,
		`PUT /-/admin/v1/buckets/bkt/lifecycle {"rules":[]}`,
		`PUT /-/admin/v1/buckets/bkt/lifecycle {"rules":[]}`,
	}
	if !slices.Equal(got, want) {
		t.Fatalf("requests\n%q\nwant\n%q", got, want)
	}
}
