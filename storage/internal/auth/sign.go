package auth

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The signing helpers below are kossd's own client side of the protocol: they
// sign requests for tests and for kossd's tools. They are written from the
// specification separately from the verification code (different
// canonicalisation and escaping code) so that a bug in one is caught by the
// other instead of being mirrored. They sign neither AdditionalHeaders nor STS
// tokens; repeated headers are signed comma-joined (as the v2 SDK does).
//
// bucket is "" for service-level requests and key "" for bucket-level ones;
// key is the decoded object key. The request URL must already hold the path
// and any sub-resource query parameters.

// SignV1 returns the V1 signature (base64 HMAC-SHA1) of r as it stands: the
// Date header goes in the date position.
func SignV1(secret string, r *http.Request, bucket, key string) string {
	return signV1(secret, r, bucket, key, r.Header.Get("Date"))
}

// SignRequestV1 signs r with V1 at time t: it sets the Date header and
// "Authorization: OSS <accessKeyID>:<signature>".
func SignRequestV1(r *http.Request, bucket, key, accessKeyID, secret string, t time.Time) {
	r.Header.Set("Date", t.UTC().Format(http.TimeFormat))
	r.Header.Set("Authorization", "OSS "+accessKeyID+":"+SignV1(secret, r, bucket, key))
}

// PresignV1 turns r into a V1 presigned URL valid until expires: it adds
// OSSAccessKeyId, Expires and Signature to r.URL. Headers set on r
// (Content-Type, Content-MD5, x-oss-*) are signed, so whoever uses the URL
// must send exactly them.
func PresignV1(r *http.Request, bucket, key, accessKeyID, secret string, expires time.Time) {
	exp := strconv.FormatInt(expires.Unix(), 10)
	sig := signV1(secret, r, bucket, key, exp)
	vals := r.URL.Query()
	vals.Set("OSSAccessKeyId", accessKeyID)
	vals.Set("Expires", exp)
	vals.Set("Signature", sig)
	r.URL.RawQuery = encodeQuery(vals)
}

