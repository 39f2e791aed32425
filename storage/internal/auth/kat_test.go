package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Known-answer tests: the expected signatures below are published test
// vectors of the official v2 Go SDK (oss/signer/signer_test.go, AK "ak", SK
// "sk"). They pin the signing helpers and the verifier to values computed by
// someone else.

// v4VectorQuery is the query string of the SDK's V4 vectors.
func v4VectorQuery() url.Values {
	v := url.Values{}
	v.Add("param1", "value1")
	v.Add("+param1", "value3")
	v.Add("|param1", "value4")
	v.Add("+param2", "")
	v.Add("|param2", "")
	v.Add("param2", "")
	return v
}

func v4VectorRequest(t *testing.T, method, contentType string, q url.Values) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, "http://bucket.oss-cn-hangzhou.aliyuncs.com/1234%2B-/123/1.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Add("x-oss-head1", "value")
	r.Header.Add("abc", "value")
	r.Header.Add("ZAbc", "value")
	r.Header.Add("XYZ", "value")
	r.Header.Add("content-type", contentType)
	r.URL.RawQuery = encodeQuery(q)
	return r
}

func v1VectorRequest(t *testing.T, rawURL string, put bool) *http.Request {
	t.Helper()
	method := http.MethodGet
	if put {
		method = http.MethodPut
	}
	r, err := http.NewRequest(method, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if put {
		r.Header.Add("Content-MD5", "eB5eJF1ptWaXm4bijSPyxw==")
		r.Header.Add("Content-Type", "text/html")
		r.Header.Add("x-oss-meta-author", "alice")
		r.Header.Add("x-oss-meta-magic", "abracadabra")
	}
	r.Header.Add("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT")
	return r
}

// signedWithToken reports whether err is the answer to a request whose
// signature matched but whose long-lived key came with a security token:
// the SDK's STS vectors sign with the id "ak", which is no temporary key,
// and that refusal comes only after the signature was checked.
func signedWithToken(err error) bool {
	return errors.Is(err, ErrInvalidAccessKeyID) && !errors.Is(err, ErrSignatureMismatch) &&
		strings.Contains(err.Error(), "security token")
}

func TestKnownAnswerV1Header(t *testing.T) {
	when, _ := http.ParseTime("Wed, 28 Dec 2022 10:27:41 GMT")
	tests := []struct {
		name, url, bucket, key string
		put                    bool
		want                   string
	}{
		{"object", "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/nelson", "examplebucket", "nelson", true, "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M="},
		{"object acl", "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/nelson?acl", "examplebucket", "nelson", true, "OSS ak:/afkugFbmWDQ967j1vr6zygBLQk="},
		// non-resousce (sic) is not a sub-resource and stays out.
		{"bucket sub-resource", "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/?resourceGroup&non-resousce=null", "examplebucket", "", false, "OSS ak:vkQmfuUDyi1uDi3bKt67oemssIs="},
		{"sorted sub-resources", "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/?resourceGroup&acl", "examplebucket", "", false, "OSS ak:x3E5TgOvl/i7PN618s5mEvpJDYk="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := v1VectorRequest(t, tc.url, tc.put)
			SignRequestV1(r, tc.bucket, tc.key, "ak", "sk", when)
			if got := r.Header.Get("Authorization"); got != tc.want {
				t.Fatalf("SignRequestV1 = %q, want %q", got, tc.want)
			}
			v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(when.Add(time.Minute))})
			res, err := v.Authenticate(context.Background(), toServer(t, r), tc.bucket, tc.key)
			if err != nil || res.Principal.AccessKeyID != "ak" || res.Scheme != SchemeV1 || res.Presigned {
				t.Fatalf("Authenticate = %+v, %v", res, err)
			}
		})
	}
}

