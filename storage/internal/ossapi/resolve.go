package ossapi

import (
	"net"
	"strings"
	"unicode/utf8"

	"github.com/koss-io/koss/storage/internal/object"
)

// target is what a request addresses, resolved from its Host and path.
type target struct {
	// bucket is "" for service-level requests (ListBuckets).
	bucket string
	// key is "" for bucket-level requests.
	key string
	// endpoint is the host[:port] clients address the service with: the
	// request's Host without a virtual-host bucket label.
	endpoint string
	// reserved is set for path-style requests under /-/ (health, metrics,
	// admin), which are never OSS requests.
	reserved bool
}

// resolve maps a request's Host header and decoded path to a bucket and key.
//
// Virtual-host style applies when domain is set and host is "<bucket>.<domain>"
// (ports ignored); everything else — an IP literal, the bare domain, an
// unknown name such as a Kubernetes Service — is path style. In path style
// "/<bucket>" and "/<bucket>/" are bucket-level and "/<bucket>/<key>" names
// an object; the key keeps every character after the bucket's slash, so
// "/b//x" names the (invalid) key "/x" rather than being cleaned up.
func resolve(host, path, domain string) target {
	hostname := stripPort(host)
	domain = asciiLower(stripPort(domain))
	if domain != "" && net.ParseIP(hostname) == nil {
		lower := asciiLower(hostname)
		if label, ok := strings.CutSuffix(lower, "."+domain); ok && label != "" && !strings.Contains(label, ".") {
			t := target{bucket: label, endpoint: host[len(label)+1:]}
			t.key = strings.TrimPrefix(path, "/")
			return t
		}
	}
	t := target{endpoint: host}
	rest, ok := strings.CutPrefix(path, "/")
	if !ok {
		rest = path
	}
	if rest == "-" || strings.HasPrefix(rest, "-/") {
		t.reserved = true
		return t
	}
	t.bucket, t.key, _ = strings.Cut(rest, "/")
	return t
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

// validBucketName reports whether name follows the OSS bucket naming rule
// (the object layer owns the rule).
func validBucketName(name string) bool { return object.ValidBucketName(name) == nil }

// validBucketPrefix reports whether p could start a valid bucket name: the
// ListBuckets prefix filter refuses anything else (the v1 SDK's
// IsBucketExist relies on an invalid name failing).
func validBucketPrefix(p string) bool {
	if len(p) > 63 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !bucketNameChar(c) {
			return false
		}
	}
	return p == "" || p[0] != '-'
}

// bucketNameChar reports whether c is in [a-z0-9-].
func bucketNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

// maxKeyLen is the longest object key OSS accepts, in bytes.
const maxKeyLen = 1023

// checkObjectName validates an object key: 1-1023 bytes of valid UTF-8, not
// starting with "/" or "\". It returns nil or the InvalidObjectName error
// with OSS's message for the case.
func checkObjectName(key string) *apiError {
	switch {
	case key == "":
		return errInvalidObjectName.msg("The Object name can not be empty")
	case len(key) > maxKeyLen:
		return errInvalidObjectName.msg("The Length of Object name must be less than 1024")
	case key[0] == '/' || key[0] == '\\', !utf8.ValidString(key):
		return &errInvalidObjectName
	}
	return nil
}
