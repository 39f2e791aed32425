package s3api

import (
	"strings"

	"github.com/koss-io/koss/storage/internal/httpapi"
)

// target is what a request addresses, resolved from its Host and path.
type target struct {
	bucket   string // "" for ListBuckets
	key      string // "" for bucket-level requests
	endpoint string // the Host without a virtual-host bucket label
}

// resolve maps a request's Host and decoded path to a bucket and key, by
// the rule the OSS dialect has (ossapi/resolve.go): virtual-host style
// when the host is "<bucket>.<domain>" (httpapi.VirtualHostBucket), path
// style otherwise, the key keeping every character after the bucket's
// slash.
func resolve(host, path, domain string) target {
	if bucket, endpoint, ok := httpapi.VirtualHostBucket(host, domain); ok {
		return target{bucket: bucket, endpoint: endpoint, key: strings.TrimPrefix(path, "/")}
	}
	t := target{endpoint: host}
	rest := strings.TrimPrefix(path, "/")
	t.bucket, t.key, _ = strings.Cut(rest, "/")
	return t
}