func TestKnownAnswerV1Presign(t *testing.T) {
	// Vector 1 through PresignV1; vector 2 (STS token, '+' in the key) is a
	// URL produced by the SDK, verified as is.
	r, _ := http.NewRequest(http.MethodGet, "http://bucket.oss-cn-hangzhou.aliyuncs.com/key?versionId=versionId", nil)
	PresignV1(r, "bucket", "key", "ak", "sk", time.Unix(1699807420, 0))
	const want = "http://bucket.oss-cn-hangzhou.aliyuncs.com/key?Expires=1699807420&OSSAccessKeyId=ak&Signature=dcLTea%2BYh9ApirQ8o8dOPqtvJXQ%3D&versionId=versionId"
	if got := r.URL.String(); got != want {
		t.Fatalf("PresignV1 URL = %s, want %s", got, want)
	}
	sdkURL := "http://bucket.oss-cn-hangzhou.aliyuncs.com/key%2B123?Expires=1699808204&OSSAccessKeyId=ak&Signature=jzKYRrM5y6Br0dRFPaTGOsbrDhY%3D&security-token=token&versionId=versionId"
	r2, _ := http.NewRequest(http.MethodGet, sdkURL, nil)

	v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(time.Unix(1699807000, 0))})
	for _, tc := range []struct {
		r        *http.Request
		key      string
		tampered bool
	}{{r, "key", false}, {r2, "key+123", false}, {r2, "key 123", true}} {
		res, err := v.Authenticate(context.Background(), toServer(t, tc.r), "bucket", tc.key)
		if tc.tampered {
			if !errors.Is(err, ErrSignatureMismatch) {
				t.Fatalf("key %q: err = %v, want mismatch", tc.key, err)
			}
			continue
		}
		if strings.Contains(tc.r.URL.RawQuery, "security-token=") {
			if !signedWithToken(err) {
				t.Fatalf("key %q: err = %v, want the signature accepted and the long-lived key refused for its token", tc.key, err)
			}
			continue
		}
		if err != nil || res.Principal.AccessKeyID != "ak" || !res.Presigned || res.Scheme != SchemeV1 {
			t.Fatalf("key %q: Authenticate = %+v, %v", tc.key, res, err)
		}
	}
	// One second after Expires.
	late := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(time.Unix(1699807421, 0))})
	if _, err := late.Verify(context.Background(), toServer(t, r), "bucket", "key"); !errors.Is(err, ErrRequestExpired) {
		t.Fatalf("late: err = %v, want ErrRequestExpired", err)
	}
}

func TestKnownAnswerV4Header(t *testing.T) {
	tests := []struct {
		name       string
		unix       int64
		token      string
		additional string
		want       string
		viaHelper  bool
	}{
		{"plain", 1702743657, "", "", "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe", true},
		{"sts token", 1702784856, "token", "", "OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea", false},
		{"additional headers", 1702747512, "", "abc;zabc", "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			when := time.Unix(tc.unix, 0).UTC()
			r := v4VectorRequest(t, http.MethodPut, "text/plain", v4VectorQuery())
			r.Header.Set("x-oss-content-sha256", "UNSIGNED-PAYLOAD")
			if tc.token != "" {
				r.Header.Set("x-oss-security-token", tc.token)
			}
			if tc.viaHelper {
				SignRequestV4(r, "bucket", "1234+-/123/1.txt", "ak", "sk", testRegion, when)
				if got := r.Header.Get("Authorization"); got != tc.want {
					t.Fatalf("SignRequestV4 = %q, want %q", got, tc.want)
				}
			} else {
				r.Header.Set("x-oss-date", when.Format("20060102T150405Z"))
				r.Header.Set("Date", when.Format(http.TimeFormat))
				r.Header.Set("Authorization", tc.want)
			}
			v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(when.Add(-time.Minute))})
			res, err := v.Authenticate(context.Background(), toServer(t, r), "bucket", "1234+-/123/1.txt")
			if r.Header.Get("x-oss-security-token") != "" {
				if !signedWithToken(err) {
					t.Fatalf("err = %v, want the signature accepted and the long-lived key refused for its token", err)
				}
			} else if err != nil || res.Principal.AccessKeyID != "ak" || res.Region != testRegion || res.PayloadSHA256 != "" {
				t.Fatalf("Authenticate = %+v, %v", res, err)
			}
			// The same request for another key must fail.
			if _, err := v.Verify(context.Background(), toServer(t, r), "bucket", "1234+-/123/2.txt"); !errors.Is(err, ErrSignatureMismatch) {
				t.Fatalf("other key: err = %v", err)
			}
		})
	}
}

