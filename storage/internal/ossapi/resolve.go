package ossapi

import (
	"strings"
	"unicode/utf8"

	"github.com/koss-io/koss/storage/internal/httpapi"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
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
}

// resolve maps a request's Host header and decoded path to a bucket and key.
//
// Virtual-host style applies when domain is set and host is "<bucket>.<domain>"
// (httpapi.VirtualHostBucket); everything else — an IP literal, the bare
// domain, an unknown name such as a Kubernetes Service — is path style. In
// path style "/<bucket>" and "/<bucket>/" are bucket-level and
// "/<bucket>/<key>" names an object; the key keeps every character after
// the bucket's slash, so "/b//x" names the (invalid) key "/x" rather than
// being cleaned up. (Path-style requests under "/-/" are the node's own and
// never reach this handler.)
func resolve(host, path, domain string) target {
	if bucket, endpoint, ok := httpapi.VirtualHostBucket(host, domain); ok {
		return target{bucket: bucket, endpoint: endpoint, key: strings.TrimPrefix(path, "/")}
	}
	t := target{endpoint: host}
	rest, ok := strings.CutPrefix(path, "/")
	if !ok {
		rest = path
	}
	t.bucket, t.key, _ = strings.Cut(rest, "/")
	return t
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
func checkObjectName(key string) *osswire.Error {
	switch {
	case key == "":
		return osswire.ErrInvalidObjectName.Msgf("The Object name can not be empty")
	case len(key) > maxKeyLen:
		return osswire.ErrInvalidObjectName.Msgf("The Length of Object name must be less than 1024")
	case key[0] == '/' || key[0] == '\\', !utf8.ValidString(key):
		return osswire.ErrInvalidObjectName
	}
	return nil
}
