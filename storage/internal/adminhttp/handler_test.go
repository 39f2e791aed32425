package adminhttp

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/object/objecttest"
)

const (
	rootID     = "ROOT"
	rootSecret = "root-secret-123"
)

// noMembers answers every membership change as a single node does.
type noMembers struct{}

func (noMembers) AddMember(context.Context, string, string) error { return object.ErrInvalidArgument }
func (noMembers) RemoveMember(context.Context, string) error      { return object.ErrInvalidArgument }
func (noMembers) DrainMember(context.Context, string) (int64, error) {
	return 0, object.ErrInvalidArgument
}

// newServer serves a Handler over a real single-node object.Store.
func newServer(t *testing.T) (*httptest.Server, *object.Store) {
	t.Helper()
	store := objecttest.NewLocalStore(t, nil)
	h, err := New(Config{
		Layer: store, Keys: store, RootAccessKeyID: rootID,
		Verifier: auth.NewVerifier(auth.Config{Lookup: auth.NewKeyring(store, rootID, rootSecret)}),
		ClusterStatus: func(context.Context) (adminapi.ClusterStatus, error) {
			return adminapi.ClusterStatus{Leader: "n1"}, nil
		},
		Members: noMembers{},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close) // before the store's own cleanup (cleanups run last-in first-out)
	return srv, store
}

type result struct {
	status int
	code   string
	body   []byte
}

// call sends a request signed (V1) by id/secret; body is sent verbatim with
// a Content-MD5 unless md5 overrides it.
func call(t *testing.T, srv *httptest.Server, id, secret, method, path, body, contentMD5 string) result {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		sum := md5.Sum([]byte(body))
		req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
		req.Header.Set("Content-Type", "application/json")
	}
	if contentMD5 != "" {
		req.Header.Set("Content-MD5", contentMD5)
	}
	if id != "" {
		auth.SignRequestV1(req, "-", strings.TrimPrefix(req.URL.Path, "/-/"), id, secret, time.Now())
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	var e adminapi.Error
	_ = json.Unmarshal(b, &e)
	return result{resp.StatusCode, e.Code, b}
}

func TestValidationAndRouting(t *testing.T) {
	srv, store := newServer(t)
	root := func(method, path, body string) result {
		return call(t, srv, rootID, rootSecret, method, path, body, "")
	}
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"unknown field", "POST", adminapi.PathKeys, `{"accessKeyId":"A1","secret":"x"}`, 400, adminapi.CodeInvalidArgument},
		{"bad json", "POST", adminapi.PathKeys, `{`, 400, adminapi.CodeInvalidArgument},
		{"bad id", "POST", adminapi.PathKeys, `{"accessKeyId":"a/b"}`, 400, adminapi.CodeInvalidArgument},
		{"short secret", "POST", adminapi.PathKeys, `{"accessKeySecret":"short"}`, 400, adminapi.CodeInvalidArgument},
		{"root id", "POST", adminapi.PathKeys, `{"accessKeyId":"ROOT","accessKeySecret":"some-secret-1"}`, 409, adminapi.CodeKeyConflict},
		{"bad access", "POST", adminapi.PathKeys, `{"grants":[{"bucket":"bkt","access":"all"}]}`, 400, adminapi.CodeInvalidArgument},
		{"bad grant bucket", "POST", adminapi.PathKeys, `{"grants":[{"bucket":"B","access":"read"}]}`, 400, adminapi.CodeInvalidArgument},
		{"duplicate grant", "POST", adminapi.PathKeys, `{"grants":[{"bucket":"bkt","access":"read"},{"bucket":"bkt","access":"write"}]}`, 400, adminapi.CodeInvalidArgument},
		{"create key", "POST", adminapi.PathKeys, `{"accessKeyId":"AK1","accessKeySecret":"ak1-secret-1","grants":[{"bucket":"bkt","access":"read"}]}`, 200, ""},
		{"missing key", "GET", adminapi.KeyPath("nope"), "", 404, adminapi.CodeNotFound},
		{"grants of missing key", "PUT", adminapi.KeyGrantsPath("nope"), `{"grants":[]}`, 404, adminapi.CodeNotFound},
		{"bad bucket name", "PUT", adminapi.BucketPath("Bad"), `{"owner":"o"}`, 400, adminapi.CodeInvalidArgument},
		{"bad acl", "PUT", adminapi.BucketPath("bkt"), `{"owner":"o","acl":"open"}`, 400, adminapi.CodeInvalidArgument},
		{"bad class", "PUT", adminapi.BucketPath("bkt"), `{"owner":"o","storageClass":"Gold"}`, 400, adminapi.CodeInvalidArgument},
		{"create bucket", "PUT", adminapi.BucketPath("bkt"), `{"owner":"o","acl":"public-read","storageClass":"IA"}`, 200, ""},
		{"other owner", "PUT", adminapi.BucketPath("bkt"), `{"owner":"p"}`, 409, adminapi.CodeBucketAlreadyExists},
		{"method not allowed", "PATCH", adminapi.PathKeys, "", 405, adminapi.CodeMethodNotAllowed},
		{"unknown path", "GET", adminapi.PathPrefix + "/nothing", "", 404, adminapi.CodeNotFound},
		{"too deep", "GET", adminapi.KeyGrantsPath("AK1") + "/x", "", 404, adminapi.CodeNotFound},
		{"cluster", "GET", adminapi.PathCluster, "", 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := root(tc.method, tc.path, tc.body)
			if r.status != tc.status || r.code != tc.code {
				t.Fatalf("%d %q, want %d %q: %s", r.status, r.code, tc.status, tc.code, r.body)
			}
		})
	}
	var b adminapi.Bucket
	if err := json.Unmarshal(root("GET", adminapi.BucketPath("bkt"), "").body, &b); err != nil || b.ACL != "public-read" || b.StorageClass != "IA" || b.Owner != "o" {
		t.Fatalf("bucket %+v %v", b, err)
	}

	// The body must match its Content-MD5.
	r := call(t, srv, rootID, rootSecret, "PUT", adminapi.KeyGrantsPath("AK1"), `{"grants":[]}`, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 16)))
	if r.status != 400 {
		t.Fatalf("Content-MD5 mismatch: %d %s", r.status, r.body)
	}
	if k, _ := store.GetKey(t.Context(), "AK1"); len(k.Grants) != 1 {
		t.Fatal("a refused request changed the grants")
	}
	// Only the root key, correctly signed.
	for name, r := range map[string]result{
		"anonymous":   call(t, srv, "", "", "GET", adminapi.PathKeys, "", ""),
		"non-root":    call(t, srv, "AK1", "ak1-secret-1", "GET", adminapi.PathKeys, "", ""),
		"bad secret":  call(t, srv, rootID, "wrong-secret", "GET", adminapi.PathKeys, "", ""),
		"unknown key": call(t, srv, "NOBODY", "whatever-secret", "GET", adminapi.PathKeys, "", ""),
	} {
		if r.status != 403 || r.code != adminapi.CodeUnauthorized {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	// Secrets: returned by create only.
	r = root("GET", adminapi.PathKeys, "")
	if bytes.Contains(r.body, []byte("ak1-secret-1")) {
		t.Fatalf("list returns secrets: %s", r.body)
	}
	r = root("POST", adminapi.PathKeys, "")
	var k adminapi.AccessKey
	if err := json.Unmarshal(r.body, &k); err != nil || !strings.HasPrefix(k.AccessKeyID, adminapi.AccessKeyIDPrefix) || !adminapi.ValidAccessKeySecret(k.AccessKeySecret) || len(k.AccessKeySecret) < 32 || k.Grants == nil {
		t.Fatalf("generated key %+v %v (%s)", k, err, r.body)
	}
}

// TestAbortBucketUploads: open multipart uploads keep a bucket from being
// deleted; DELETE /buckets/{name}/uploads aborts all of them (and only that
// bucket's), after which the bucket can go.
func TestAbortBucketUploads(t *testing.T) {
	srv, store := newServer(t)
	ctx := t.Context()
	root := func(method, path string) result { return call(t, srv, rootID, rootSecret, method, path, "", "") }
	for _, b := range []string{"doomed", "bystander"} {
		if err := store.CreateBucket(ctx, b, object.BucketOptions{Owner: "o"}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, key := range []string{"a", "a", "b/c"} {
		u, err := store.CreateUpload(ctx, "doomed", key, object.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.UploadID)
	}
	if _, err := store.UploadPart(ctx, "doomed", "a", ids[0], 1, strings.NewReader("part"), 4, object.PartOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateUpload(ctx, "bystander", "x", object.PutOptions{}); err != nil {
		t.Fatal(err)
	}

	if r := root("DELETE", adminapi.BucketPath("doomed")); r.status != 409 || r.code != adminapi.CodeBucketNotEmpty {
		t.Fatalf("DeleteBucket with open uploads: %d %s", r.status, r.body)
	}
	r := root("DELETE", adminapi.BucketUploadsPath("doomed"))
	var got adminapi.AbortUploadsResult
	if err := json.Unmarshal(r.body, &got); r.status != 200 || err != nil || got.Aborted != 3 {
		t.Fatalf("abort: %d %s (%v), want 200 and 3 aborted", r.status, r.body, err)
	}
	if left, err := store.ListUploads(ctx, "doomed", object.ListUploadsOptions{}); err != nil || len(left.Uploads) != 0 {
		t.Fatalf("uploads left: %+v %v", left.Uploads, err)
	}
	if left, err := store.ListUploads(ctx, "bystander", object.ListUploadsOptions{}); err != nil || len(left.Uploads) != 1 {
		t.Fatalf("another bucket's uploads: %+v %v, want its 1 kept", left.Uploads, err)
	}
	// Again: nothing left to abort, still a success.
	if r := root("DELETE", adminapi.BucketUploadsPath("doomed")); r.status != 200 || !strings.Contains(string(r.body), `"aborted":0`) {
		t.Fatalf("abort again: %d %s", r.status, r.body)
	}
	if r := root("DELETE", adminapi.BucketPath("doomed")); r.status != 204 {
		t.Fatalf("DeleteBucket after the abort: %d %s", r.status, r.body)
	}
	if r := root("DELETE", adminapi.BucketUploadsPath("doomed")); r.status != 404 || r.code != adminapi.CodeNotFound {
		t.Fatalf("abort in a missing bucket: %d %s", r.status, r.body)
	}
	if r := call(t, srv, "", "", "DELETE", adminapi.BucketUploadsPath("bystander"), "", ""); r.status != 403 {
		t.Fatalf("anonymous abort: %d %s", r.status, r.body)
	}
}

// TestSetBucketACLAndTags: PUT /buckets/{name}/acl and /tags change the
// bucket's record and answer it; GET shows both. A value the engine refuses
// is 400 InvalidArgument with the engine's reason and changes nothing; a
// missing bucket is 404.
func TestSetBucketACLAndTags(t *testing.T) {
	srv, store := newServer(t)
	ctx := t.Context()
	root := func(method, path, body string) result {
		return call(t, srv, rootID, rootSecret, method, path, body, "")
	}
	if err := store.CreateBucket(ctx, "bkt", object.BucketOptions{Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	bucketOf := func(r result) adminapi.Bucket {
		t.Helper()
		var b adminapi.Bucket
		if r.status != 200 {
			t.Fatalf("%d %s, want 200", r.status, r.body)
		}
		if err := json.Unmarshal(r.body, &b); err != nil {
			t.Fatalf("%v: %s", err, r.body)
		}
		return b
	}

	if b := bucketOf(root("PUT", adminapi.BucketACLPath("bkt"), `{"acl":"public-read"}`)); b.ACL != "public-read" || b.Owner != "o" {
		t.Fatalf("PUT acl answered %+v", b)
	}
	tags := `{"tags":{"team":"media","cost-center":"42","empty":""}}`
	if b := bucketOf(root("PUT", adminapi.BucketTagsPath("bkt"), tags)); len(b.Tags) != 3 || b.Tags["team"] != "media" || b.ACL != "public-read" {
		t.Fatalf("PUT tags answered %+v", b)
	}
	if b := bucketOf(root("GET", adminapi.BucketPath("bkt"), "")); b.ACL != "public-read" || b.Tags["cost-center"] != "42" {
		t.Fatalf("GET answered %+v, want the ACL and tags just set", b)
	}
	if info, err := store.GetBucket(ctx, "bkt"); err != nil || info.ACL != "public-read" || len(info.Tags) != 3 {
		t.Fatalf("the engine holds %+v %v", info, err)
	}

	tooMany := map[string]string{}
	for i := range 21 {
		tooMany[strings.Repeat("k", i+1)] = "v"
	}
	tooManyBody, _ := json.Marshal(adminapi.SetBucketTagsRequest{Tags: tooMany})
	for _, tc := range []struct {
		name, path, body string
		status           int
		code, message    string
	}{
		{"empty acl", adminapi.BucketACLPath("bkt"), `{"acl":""}`, 400, adminapi.CodeInvalidArgument, "acl must be"},
		{"unknown acl", adminapi.BucketACLPath("bkt"), `{"acl":"open"}`, 400, adminapi.CodeInvalidArgument, "acl must be"},
		{"unknown field", adminapi.BucketACLPath("bkt"), `{"ACL":"private","x":1}`, 400, adminapi.CodeInvalidArgument, "malformed"},
		{"acl of a missing bucket", adminapi.BucketACLPath("nope"), `{"acl":"private"}`, 404, adminapi.CodeNotFound, ""},
		{"21 tags", adminapi.BucketTagsPath("bkt"), string(tooManyBody), 400, adminapi.CodeInvalidArgument, "21 tags, at most 20"},
		{"reserved prefix", adminapi.BucketTagsPath("bkt"), `{"tags":{"Aliyun-x":"v"}}`, 400, adminapi.CodeInvalidArgument, "reserved prefix"},
		{"https prefix", adminapi.BucketTagsPath("bkt"), `{"tags":{"https://x":"v"}}`, 400, adminapi.CodeInvalidArgument, "reserved prefix"},
		{"empty key", adminapi.BucketTagsPath("bkt"), `{"tags":{"":"v"}}`, 400, adminapi.CodeInvalidArgument, "key of 0 bytes"},
		{"long key", adminapi.BucketTagsPath("bkt"), `{"tags":{"` + strings.Repeat("k", 65) + `":"v"}}`, 400, adminapi.CodeInvalidArgument, "key of 65 bytes"},
		{"long value", adminapi.BucketTagsPath("bkt"), `{"tags":{"k":"` + strings.Repeat("é", 65) + `"}}`, 400, adminapi.CodeInvalidArgument, "value of 130 bytes"},
		{"tags of a missing bucket", adminapi.BucketTagsPath("nope"), `{"tags":{"k":"v"}}`, 404, adminapi.CodeNotFound, ""},
		{"GET acl", adminapi.BucketACLPath("bkt"), "", 405, adminapi.CodeMethodNotAllowed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := "PUT"
			if tc.code == adminapi.CodeMethodNotAllowed {
				method = "GET"
			}
			r := root(method, tc.path, tc.body)
			var e adminapi.Error
			_ = json.Unmarshal(r.body, &e)
			if r.status != tc.status || r.code != tc.code || !strings.Contains(e.Message, tc.message) {
				t.Fatalf("%d %q %q, want %d %q with %q", r.status, r.code, e.Message, tc.status, tc.code, tc.message)
			}
		})
	}
	if info, _ := store.GetBucket(ctx, "bkt"); info.ACL != "public-read" || len(info.Tags) != 3 {
		t.Fatalf("a refused request changed the bucket: %+v", info)
	}

	// An empty set removes every tag, and the answer shows none.
	if b := bucketOf(root("PUT", adminapi.BucketTagsPath("bkt"), `{"tags":{}}`)); b.Tags != nil {
		t.Fatalf("PUT of no tags answered %+v", b.Tags)
	}
	if r := root("GET", adminapi.BucketPath("bkt"), ""); strings.Contains(string(r.body), `"tags"`) {
		t.Fatalf("an untagged bucket shows tags: %s", r.body)
	}
	// Only the root key may change them.
	if r := call(t, srv, "", "", "PUT", adminapi.BucketACLPath("bkt"), `{"acl":"public-read-write"}`, ""); r.status != 403 {
		t.Fatalf("anonymous PUT acl: %d %s", r.status, r.body)
	}
	if info, _ := store.GetBucket(ctx, "bkt"); info.ACL != "public-read" {
		t.Fatalf("an anonymous request changed the ACL to %s", info.ACL)
	}
}

// TestSetBucketCORS: PUT /buckets/{name}/cors replaces the bucket's CORS
// configuration as a whole and answers the bucket; GET shows the rules. A
// configuration the engine refuses is 400 InvalidArgument with the engine's
// reason and changes nothing; no rules remove it; a missing bucket is 404.
func TestSetBucketCORS(t *testing.T) {
	srv, store := newServer(t)
	ctx := t.Context()
	root := func(method, path, body string) result {
		return call(t, srv, rootID, rootSecret, method, path, body, "")
	}
	if err := store.CreateBucket(ctx, "bkt", object.BucketOptions{Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	bucketOf := func(r result) adminapi.Bucket {
		t.Helper()
		var b adminapi.Bucket
		if r.status != 200 {
			t.Fatalf("%d %s, want 200", r.status, r.body)
		}
		if err := json.Unmarshal(r.body, &b); err != nil {
			t.Fatalf("%v: %s", err, r.body)
		}
		return b
	}
	rules := `{"rules":[{"allowedOrigins":["https://app.example.com"],"allowedMethods":["PUT","GET"],` +
		`"allowedHeaders":["*"],"exposeHeaders":["ETag"],"maxAgeSeconds":0},` +
		`{"allowedOrigins":["*"],"allowedMethods":["GET"]}],"responseVary":true}`
	b := bucketOf(root("PUT", adminapi.BucketCORSPath("bkt"), rules))
	if b.CORS == nil || len(b.CORS.Rules) != 2 || !b.CORS.ResponseVary || b.Owner != "o" {
		t.Fatalf("PUT cors answered %+v", b.CORS)
	}
	first := b.CORS.Rules[0]
	if !slices.Equal(first.AllowedMethods, []string{"PUT", "GET"}) || first.MaxAgeSeconds == nil || *first.MaxAgeSeconds != 0 ||
		b.CORS.Rules[1].MaxAgeSeconds != nil || b.CORS.Rules[1].AllowedHeaders != nil {
		t.Fatalf("PUT cors answered the rules %+v", b.CORS.Rules)
	}
	if got := bucketOf(root("GET", adminapi.BucketPath("bkt"), "")); got.CORS == nil || len(got.CORS.Rules) != 2 ||
		got.CORS.Rules[0].AllowedOrigins[0] != "https://app.example.com" {
		t.Fatalf("GET answered %+v, want the rules just set", got.CORS)
	}
	if info, err := store.GetBucket(ctx, "bkt"); err != nil || info.CORS == nil || len(info.CORS.Rules) != 2 || !info.CORS.ResponseVary {
		t.Fatalf("the engine holds %+v %v", info.CORS, err)
	}

	rule := func(origin, method string) string {
		return `{"allowedOrigins":["` + origin + `"],"allowedMethods":["` + method + `"]}`
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = rule("https://a.example", "GET")
	}
	for _, tc := range []struct {
		name, path, body string
		status           int
		code, message    string
	}{
		{"11 rules", adminapi.BucketCORSPath("bkt"), `{"rules":[` + strings.Join(eleven, ",") + `]}`, 400, adminapi.CodeInvalidArgument, "11 rules, want 1-10"},
		{"unknown method", adminapi.BucketCORSPath("bkt"), `{"rules":[` + rule("*", "PATCH") + `]}`, 400, adminapi.CodeInvalidArgument, `method "PATCH"`},
		{"lower-case method", adminapi.BucketCORSPath("bkt"), `{"rules":[` + rule("*", "get") + `]}`, 400, adminapi.CodeInvalidArgument, `method "get"`},
		{"two wildcards", adminapi.BucketCORSPath("bkt"), `{"rules":[` + rule("https://*.*.example", "GET") + `]}`, 400, adminapi.CodeInvalidArgument, "more than 1 wildcard"},
		{"no origin", adminapi.BucketCORSPath("bkt"), `{"rules":[{"allowedMethods":["GET"]}]}`, 400, adminapi.CodeInvalidArgument, "needs an AllowedOrigin"},
		{"negative max age", adminapi.BucketCORSPath("bkt"), `{"rules":[{"allowedOrigins":["*"],"allowedMethods":["GET"],"maxAgeSeconds":-1}]}`, 400, adminapi.CodeInvalidArgument, "negative MaxAgeSeconds"},
		{"wildcard in an exposed header", adminapi.BucketCORSPath("bkt"), `{"rules":[{"allowedOrigins":["*"],"allowedMethods":["GET"],"exposeHeaders":["*"]}]}`, 400, adminapi.CodeInvalidArgument, "more than 0 wildcard"},
		{"responseVary without rules", adminapi.BucketCORSPath("bkt"), `{"rules":[],"responseVary":true}`, 400, adminapi.CodeInvalidArgument, "responseVary needs at least one rule"},
		{"unknown field", adminapi.BucketCORSPath("bkt"), `{"rules":[],"x":1}`, 400, adminapi.CodeInvalidArgument, "malformed"},
		{"cors of a missing bucket", adminapi.BucketCORSPath("nope"), `{"rules":[` + rule("*", "GET") + `]}`, 404, adminapi.CodeNotFound, ""},
		{"GET cors", adminapi.BucketCORSPath("bkt"), "", 405, adminapi.CodeMethodNotAllowed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := "PUT"
			if tc.code == adminapi.CodeMethodNotAllowed {
				method = "GET"
			}
			r := root(method, tc.path, tc.body)
			var e adminapi.Error
			_ = json.Unmarshal(r.body, &e)
			if r.status != tc.status || r.code != tc.code || !strings.Contains(e.Message, tc.message) {
				t.Fatalf("%d %q %q, want %d %q with %q", r.status, r.code, e.Message, tc.status, tc.code, tc.message)
			}
		})
	}
	if info, _ := store.GetBucket(ctx, "bkt"); info.CORS == nil || len(info.CORS.Rules) != 2 {
		t.Fatalf("a refused request changed the rules: %+v", info.CORS)
	}
	// Only the root key may change them.
	if r := call(t, srv, "", "", "PUT", adminapi.BucketCORSPath("bkt"), `{"rules":[]}`, ""); r.status != 403 {
		t.Fatalf("anonymous PUT cors: %d %s", r.status, r.body)
	}

	// No rules (an empty list, or none at all) remove the configuration.
	for _, body := range []string{`{"rules":[]}`, `{}`, ``} {
		if err := store.SetBucketCors(ctx, "bkt", &object.CORSConfiguration{Rules: []object.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}}); err != nil {
			t.Fatal(err)
		}
		if b := bucketOf(root("PUT", adminapi.BucketCORSPath("bkt"), body)); b.CORS != nil {
			t.Fatalf("PUT of %q answered %+v", body, b.CORS)
		}
		if info, _ := store.GetBucket(ctx, "bkt"); info.CORS != nil {
			t.Fatalf("PUT of %q left %+v", body, info.CORS)
		}
	}
	if r := root("GET", adminapi.BucketPath("bkt"), ""); strings.Contains(string(r.body), `"cors"`) {
		t.Fatalf("a bucket without CORS shows cors: %s", r.body)
	}
}

// TestSetBucketLifecycle: PUT /buckets/{name}/lifecycle replaces the
// bucket's lifecycle rules as a whole and answers the bucket, with the IDs
// the engine gave rules without one; GET shows them. Rules the engine
// refuses are 400 InvalidArgument with its reason and change nothing; no
// rules remove them; a missing bucket is 404.
func TestSetBucketLifecycle(t *testing.T) {
	srv, store := newServer(t)
	ctx := t.Context()
	root := func(method, path, body string) result {
		return call(t, srv, rootID, rootSecret, method, path, body, "")
	}
	if err := store.CreateBucket(ctx, "bkt", object.BucketOptions{Owner: "o"}); err != nil {
		t.Fatal(err)
	}
	bucketOf := func(r result) adminapi.Bucket {
		t.Helper()
		var b adminapi.Bucket
		if r.status != 200 {
			t.Fatalf("%d %s, want 200", r.status, r.body)
		}
		if err := json.Unmarshal(r.body, &b); err != nil {
			t.Fatalf("%v: %s", err, r.body)
		}
		return b
	}
	rules := `{"rules":[{"id":"tmp","prefix":"tmp/","enabled":true,"expiration":{"days":7},"abortUpload":{"days":2}},` +
		`{"prefix":"logs/","enabled":false,"tags":{"k":"v"},"expiration":{"createdBeforeDate":"2026-01-02T00:00:00Z"}},` +
		`{"id":"old","prefix":"old/","enabled":true,"expiration":{"date":"2025-06-01T00:00:00Z"}}]}`
	b := bucketOf(root("PUT", adminapi.BucketLifecyclePath("bkt"), rules))
	if b.Lifecycle == nil || len(b.Lifecycle.Rules) != 3 || b.Owner != "o" {
		t.Fatalf("PUT lifecycle answered %+v", b.Lifecycle)
	}
	r0, r1, r2 := b.Lifecycle.Rules[0], b.Lifecycle.Rules[1], b.Lifecycle.Rules[2]
	if r0.ID != "tmp" || !r0.Enabled || r0.Expiration == nil || r0.Expiration.Days != 7 || r0.AbortUpload == nil || r0.AbortUpload.Days != 2 ||
		r1.ID == "" || r1.Enabled || r1.Tags["k"] != "v" || r1.AbortUpload != nil || r1.Expiration.CreatedBeforeDate == nil ||
		!r1.Expiration.CreatedBeforeDate.Equal(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) ||
		r2.Expiration.Date == nil || !r2.Expiration.Date.Equal(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)) || r2.Expiration.Days != 0 {
		t.Fatalf("PUT lifecycle answered the rules %+v %+v %+v", r0, r1, r2)
	}
	if got := bucketOf(root("GET", adminapi.BucketPath("bkt"), "")); got.Lifecycle == nil || len(got.Lifecycle.Rules) != 3 ||
		got.Lifecycle.Rules[1].ID != r1.ID {
		t.Fatalf("GET answered %+v, want the rules just set (generated ID %q kept)", got.Lifecycle, r1.ID)
	}
	if info, err := store.GetBucket(ctx, "bkt"); err != nil || info.Lifecycle == nil || len(info.Lifecycle.Rules) != 3 {
		t.Fatalf("the engine holds %+v %v", info.Lifecycle, err)
	}

	rule := func(id, action string) string {
		return `{"id":"` + id + `","prefix":"p/","enabled":true,` + action + `}`
	}
	many := make([]string, 1001)
	for i := range many {
		many[i] = `{"id":"r` + strconv.Itoa(i) + `","enabled":true,"expiration":{"days":1}}`
	}
	for _, tc := range []struct {
		name, path, body string
		status           int
		code, message    string
	}{
		{"1001 rules", adminapi.BucketLifecyclePath("bkt"), `{"rules":[` + strings.Join(many, ",") + `]}`, 400, adminapi.CodeInvalidArgument, "1001 rules, want 1-1000"},
		{"days 0", adminapi.BucketLifecyclePath("bkt"), `{"rules":[` + rule("a", `"expiration":{}`) + `]}`, 400, adminapi.CodeInvalidArgument, "exactly one of"},
		{"negative days", adminapi.BucketLifecyclePath("bkt"), `{"rules":[` + rule("a", `"expiration":{"days":-1}`) + `]}`, 400, adminapi.CodeInvalidArgument, "want a positive number"},
		{"two times", adminapi.BucketLifecyclePath("bkt"), `{"rules":[` + rule("a", `"expiration":{"days":1,"date":"2026-01-01T00:00:00Z"}`) + `]}`, 400, adminapi.CodeInvalidArgument, "exactly one of"},
		{"date not at midnight", adminapi.BucketLifecyclePath("bkt"), `{"rules":[` + rule("a", `"expiration":{"date":"2026-01-01T12:00:00Z"}`) + `]}`, 400, adminapi.CodeInvalidArgument, "not at midnight UTC"},
		{"date in another zone", adminapi.BucketLifecyclePath("bkt"), `{"rules":[` + rule("a", `"expiration":{"createdBeforeDate":"2026-01-01T00:00:00+08:00"}`) + `]}`, 400, adminapi.CodeInvalidArgument, "not at midnight UTC"},
		{"no action", adminapi.BucketLifecyclePath("bkt"), `{"rules":[{"id":"a","enabled":true}]}`, 400, adminapi.CodeInvalidArgument, "has no action"},
		{"abort on a date", adminapi.BucketLifecyclePath("bkt"), `{"rules":[` + rule("a", `"abortUpload":{"date":"2026-01-01T00:00:00Z"}`) + `]}`, 400, adminapi.CodeInvalidArgument, "AbortMultipartUpload takes Days or CreatedBeforeDate"},
		{"tags and abort", adminapi.BucketLifecyclePath("bkt"), `{"rules":[{"id":"a","enabled":true,"tags":{"k":"v"},"abortUpload":{"days":1}}]}`, 400, adminapi.CodeInvalidArgument, "cannot abort uploads"},
		{"same ID twice", adminapi.BucketLifecyclePath("bkt"), `{"rules":[` + rule("a", `"expiration":{"days":1}`) + `,` + rule("a", `"abortUpload":{"days":1}`) + `]}`, 400, adminapi.CodeInvalidArgument, `rule ID "a" used twice`},
		{"long ID", adminapi.BucketLifecyclePath("bkt"), `{"rules":[` + rule(strings.Repeat("i", 256), `"expiration":{"days":1}`) + `]}`, 400, adminapi.CodeInvalidArgument, "ID of 256 bytes"},
		{"11 tags", adminapi.BucketLifecyclePath("bkt"), `{"rules":[{"id":"a","enabled":true,"tags":{"a":"","b":"","c":"","d":"","e":"","f":"","g":"","h":"","i":"","j":"","k":""},"expiration":{"days":1}}]}`, 400, adminapi.CodeInvalidArgument, "11 tags"},
		{"unknown field", adminapi.BucketLifecyclePath("bkt"), `{"rules":[],"x":1}`, 400, adminapi.CodeInvalidArgument, "malformed"},
		{"lifecycle of a missing bucket", adminapi.BucketLifecyclePath("nope"), `{"rules":[` + rule("a", `"expiration":{"days":1}`) + `]}`, 404, adminapi.CodeNotFound, ""},
		{"GET lifecycle", adminapi.BucketLifecyclePath("bkt"), "", 405, adminapi.CodeMethodNotAllowed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := "PUT"
			if tc.code == adminapi.CodeMethodNotAllowed {
				method = "GET"
			}
			r := root(method, tc.path, tc.body)
			var e adminapi.Error
			_ = json.Unmarshal(r.body, &e)
			if r.status != tc.status || r.code != tc.code || !strings.Contains(e.Message, tc.message) {
				t.Fatalf("%d %q %q, want %d %q with %q", r.status, r.code, e.Message, tc.status, tc.code, tc.message)
			}
		})
	}
	if info, _ := store.GetBucket(ctx, "bkt"); info.Lifecycle == nil || len(info.Lifecycle.Rules) != 3 || info.Lifecycle.Rules[0].ID != "tmp" {
		t.Fatalf("a refused request changed the rules: %+v", info.Lifecycle)
	}
	// Overlapping prefixes are kept (the request is the whole declaration).
	overlap := `{"rules":[` + rule("a", `"expiration":{"days":1}`) + `,{"id":"b","prefix":"p/q","enabled":true,"expiration":{"days":2}}]}`
	if b := bucketOf(root("PUT", adminapi.BucketLifecyclePath("bkt"), overlap)); b.Lifecycle == nil || len(b.Lifecycle.Rules) != 2 {
		t.Fatalf("overlapping rules answered %+v", b.Lifecycle)
	}
	if r := call(t, srv, "", "", "PUT", adminapi.BucketLifecyclePath("bkt"), `{"rules":[]}`, ""); r.status != 403 {
		t.Fatalf("anonymous PUT lifecycle: %d %s", r.status, r.body)
	}
	// No rules (an empty list, or none at all) remove the configuration.
	for _, body := range []string{`{"rules":[]}`, `{}`, ``} {
		if err := store.SetBucketLifecycle(ctx, "bkt", &object.LifecycleConfiguration{Rules: []object.LifecycleRule{{ID: "x", Enabled: true, Expiration: object.LifecycleAction{Days: 1}}}}); err != nil {
			t.Fatal(err)
		}
		if b := bucketOf(root("PUT", adminapi.BucketLifecyclePath("bkt"), body)); b.Lifecycle != nil {
			t.Fatalf("PUT of %q answered %+v", body, b.Lifecycle)
		}
		if info, _ := store.GetBucket(ctx, "bkt"); info.Lifecycle != nil {
			t.Fatalf("PUT of %q left %+v", body, info.Lifecycle)
		}
	}
	if r := root("GET", adminapi.BucketPath("bkt"), ""); strings.Contains(string(r.body), `"lifecycle"`) {
		t.Fatalf("a bucket without lifecycle rules shows lifecycle: %s", r.body)
	}
}