func TestKnownAnswerV4Presign(t *testing.T) {
	tests := []struct {
		name       string
		signUnix   int64
		token      string
		additional string
		want       string
		viaHelper  bool
	}{
		{"plain", 1702781677, "", "", "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe", true},
		{"sts token", 1702785388, "token", "", "3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5", false},
		{"additional headers", 1702783809, "", "abc;zabc", "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			when := time.Unix(tc.signUnix, 0).UTC()
			q := v4VectorQuery()
			r := v4VectorRequest(t, http.MethodPut, "application/octet-stream", q)
			if tc.viaHelper {
				if err := PresignV4(r, "bucket", "1234+-/123/1.txt", "ak", "sk", testRegion, when, 599*time.Second); err != nil {
					t.Fatal(err)
				}
				if got := r.URL.Query().Get("x-oss-signature"); got != tc.want {
					t.Fatalf("PresignV4 signature = %q, want %q", got, tc.want)
				}
			} else {
				if tc.token != "" {
					q.Set("x-oss-security-token", tc.token)
				}
				q.Set("x-oss-signature-version", "OSS4-HMAC-SHA256")
				q.Set("x-oss-date", when.Format("20060102T150405Z"))
				q.Set("x-oss-expires", "599")
				q.Set("x-oss-credential", "ak/"+when.Format("20060102")+"/cn-hangzhou/oss/aliyun_v4_request")
				if tc.additional != "" {
					q.Set("x-oss-additional-headers", tc.additional)
				}
				q.Set("x-oss-signature", tc.want)
				r.URL.RawQuery = encodeQuery(q)
			}
			for _, c := range []struct {
				now  time.Time
				want error
			}{
				{when, nil},
				{when.Add(599 * time.Second), nil},
				{when.Add(600 * time.Second), ErrRequestExpired},
				{when.Add(-14 * time.Minute), nil},
				{when.Add(-16 * time.Minute), ErrRequestTimeTooSkewed},
			} {
				v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(c.now)})
				res, err := v.Authenticate(context.Background(), toServer(t, r), "bucket", "1234+-/123/1.txt")
				if c.want == nil && strings.Contains(r.URL.RawQuery, "x-oss-security-token=") {
					if !signedWithToken(err) {
						t.Fatalf("now %v: err = %v, want the signature accepted and the long-lived key refused for its token", c.now, err)
					}
					continue
				}
				if c.want == nil && (err != nil || !res.Presigned || res.Scheme != SchemeV4) {
					t.Fatalf("now %v: Authenticate = %+v, %v", c.now, res, err)
				}
				if c.want != nil && !errors.Is(err, c.want) {
					t.Fatalf("now %v: err = %v, want %v", c.now, err, c.want)
				}
			}
		})
	}
}

func TestKnownAnswerCloudBoxRefused(t *testing.T) {
	// A valid V4 signature for product oss-cloudbox: kossd serves only "oss".
	when := time.Unix(1702743657, 0).UTC()
	r := v4VectorRequest(t, http.MethodPut, "text/plain", v4VectorQuery())
	r.Header.Set("x-oss-content-sha256", "UNSIGNED-PAYLOAD")
	r.Header.Set("x-oss-date", when.Format("20060102T150405Z"))
	r.Header.Set("Authorization", "OSS4-HMAC-SHA256 Credential=ak/20231216/cb-123/oss-cloudbox/aliyun_v4_request,Signature=94ce1f12c17d148ea681030275a94449d3357f5b5b21133996eec80af3e08a43")
	v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(when)})
	if _, err := v.Verify(context.Background(), toServer(t, r), "bucket", "1234+-/123/1.txt"); !errors.Is(err, ErrInvalidAuthorization) {
		t.Fatalf("err = %v, want ErrInvalidAuthorization", err)
	}
}
