package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
)

// tortureKeys are object keys that stress path and resource encoding.
var tortureKeys = []string{
	"plain.txt",
	"dir/sub/file name.txt",
	"a+b=c&d?e#f",
	"100% sure;really,yes",
	"unicode-ünïcødé/日本語/😀.bin",
	"ctl\x01\x09\x1f\x7f-end",
	"~tilde!*'()[]{}$@:|\\^`\"<>",
	"trailing/",
	"dot/./seg/../x",
	"multi//slash",
	"%2F%20literal-percent",
	" leading-and-trailing ",
}

// sdkV2Case is one request signed by the v2 SDK's own signer package.
type sdkV2Case struct {
	name       string
	method     string
	bucket     string // "" = service
	object     bool   // the key is part of the request
	query      url.Values
	headers    http.Header
	v4         bool
	presign    bool
	additional []string
}

func sdkV2Cases() []sdkV2Case {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	q := func(kv ...string) url.Values {
		out := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	putHeaders := h("Content-Type", "text/plain; charset=utf-8", "Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==",
		"x-oss-meta-Color", "  Blue ", "x-oss-meta-multi", "one", "x-oss-meta-multi", "two",
		"x-oss-object-acl", "private", "Cache-Control", "no-cache", "X-Custom", "custom value")
	var cs []sdkV2Case
	for _, v4 := range []bool{false, true} {
		for _, presign := range []bool{false, true} {
			add := func(c sdkV2Case) {
				c.v4, c.presign = v4, presign
				if v4 {
					c.additional = []string{"X-Custom", "host", "x-oss-meta-color"}
				}
				cs = append(cs, c)
			}
			add(sdkV2Case{name: "put object", method: http.MethodPut, bucket: "bkt", object: true, headers: putHeaders})
			add(sdkV2Case{name: "get object overrides", method: http.MethodGet, bucket: "bkt", object: true,
				query: q("response-content-type", "text/a b+c", "response-content-disposition", "attachment; filename=\"x y.txt\"",
					"x-oss-process", "image/resize,w_100", "versionId", "null", "not-signed-in-v1", "v")})
			add(sdkV2Case{name: "append", method: http.MethodPost, bucket: "bkt", object: true, query: q("append", "", "position", "42"),
				headers: h("Content-Type", "application/octet-stream")})
			add(sdkV2Case{name: "head meta", method: http.MethodHead, bucket: "bkt", object: true, query: q("objectMeta", "")})
			add(sdkV2Case{name: "delete", method: http.MethodDelete, bucket: "bkt", object: true})
			add(sdkV2Case{name: "copy", method: http.MethodPut, bucket: "bkt", object: true,
				headers: h("x-oss-copy-source", "/src/a%20b%2Bc", "x-oss-metadata-directive", "REPLACE")})
			add(sdkV2Case{name: "list objects", method: http.MethodGet, bucket: "bkt",
				query: q("prefix", "a b/", "delimiter", "/", "marker", "m+n", "max-keys", "100", "encoding-type", "url")})
			add(sdkV2Case{name: "list objects v2", method: http.MethodGet, bucket: "bkt",
				query: q("list-type", "2", "continuation-token", "tok/+= en", "start-after", "x", "fetch-owner", "true")})
			add(sdkV2Case{name: "delete multiple", method: http.MethodPost, bucket: "bkt", query: q("delete", "", "encoding-type", "url"),
				headers: h("Content-Type", "application/xml", "Content-MD5", "XUFAKrxLKna5cZ2REBfFkg==")})
			add(sdkV2Case{name: "bucket acl", method: http.MethodGet, bucket: "bkt", query: q("acl", "")})
			add(sdkV2Case{name: "list buckets", method: http.MethodGet, query: q("prefix", "b", "max-keys", "10")})
		}
	}
	return cs
}

// signWithSDKv2 signs a path-style request with the v2 SDK's signer.
func signWithSDKv2(t *testing.T, c sdkV2Case, key string, signAt time.Time) *http.Request {
	t.Helper()
	bucket := c.bucket
	if !c.object {
		key = ""
	}
	r := newClientRequest(t, c.method, bucket, key, "")
	if c.query != nil {
		// What the v2 SDK's client writes: QueryEscape with %20.
		r.URL.RawQuery = encodeQuery(c.query)
	}
	for k, vs := range c.headers {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	sc := &signer.SigningContext{
		Product:           ptr("oss"),
		Region:            ptr(testRegion),
		Request:           r,
		Credentials:       &credentials.Credentials{AccessKeyID: testAK, AccessKeySecret: testSecret},
		AuthMethodQuery:   c.presign,
		AdditionalHeaders: c.additional,
	}
	if bucket != "" {
		sc.Bucket = ptr(bucket)
	}
	if c.object {
		sc.Key = ptr(key)
	}
	sc.Time = signAt
	if c.presign {
		sc.Time = signAt.Add(10 * time.Minute) // expiry
	}
	var s signer.Signer = &signer.SignerV1{}
	if c.v4 {
		s = &signer.SignerV4{}
	}
	if err := s.Sign(context.Background(), sc); err != nil {
		t.Fatalf("sign: %v", err)
	}
	return r
}

func TestSDKv2SignerAccepted(t *testing.T) {
	v := NewVerifier(Config{Lookup: testKeys})
	for _, c := range sdkV2Cases() {
		keys := tortureKeys
		if !c.object {
			keys = keys[:1]
		}
		for _, key := range keys {
			name := c.name + "/v1"
			if c.v4 {
				name = c.name + "/v4"
			}
			if c.presign {
				name += "/presign"
			}
			t.Run(name+"/"+key, func(t *testing.T) {
				sr := toServer(t, signWithSDKv2(t, c, key, time.Now()))
				bucket, gotKey := resolve(sr)
				if c.object && gotKey != key {
					t.Fatalf("resolved key %q, want %q", gotKey, key)
				}
				res, err := v.Authenticate(context.Background(), sr, bucket, gotKey)
				if err != nil {
					var se *SignatureError
					if errors.As(err, &se) {
						t.Fatalf("Authenticate: %v\nstring to sign:\n%s\ncanonical request:\n%s", err, se.StringToSign, se.CanonicalRequest)
					}
					t.Fatalf("Authenticate(%q, %q): %v", bucket, gotKey, err)
				}
				wantScheme := SchemeV1
				if c.v4 {
					wantScheme = SchemeV4
				}
				if res.Principal.AccessKeyID != testAK || res.Scheme != wantScheme || res.Presigned != c.presign {
					t.Fatalf("result %+v", res)
				}
				// The same request claimed for another object, bucket or
				// method must not verify.
				if c.object {
					if _, err := v.Verify(context.Background(), sr, bucket, gotKey+"x"); !errors.Is(err, ErrSignatureMismatch) {
						t.Fatalf("other key: err = %v", err)
					}
				}
				if _, err := v.Verify(context.Background(), sr, bucket+"x", gotKey); !errors.Is(err, ErrSignatureMismatch) {
					t.Fatalf("other bucket: err = %v", err)
				}
				sr.Method = "PATCH"
				if _, err := v.Verify(context.Background(), sr, bucket, gotKey); !errors.Is(err, ErrSignatureMismatch) {
					t.Fatalf("other method: err = %v", err)
				}
			})
		}
	}
}
