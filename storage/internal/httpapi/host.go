package httpapi

import (
	"net"
	"net/http"
	"strings"
)

// VirtualHostBucket reports whether host (a Host header, port allowed)
// names a bucket in virtual-host style, "<bucket>.<domain>": then it
// returns the bucket label and the endpoint without it ("domain:port").
// An IP literal, the bare domain, a name with more labels before the
// domain, any host when domain is "": none names a bucket; those requests
// are path style.
func VirtualHostBucket(host, domain string) (bucket, endpoint string, ok bool) {
	domain = asciiLower(stripPort(domain))
	if domain == "" {
		return "", "", false
	}
	hostname := stripPort(host)
	if net.ParseIP(hostname) != nil {
		return "", "", false
	}
	label, found := strings.CutSuffix(asciiLower(hostname), "."+domain)
	if !found || label == "" || strings.Contains(label, ".") {
		return "", "", false
	}
	return label, host[len(label)+1:], true
}

// Reserved reports whether r is for the node itself (health, metrics, the
// admin API) rather than for a bucket: a path-style request under "/-/".
// In virtual-host style the same path is an object key of the bucket.
func Reserved(r *http.Request, domain string) bool {
	if _, _, vhost := VirtualHostBucket(r.Host, domain); vhost {
		return false
	}
	p := r.URL.Path
	return p == "/-" || strings.HasPrefix(p, "/-/")
}

// asciiLower lower-cases ASCII letters only, keeping every byte offset
// (strings.ToLower may change the length of invalid UTF-8).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// stripPort removes a ":port" suffix (and IPv6 brackets) from a host.
func stripPort(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
}
