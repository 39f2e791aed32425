package auth

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// keyStore is a KeyLookup over a map of ids to secrets.
type keyStore = StaticKeys

const (
	testAK     = "LTAItestkey0001"
	testSecret = "s3cr3t-Secret+/=value"
	testRegion = "cn-hangzhou"
	// testDomain is the endpoint domain of virtual-host tests; every name
	// under it is dialled to the test server.
	testDomain = "oss.test"
)

var testKeys = keyStore{testAK: testSecret, "ak": "sk"}

// fixedClock returns a Config.Now that always answers t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// resolve finds bucket and decoded key of a server-side request the way
// kossd's HTTP layer will: virtual host under testDomain, else path style.
func resolve(r *http.Request) (bucket, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if b, ok := strings.CutSuffix(host, "."+testDomain); ok {
		return b, strings.TrimPrefix(r.URL.Path, "/")
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key
}

// toServer serialises a client request and parses it back as a server
// would, so that tests see exactly what net/http gives a handler (trimmed
// header values, Host moved to r.Host, decoded path).
func toServer(t testing.TB, r *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatalf("write request: %v", err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatalf("read request: %v\n%s", err, buf.String())
	}
	return sr
}

// escapeKeyPath writes a key into a URL path the way the v2 SDK does
// (RFC 3986, '/' kept).
func escapeKeyPath(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// newClientRequest builds a path-style client request on 127.0.0.1.
func newClientRequest(t testing.TB, method, bucket, key, rawQuery string) *http.Request {
	t.Helper()
	path := "/"
	if bucket != "" {
		path += bucket + "/" + escapeKeyPath(key)
	}
	u := "http://127.0.0.1:9000" + path
	if rawQuery != "" {
		u += "?" + rawQuery
	}
	r, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatalf("new request %q: %v", u, err)
	}
	return r
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