func signV1(secret string, r *http.Request, bucket, key, date string) string {
	var sts strings.Builder
	sts.WriteString(r.Method + "\n")
	sts.WriteString(r.Header.Get("Content-MD5") + "\n")
	sts.WriteString(r.Header.Get("Content-Type") + "\n")
	sts.WriteString(date + "\n")
	sts.WriteString(headerBlock(r, func(name string) bool { return strings.HasPrefix(name, "x-oss-") }))

	sts.WriteString("/")
	if bucket != "" {
		sts.WriteString(bucket + "/" + key)
	}
	vals := r.URL.Query()
	var names []string
	for name := range vals {
		if isV1SubResource(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for i, name := range names {
		if i == 0 {
			sts.WriteString("?")
		} else {
			sts.WriteString("&")
		}
		sts.WriteString(name)
		if v := vals.Get(name); v != "" {
			sts.WriteString("=" + v)
		}
	}
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(sts.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// headerBlock renders the selected headers as sorted "name:value\n" lines,
// repeated values trimmed and joined with ','.
func headerBlock(r *http.Request, selected func(lowerName string) bool) string {
	vals := map[string][]string{}
	for name, vs := range r.Header {
		ln := strings.ToLower(name)
		if selected(ln) {
			for _, v := range vs {
				vals[ln] = append(vals[ln], strings.TrimSpace(v))
			}
		}
	}
	names := make([]string, 0, len(vals))
	for n := range vals {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s:%s\n", n, strings.Join(vals[n], ","))
	}
	return b.String()
}

// SignRequestV4 signs r with V4 at time t for region: it sets x-oss-date,
// Date, x-oss-content-sha256 (UNSIGNED-PAYLOAD unless r already carries a
// digest) and the Authorization header.
func SignRequestV4(r *http.Request, bucket, key, accessKeyID, secret, region string, t time.Time) {
	t = t.UTC()
	r.Header.Set("x-oss-date", t.Format("20060102T150405Z"))
	r.Header.Set("Date", t.Format(http.TimeFormat))
	if r.Header.Get("x-oss-content-sha256") == "" {
		r.Header.Set("x-oss-content-sha256", "UNSIGNED-PAYLOAD")
	}
	scope := t.Format("20060102") + "/" + region + "/oss/aliyun_v4_request"
	sig := signV4(secret, r, bucket, key, r.URL.Query(), t, region)
	r.Header.Set("Authorization", "OSS4-HMAC-SHA256 Credential="+accessKeyID+"/"+scope+",Signature="+sig)
}

// MaxPresignV4 is the longest validity of a V4 presigned URL.
const MaxPresignV4 = 7 * 24 * time.Hour

// PresignV4 turns r into a V4 presigned URL signed at t for region and
// valid for expires (a whole number of seconds in 1s..MaxPresignV4): it adds
// x-oss-signature-version, x-oss-credential, x-oss-date, x-oss-expires and
// x-oss-signature to r.URL. Headers set on r (Content-Type, Content-MD5,
// x-oss-*) are signed, so whoever uses the URL must send exactly them.
func PresignV4(r *http.Request, bucket, key, accessKeyID, secret, region string, t time.Time, expires time.Duration) error {
	if expires < time.Second || expires > MaxPresignV4 || expires%time.Second != 0 {
		return fmt.Errorf("auth: presign expiry %v is not a whole number of seconds in 1s..%v", expires, MaxPresignV4)
	}
	t = t.UTC()
	vals := r.URL.Query()
	vals.Set("x-oss-signature-version", "OSS4-HMAC-SHA256")
	vals.Set("x-oss-credential", accessKeyID+"/"+t.Format("20060102")+"/"+region+"/oss/aliyun_v4_request")
	vals.Set("x-oss-date", t.Format("20060102T150405Z"))
	vals.Set("x-oss-expires", strconv.FormatInt(int64(expires/time.Second), 10))
	sig := signV4(secret, r, bucket, key, vals, t, region)
	vals.Set("x-oss-signature", sig)
	r.URL.RawQuery = encodeQuery(vals)
	return nil
}

// signV4 computes the V4 signature of r with the query vals (which must not
// hold x-oss-signature). The timestamp is t in ISO 8601 basic format.
func signV4(secret string, r *http.Request, bucket, key string, vals url.Values, t time.Time, region string) string {
	resource := "/"
	if bucket != "" {
		resource += bucket + "/" + key
	}
	// QueryEscape leaves exactly the RFC 3986 unreserved characters alone,
	// except that it writes a space as '+'.
	escape := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	uri := strings.ReplaceAll(escape(resource), "%2F", "/")

	type pair struct{ k, v string }
	var pairs []pair
	for name, vs := range vals {
		for _, v := range vs {
			pairs = append(pairs, pair{escape(name), escape(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	items := make([]string, len(pairs))
	for i, p := range pairs {
		items[i] = p.k
		if p.v != "" {
			items[i] += "=" + p.v
		}
	}

	payload := r.Header.Get("x-oss-content-sha256")
	if payload == "" {
		payload = "UNSIGNED-PAYLOAD"
	}
	canonical := strings.Join([]string{
		r.Method,
		uri,
		strings.Join(items, "&"),
		headerBlock(r, func(n string) bool {
			return strings.HasPrefix(n, "x-oss-") || n == "content-type" || n == "content-md5"
		}),
		"", // AdditionalHeaders
		payload,
	}, "\n")
	day := t.Format("20060102")
	digest := sha256.Sum256([]byte(canonical))
	sts := "OSS4-HMAC-SHA256\n" + t.Format("20060102T150405Z") + "\n" +
		day + "/" + region + "/oss/aliyun_v4_request\n" + hex.EncodeToString(digest[:])

	key4 := []byte("aliyun_v4" + secret)
	for _, part := range []string{day, region, "oss", "aliyun_v4_request", sts} {
		m := hmac.New(sha256.New, key4)
		m.Write([]byte(part))
		key4 = m.Sum(nil)
	}
	return hex.EncodeToString(key4)
}

// encodeQuery encodes vals with spaces as %20, the way both SDKs write
// presigned URLs.
func encodeQuery(vals url.Values) string {
	return strings.ReplaceAll(vals.Encode(), "+", "%20")
}
