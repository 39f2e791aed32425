package auth

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// v1SubResources is the v1 SDK's signKeyList: the query parameters that enter
// the V1 canonical resource. Any parameter starting with "x-oss-" is signed
// too (the v2 SDK's rule); for the operations kossd serves the two rules give
// the same result.
var v1SubResources = func() map[string]struct{} {
	names := []string{
		"acl", "uploads", "location", "cors", "logging", "website", "referer", "lifecycle",
		"delete", "append", "tagging", "objectMeta", "uploadId", "partNumber", "security-token",
		"position", "img", "style", "styleName", "replication", "replicationProgress",
		"replicationLocation", "cname", "bucketInfo", "comp", "qos", "live", "status", "vod",
		"startTime", "endTime", "symlink", "x-oss-process", "response-content-type",
		"x-oss-traffic-limit", "response-content-language", "response-expires",
		"response-cache-control", "response-content-disposition", "response-content-encoding",
		"udf", "udfName", "udfImage", "udfId", "udfImageDesc", "udfApplication",
		"udfApplicationLog", "restore", "callback", "callback-var", "qosInfo", "policy", "stat",
		"encryption", "versions", "versioning", "versionId", "requestPayment",
		"x-oss-request-payer", "sequential", "inventory", "inventoryId", "continuation-token",
		"asyncFetch", "worm", "wormId", "wormExtend", "withHashContext", "x-oss-enable-md5",
		"x-oss-enable-sha1", "x-oss-enable-sha256", "x-oss-hash-ctx", "x-oss-md5-ctx",
		"transferAcceleration", "regionList", "cloudboxes", "x-oss-ac-source-ip",
		"x-oss-ac-subnet-mask", "x-oss-ac-vpc-id", "x-oss-ac-forward-allow", "metaQuery",
		"resourceGroup", "rtc", "x-oss-async-process", "responseHeader",
	}
	m := make(map[string]struct{}, len(names))
	for _, n := range names {
		m[n] = struct{}{}
	}
	return m
}()

// isV1SubResource reports whether a query parameter is part of the V1
// canonical resource.
func isV1SubResource(name string) bool {
	if _, ok := v1SubResources[name]; ok {
		return true
	}
	return strings.HasPrefix(name, ossPrefix)
}

// headerSet is a request's headers keyed by lower-case name, plus r.Host
// (net/http moves the Host header out of r.Header).
type headerSet struct {
	h    map[string][]string
	host string
}

func newHeaderSet(r *http.Request) headerSet {
	hs := headerSet{h: make(map[string][]string, len(r.Header)), host: r.Host}
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		hs.h[lk] = append(hs.h[lk], vs...)
	}
	return hs
}

// get returns the values of a lower-case header name.
func (hs headerSet) get(name string) ([]string, bool) {
	if name == "host" {
		if hs.host == "" {
			return nil, false
		}
		return []string{hs.host}, true
	}
	v, ok := hs.h[name]
	return v, ok
}

// ossNames returns the lower-case names of the x-oss-* headers present.
func (hs headerSet) ossNames() []string {
	var names []string
	for k := range hs.h {
		if strings.HasPrefix(k, ossPrefix) {
			names = append(names, k)
		}
	}
	return names
}

// lines renders "name:value\n" for the given names (deduplicated, sorted by
// bytes, absent headers skipped) in the two forms the SDKs produce for a
// repeated header: first value only (v1 SDK) and values joined with ','
// (v2 SDK). Values are trimmed. The forms are equal unless a header repeats.
func (hs headerSet) lines(names []string) (first, joined string) {
	names = slices.Clone(names)
	slices.Sort(names)
	names = slices.Compact(names)
	var f, j strings.Builder
	for _, n := range names {
		vs, ok := hs.get(n)
		if !ok {
			continue
		}
		trimmed := make([]string, len(vs))
		for i, v := range vs {
			trimmed[i] = strings.TrimSpace(v)
		}
		f.WriteString(n + ":")
		j.WriteString(n + ":")
		if len(trimmed) > 0 {
			f.WriteString(trimmed[0])
		}
		j.WriteString(strings.Join(trimmed, ","))
		f.WriteByte('\n')
		j.WriteByte('\n')
	}
	return f.String(), j.String()
}

// variants returns the distinct strings prefix+x+suffix for x in (a, b).
func variants(prefix, a, b, suffix string) []string {
	if a == b {
		return []string{prefix + a + suffix}
	}
	return []string{prefix + a + suffix, prefix + b + suffix}
}

