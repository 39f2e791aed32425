package ossapi

import (
	"strings"

	"github.com/koss-io/koss/storage/internal/httpapi"
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
