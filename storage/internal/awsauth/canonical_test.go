package awsauth

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestReencodePath: the canonical form of a path keeps an escaped '/'
// escaped (it is part of a key), undoes escapes of unreserved bytes, and
// escapes everything else once, never twice.
func TestReencodePath(t *testing.T) {
	for in, want := range map[string]string{
		"/bkt/a%2Fb":     "/bkt/a%2Fb",
		"/bkt/%7euser":   "/bkt/~user",
		"/bkt/a!b":       "/bkt/a%21b",
		"/bkt/a%20b":     "/bkt/a%20b",
		"/bkt/a%2520b":   "/bkt/a%2520b",
		"/bkt//x/./y":    "/bkt//x/./y",
		"/bkt/%c3%a9":    "/bkt/%C3%A9",
		"/bkt/a=b&c":     "/bkt/a%3Db%26c",
		"/bkt/trailing%": "/bkt/trailing%25",
	} {
		if got := reencodePath(in); got != want {
			t.Errorf("reencodePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCanonicalQueryAndHeaders: every parameter, sorted by key then value
// (keys with '-' and '.' sort before longer keys they prefix), valueless
// ones as "k=", '+' as a space; header values trimmed, inner spaces
// collapsed, repeated headers joined with ','.
func TestCanonicalQueryAndHeaders(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "http://h/b?uploads&x-id=GetObject&a.b=2&a=3&a=1&a-b=&sp=a+b", nil)
	if got, want := canonicalQuery(r, ""), "a=1&a=3&a-b=&a.b=2&sp=a%20b&uploads=&x-id=GetObject"; got != want {
		t.Errorf("canonical query %q, want %q", got, want)
	}
	r.Header.Add("X-Amz-Meta-A", "  one   two  ")
	r.Header.Add("X-Amz-Meta-A", "three")
	r.Host = "bkt.koss.test:9000"
	if got, want := canonicalHeaders(r, []string{"host", "x-amz-meta-a"}), "host:bkt.koss.test:9000\nx-amz-meta-a:one two,three\n"; got != want {
		t.Errorf("canonical headers %q, want %q", got, want)
	}
	if r.Header.Values("X-Amz-Meta-A")[0] != "  one   two  " {
		t.Error("canonicalisation changed the request's header")
	}
}

// TestShortRawBody: a raw body shorter than its Content-Length ends in
// IncompleteBody, not io.EOF.
func TestShortRawBody(t *testing.T) {
	v, _ := testVerifier(t)
	r := serverRequest(t, "PUT /bkt/k HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nhello")
	req, err := v.Authenticate(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	data, err := readAll(req.Body)
	if code(err) != CodeIncompleteBody {
		t.Fatalf("read %q with %v, want IncompleteBody", data, err)
	}
	if !strings.Contains(err.Error(), "Content-Length") {
		t.Errorf("message %q", err)
	}
}