// firstHeader returns the first value of a header, or "".
func firstHeader(r *http.Request, name string) string {
	if vs := r.Header.Values(name); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// stringsToSignV1 returns the candidate V1 strings to sign. date is the
// Date header verbatim (header form) or the Expires value (presigned).
func stringsToSignV1(r *http.Request, hs headerSet, date, bucket, key string, q query) []string {
	prefix := r.Method + "\n" + firstHeader(r, "Content-Md5") + "\n" +
		firstHeader(r, "Content-Type") + "\n" + date + "\n"
	first, joined := hs.lines(hs.ossNames())
	return variants(prefix, first, joined, resourceV1(bucket, key, q))
}

// resourceV1 is the V1 CanonicalizedResource: "/", "/bucket/" or
// "/bucket/key" with the decoded key, then "?" and the decoded sub-resources
// sorted by name, bare names for empty values.
func resourceV1(bucket, key string, q query) string {
	res := "/"
	if bucket != "" {
		res += bucket + "/" + key
	}
	var subs []kv
	for _, p := range q {
		if isV1SubResource(p.name) {
			subs = append(subs, kv{p.name, p.value})
		}
	}
	return withSubResources(res, renderParams(subs))
}

// kv is a query parameter rendered for a canonical form (name and value
// already encoded as that form requires).
type kv struct{ k, v string }

// renderParams sorts items by name, then value, and renders them as
// "name=value", or "name" for an empty value, joined with '&'.
func renderParams(items []kv) string {
	slices.SortFunc(items, func(a, b kv) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(it.k)
		if it.v != "" {
			b.WriteByte('=')
			b.WriteString(it.v)
		}
	}
	return b.String()
}

func withSubResources(res, subs string) string {
	if subs == "" {
		return res
	}
	return res + "?" + subs
}

// stringsToSignOSS2 returns the candidate OSS2 strings to sign: the V1
// layout with the additional headers among the canonical headers, the
// AdditionalHeaders line, and the query-escaped resource with every query
// parameter (except x-oss-signature when presigned).
func stringsToSignOSS2(r *http.Request, hs headerSet, date string, a authHeader, bucket, key string, q query, presigned bool) []string {
	prefix := r.Method + "\n" + firstHeader(r, "Content-Md5") + "\n" +
		firstHeader(r, "Content-Type") + "\n" + date + "\n"
	first, joined := hs.lines(append(hs.ossNames(), a.additional...))
	suffix := a.additionalRaw + "\n" + resourceOSS2(bucket, key, q, presigned)
	return variants(prefix, first, joined, suffix)
}

// queryEscape20 is url.QueryEscape with spaces as %20: the OSS2 value
// encoding.
func queryEscape20(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// resourceOSS2 is the OSS2 canonical resource: QueryEscape("/bucket/") +
// QueryEscape(key) (spaces as %20), "%2F" for the service, then every query
// parameter with QueryEscape'd names and values, sorted by encoded name.
func resourceOSS2(bucket, key string, q query, presigned bool) string {
	res := url.QueryEscape("/")
	if bucket != "" {
		res = url.QueryEscape("/"+bucket+"/") + queryEscape20(key)
	}
	var subs []kv
	for _, p := range q {
		if presigned && p.name == qSignature {
			continue
		}
		subs = append(subs, kv{url.QueryEscape(p.name), queryEscape20(p.value)})
	}
	return withSubResources(res, renderParams(subs))
}

// unreservedV4[c] reports whether byte c stays literal in V4 escaping
// (RFC 3986 unreserved characters).
var unreservedV4 = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// escapeV4 percent-encodes every byte but the unreserved ones (and '/' when
// keepSlash) with upper-case hex.
func escapeV4(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreservedV4[c] || keepSlash && c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// canonicalRequestsV4 returns the candidate V4 canonical requests.
func canonicalRequestsV4(r *http.Request, hs headerSet, a authHeader, bucket, key string, q query, presigned bool, payload string) []string {
	uri := "/"
	if bucket != "" {
		uri += bucket + "/" + key
	}
	var params []kv
	for _, p := range q {
		if presigned && p.name == qSignature {
			continue
		}
		params = append(params, kv{escapeV4(p.name, false), escapeV4(p.value, false)})
	}
	prefix := r.Method + "\n" + escapeV4(uri, true) + "\n" + renderParams(params) + "\n"

	names := hs.ossNames()
	for _, n := range []string{"content-type", "content-md5"} {
		if _, ok := hs.get(n); ok {
			names = append(names, n)
		}
	}
	first, joined := hs.lines(append(names, a.additional...))
	out := variants(prefix, first, joined, "\n"+a.additionalRaw+"\n"+payload)
	// The v1 SDK's V4 presigned URLs list content-type/content-md5 in
	// x-oss-additional-headers but leave them out of the canonical
	// AdditionalHeaders line (they are signed anyway). Accepting that form
	// covers exactly the same headers.
	if line, removed := withoutDefaultSigned(a.additional); removed {
		out = append(out, variants(prefix, first, joined, "\n"+line+"\n"+payload)...)
	}
	return out
}

// withoutDefaultSigned joins names with ';', leaving out content-type and
// content-md5; removed reports whether there were any.
func withoutDefaultSigned(names []string) (line string, removed bool) {
	var kept []string
	for _, n := range names {
		if n == "content-type" || n == "content-md5" {
			removed = true
		} else {
			kept = append(kept, n)
		}
	}
	return strings.Join(kept, ";"), removed
}

// stringToSignV4 builds the V4 string to sign from a canonical request.
func stringToSignV4(timestamp, scope, canonicalRequest string) string {
	return algorithmV4 + "\n" + timestamp + "\n" + scope + "\n" + hexSHA256(canonicalRequest)
}
