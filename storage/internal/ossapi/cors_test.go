package ossapi

import (
	"bytes"
	"strings"
	"testing"

	"github.com/koss-io/koss/storage/internal/object"
)

const corsDoc = `<?xml version="1.0" encoding="UTF-8"?>
<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>http://app.example</AllowedOrigin>
    <AllowedOrigin>https://*.app.example</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedHeader>x-oss-*</AllowedHeader>
    <AllowedHeader>Content-Type</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <ExposeHeader>x-oss-request-id</ExposeHeader>
    <MaxAgeSeconds>100</MaxAgeSeconds>
  </CORSRule>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>HEAD</AllowedMethod>
  </CORSRule>
  <ResponseVary>true</ResponseVary>
</CORSConfiguration>`

// TestBucketCorsHandlers: PUT/GET/DELETE ?cors store, answer and remove
// the rules (root only to change, read access to get); GET of a bucket
// without rules is 404 NoSuchCORSConfiguration; bad documents are 400
// MalformedXML or InvalidArgument and change nothing.
func TestBucketCorsHandlers(t *testing.T) {
	e := newStoreEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	wantErr(t, e.root("GET", "/bkt?cors", nil), 404, "NoSuchCORSConfiguration")
	wantStatus(t, e.root("PUT", "/bkt?cors", []byte(corsDoc)), 200)
	want := []string{
		"<CORSRule><AllowedOrigin>http://app.example</AllowedOrigin><AllowedOrigin>https://*.app.example</AllowedOrigin>" +
			"<AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-oss-*</AllowedHeader>" +
			"<AllowedHeader>Content-Type</AllowedHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-oss-request-id</ExposeHeader>" +
			"<MaxAgeSeconds>100</MaxAgeSeconds></CORSRule>",
		"<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule>",
		"<ResponseVary>true</ResponseVary></CORSConfiguration>",
	}
	wantDoc := func() {
		t.Helper()
		r := e.root("GET", "/bkt?cors", nil)
		wantStatus(t, r, 200)
		for _, w := range want {
			if !bytes.Contains(r.body, []byte(w)) {
				t.Fatalf("GetBucketCors: %s\nwant it to contain %s", r.body, w)
			}
		}
	}
	wantDoc()

	rule := func(inner string) []byte {
		return []byte("<CORSConfiguration><CORSRule>" + inner + "</CORSRule></CORSConfiguration>")
	}
	var eleven strings.Builder
	eleven.WriteString("<CORSConfiguration>")
	for range 11 {
		eleven.WriteString("<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>")
	}
	eleven.WriteString("</CORSConfiguration>")
	for name, tc := range map[string]struct {
		doc  []byte
		code string
	}{
		"not XML":             {[]byte("<CORSConfiguration><CORSRule>"), "MalformedXML"},
		"another root":        {[]byte("<Tagging><TagSet/></Tagging>"), "MalformedXML"},
		"no rule":             {[]byte("<CORSConfiguration></CORSConfiguration>"), "MalformedXML"},
		"max age not integer": {rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>x</MaxAgeSeconds>"), "MalformedXML"},
		"vary not boolean": {[]byte("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>" +
			"</CORSRule><ResponseVary>maybe</ResponseVary></CORSConfiguration>"), "MalformedXML"},
		"eleven rules":     {[]byte(eleven.String()), "InvalidArgument"},
		"bad method":       {rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod>"), "InvalidArgument"},
		"no method":        {rule("<AllowedOrigin>*</AllowedOrigin>"), "InvalidArgument"},
		"no origin":        {rule("<AllowedMethod>GET</AllowedMethod>"), "InvalidArgument"},
		"two origin stars": {rule("<AllowedOrigin>http://*.*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"), "InvalidArgument"},
		"two header stars": {rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>*-*</AllowedHeader>"), "InvalidArgument"},
		"expose star":      {rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>*</ExposeHeader>"), "InvalidArgument"},
		"negative max age": {rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds>"), "InvalidArgument"},
	} {
		r := e.root("PUT", "/bkt?cors", tc.doc)
		if r.status != 400 || parseErr(t, r.body).Code != tc.code {
			t.Errorf("%s: status %d %s, want 400 %s", name, r.status, r.body, tc.code)
		}
	}
	wantDoc()

	// Changing is root's; reading needs read access.
	if _, err := e.layer.CreateKey(t.Context(), object.AccessKey{ID: "rw", Secret: "s",
		Grants: map[string]object.Access{"bkt": object.AccessReadWrite}}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.do(req{method: "PUT", path: "/bkt?cors", key: "rw", body: rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")}), 403, "AccessDenied")
	wantErr(t, e.do(req{method: "DELETE", path: "/bkt?cors", key: "rw"}), 403, "AccessDenied")
	wantStatus(t, e.do(req{method: "GET", path: "/bkt?cors", key: "rw"}), 200)
	wantErr(t, e.do(req{method: "GET", path: "/bkt?cors"}), 403, "AccessDenied")
	wantDoc()

	wantErr(t, e.root("PUT", "/missing?cors", []byte(corsDoc)), 404, "NoSuchBucket")
	wantErr(t, e.root("DELETE", "/missing?cors", nil), 404, "NoSuchBucket")
	wantStatus(t, e.root("DELETE", "/bkt?cors", nil), 204)
	wantErr(t, e.root("GET", "/bkt?cors", nil), 404, "NoSuchCORSConfiguration")
	wantStatus(t, e.root("DELETE", "/bkt?cors", nil), 204)
}

// TestPreflight: OPTIONS is answered without credentials from the
// bucket's rules: the first matching rule gives 200 and its headers, no
// match (or no rules) 403 AccessForbidden; it never returns object data
// or a listing, whatever the query or the signature; actual requests with
// a matching Origin carry Access-Control-Allow-Origin, errors included.
func TestPreflight(t *testing.T) {
	e := newStoreEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	wantStatus(t, e.root("PUT", "/bkt/obj", []byte("secret data")), 200)
	preflight := func(path, origin, method, headers string) resp {
		t.Helper()
		h := map[string]string{"Origin": origin, "Access-Control-Request-Method": method}
		if headers != "" {
			h["Access-Control-Request-Headers"] = headers
		}
		return e.do(req{method: "OPTIONS", path: path, header: h})
	}
	// No rules yet.
	wantErr(t, preflight("/bkt/obj", "http://app.example", "PUT", ""), 403, "AccessForbidden")
	wantErr(t, preflight("/missing/obj", "http://app.example", "PUT", ""), 404, "NoSuchBucket")
	wantStatus(t, e.root("PUT", "/bkt?cors", []byte(corsDoc)), 200)

	r := preflight("/bkt/obj", "http://app.example", "PUT", "x-oss-meta-a, Content-Type")
	wantStatus(t, r, 200)
	for k, v := range map[string]string{
		"Access-Control-Allow-Origin":   "http://app.example",
		"Access-Control-Allow-Methods":  "PUT, GET",
		"Access-Control-Allow-Headers":  "x-oss-meta-a, Content-Type",
		"Access-Control-Expose-Headers": "ETag, x-oss-request-id",
		"Access-Control-Max-Age":        "100",
		"Vary":                          "Origin",
	} {
		if got := r.header.Get(k); got != v {
			t.Errorf("preflight %s = %q, want %q", k, got, v)
		}
	}
	if len(r.body) != 0 {
		t.Errorf("preflight body %q", r.body)
	}
	// On the bucket, and through the second rule (any origin: *).
	r = preflight("/bkt", "http://other.example", "HEAD", "")
	wantStatus(t, r, 200)
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("any-origin rule: Allow-Origin %q, want *", got)
	}
	if r.header.Get("Access-Control-Max-Age") != "" || r.header.Get("Access-Control-Expose-Headers") != "" {
		t.Errorf("second rule has no max age or expose headers: %v", r.header)
	}
	for name, r := range map[string]resp{
		"other origin":        preflight("/bkt/obj", "http://evil.example", "PUT", ""),
		"method not allowed":  preflight("/bkt/obj", "http://app.example", "DELETE", ""),
		"header not allowed":  preflight("/bkt/obj", "http://app.example", "PUT", "x-oss-meta-a,authorization"),
		"no origin":           e.do(req{method: "OPTIONS", path: "/bkt/obj", header: map[string]string{"Access-Control-Request-Method": "GET"}}),
		"no method":           e.do(req{method: "OPTIONS", path: "/bkt/obj", header: map[string]string{"Origin": "http://app.example"}}),
		"second rule, header": preflight("/bkt", "http://other.example", "HEAD", "x-a"),
	} {
		d := wantErr(t, r, 403, "AccessForbidden")
		if !strings.HasPrefix(d.Message, "CORSResponse: This CORS request is not allowed.") {
			t.Errorf("%s: message %q", name, d.Message)
		}
		if r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: a refused preflight has Allow-Origin", name)
		}
	}

	// OPTIONS never reads or lists: not signed, signed as root, with any
	// sub-resource, on an object or the bucket.
	for _, path := range []string{"/bkt/obj", "/bkt", "/bkt/?list-type=2", "/bkt/obj?acl", "/bkt?cors", "/bkt/obj?x-oss-process=a"} {
		for _, key := range []string{"", rootKey} {
			r := e.do(req{method: "OPTIONS", path: path, key: key,
				header: map[string]string{"Origin": "http://app.example", "Access-Control-Request-Method": "GET"}})
			if bytes.Contains(r.body, []byte("secret")) || bytes.Contains(r.body, []byte("<Contents>")) ||
				bytes.Contains(r.body, []byte("CORSRule")) || bytes.Contains(r.body, []byte("obj")) {
				t.Errorf("OPTIONS %s (key %q) answered %d %s", path, key, r.status, r.body)
			}
			if r.status != 200 || len(r.body) != 0 {
				t.Errorf("OPTIONS %s (key %q): %d %s", path, key, r.status, r.body)
			}
		}
	}

	// Actual requests: a matching origin gets Allow-Origin and the
	// exposed headers, on success and on refusal; another origin none.
	r = e.do(req{method: "GET", path: "/bkt/obj", key: rootKey, header: map[string]string{"Origin": "http://app.example"}})
	wantStatus(t, r, 200)
	if r.header.Get("Access-Control-Allow-Origin") != "http://app.example" || r.header.Get("Access-Control-Expose-Headers") != "ETag, x-oss-request-id" ||
		r.header.Get("Vary") != "Origin" {
		t.Errorf("GET with Origin: %v", r.header)
	}
	r = e.do(req{method: "GET", path: "/bkt/obj", header: map[string]string{"Origin": "https://x.app.example"}})
	wantErr(t, r, 403, "AccessDenied")
	if r.header.Get("Access-Control-Allow-Origin") != "https://x.app.example" {
		t.Errorf("refused GET with Origin: Allow-Origin %q", r.header.Get("Access-Control-Allow-Origin"))
	}
	r = e.do(req{method: "GET", path: "/bkt/obj", key: rootKey, header: map[string]string{"Origin": "http://evil.example"}})
	wantStatus(t, r, 200)
	if r.header.Get("Access-Control-Allow-Origin") != "" || r.header.Get("Vary") != "Origin" {
		t.Errorf("GET from another origin: %v", r.header)
	}
	r = e.do(req{method: "DELETE", path: "/bkt/obj", key: rootKey, header: map[string]string{"Origin": "http://app.example"}})
	if r.status != 204 || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("DELETE (no rule allows it) with Origin: %d %v", r.status, r.header)
	}

	// Without rules every preflight is refused again.
	wantStatus(t, e.root("DELETE", "/bkt?cors", nil), 204)
	wantErr(t, preflight("/bkt", "http://other.example", "HEAD", ""), 403, "AccessForbidden")
}
