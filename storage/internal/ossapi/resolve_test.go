package ossapi

import (
	"strings"
	"testing"
)

// FuzzResolve: resolution never panics; path style loses no byte of the
// path; a virtual-host bucket is one DNS label.
func FuzzResolve(f *testing.F) {
	for _, h := range []string{"127.0.0.1:9000", "b.oss.test", "b.oss.test:80", "oss.test", "[::1]:9000", "a.b.oss.test", "x"} {
		for _, p := range []string{"/", "/b", "/b/", "/b/k", "/b//k", "/-/healthz", "/b/a/../c", ""} {
			f.Add(h, p, "oss.test")
		}
	}
	f.Fuzz(func(t *testing.T, host, path, domain string) {
		tg := resolve(host, path, domain)
		if tg.endpoint == host {
			// Path style: the path is "/" + bucket, optionally "/" + key.
			rest := strings.TrimPrefix(path, "/")
			if rest != tg.bucket && rest != tg.bucket+"/"+tg.key {
				t.Fatalf("host %q path %q: bucket %q key %q", host, path, tg.bucket, tg.key)
			}
			return
		}
		if tg.bucket == "" || strings.Contains(tg.bucket, ".") {
			t.Fatalf("host %q: virtual-host bucket %q", host, tg.bucket)
		}
	})
}
