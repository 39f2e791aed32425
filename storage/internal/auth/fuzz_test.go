package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// sentinels are all the errors Verify may wrap for a well-behaved lookup.
var sentinels = []error{ErrAnonymous, ErrInvalidAccessKeyID, ErrSignatureMismatch, ErrRequestTimeTooSkewed,
	ErrRequestExpired, ErrInvalidAuthorization}

func checkSentinel(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
			return
		}
	}
	t.Fatalf("error %v wraps no sentinel", err)
}

func FuzzParseAuthorization(f *testing.F) {
	sig := strings.Repeat("0f", 32)
	for _, s := range []string{
		"OSS " + testAK + ":kSHKmLxlyEAKtZPkJhG9bZb5k7M=",
		"OSS ak:",
		"OSS2 AccessKeyId:" + testAK + ",AdditionalHeaders:host;x-custom,Signature:abc=",
		"OSS2 AccessKeyId:ak, Signature:abc",
		"OSS4-HMAC-SHA256 Credential=" + testAK + "/20240506/cn-hangzhou/oss/aliyun_v4_request,Signature=" + sig,
		"OSS4-HMAC-SHA256 Credential=a/b/20240506/cn-hangzhou/oss/aliyun_v4_request, AdditionalHeaders=host;date, Signature=" + sig,
		"OSS4-HMAC-SHA256 Credential=,,,=,Signature==",
		"OSS4-HMAC-SHA256 Credential=ak/99999999/r/oss/aliyun_v4_request,Signature=" + sig,
		"", "OSS", "Bearer x", "OSS2 :::,,,", "OSS \xff\xfe:\x00",
	} {
		f.Add(s)
	}
	v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(t0)})
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if err != nil {
			if !errors.Is(err, ErrInvalidAuthorization) {
				t.Fatalf("parseAuthorization(%q): %v is not ErrInvalidAuthorization", h, err)
			}
		} else {
			if checkAccessKeyID(a.accessKeyID) != nil || a.signature == "" {
				t.Fatalf("parseAuthorization(%q) accepted %+v", h, a)
			}
			if a.scheme == SchemeV4 && (checkHexSignature(a.signature) != nil || a.product != productOSS || a.region == "") {
				t.Fatalf("parseAuthorization(%q) accepted %+v", h, a)
			}
		}
		// The whole verifier on a request carrying that header.
		r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/bkt/k", nil)
		r.Header["Authorization"] = []string{h}
		r.Header.Set("Date", t0.Format(http.TimeFormat))
		r.Header.Set("x-oss-date", t0.Format(iso8601Basic))
		r.Host = "127.0.0.1"
		_, err = v.Verify(context.Background(), r, "bkt", "k")
		if err == nil {
			t.Fatalf("Verify accepted a fuzzed Authorization %q", h)
		}
		checkSentinel(t, err)
	})
}

func FuzzParsePresignQuery(f *testing.F) {
	r := newClientRequest(f, http.MethodGet, "bkt", "k", "acl&a=b")
	PresignV1(r, "bkt", "k", testAK, testSecret, t0.Add(time.Hour))
	f.Add(r.URL.RawQuery)
	r = newClientRequest(f, http.MethodGet, "bkt", "k", "acl&a=b")
	if err := PresignV4(r, "bkt", "k", testAK, testSecret, testRegion, t0, time.Hour); err != nil {
		f.Fatal(err)
	}
	f.Add(r.URL.RawQuery)
	for _, s := range []string{
		"x-oss-signature-version=OSS2&x-oss-access-key-id=ak&x-oss-expires=1999999999&x-oss-signature=abc&x-oss-additional-headers=host",
		"x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=ak%2F20240506%2Fr%2Foss%2Faliyun_v4_request&x-oss-date=20240506T070809Z&x-oss-expires=604801&x-oss-signature=00",
		"OSSAccessKeyId=&Expires=-1&Signature=",
		"Signature&Signature&x-oss-signature-version",
		"a=%zz&b=;&&==&%", "x-oss-expires=99999999999999999999", "",
	} {
		f.Add(s)
	}
	// What the fuzzer found against an oracle that took every change of a
	// valid V1 URL for a forgery: a parameter V1 does not sign, dropped or
	// added, still verifies (as on OSS).
	f.Add(strings.Replace(f0V1, "&a=b", "", 1))
	f.Add(f0V1 + "&response-content-type=x")
	v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(t0)})
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := parseQuery(raw)
		m, err := presignMethod(q)
		if err != nil && !errors.Is(err, ErrInvalidAuthorization) {
			t.Fatalf("presignMethod: %v", err)
		}
		switch m {
		case methodPresignV1:
			_, err = parsePresignV1(q)
		case methodPresignOSS2:
			_, err = parsePresignOSS2(q)
		case methodPresignV4:
			var p presignV4
			p, err = parsePresignV4(q)
			if err == nil && (p.expires < time.Second || p.expires > MaxPresignV4) {
				t.Fatalf("accepted expiry %v", p.expires)
			}
		}
		if err != nil && !errors.Is(err, ErrInvalidAuthorization) {
			t.Fatalf("parse presign: %v", err)
		}
		req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/bkt/k", RawQuery: raw}, Header: http.Header{}, Host: "127.0.0.1"}
		_, err = v.Verify(context.Background(), req, "bkt", "k")
		if err == nil && !slices.Contains(f0Signed, signedPart(m, raw)) {
			t.Fatalf("Verify accepted fuzzed query %q: its signed part differs from every valid seed's", raw)
		}
		checkSentinel(t, err)
	})
}

// signedPart is what a presigned URL's signature covers of its query, as a
// sorted list of decoded pairs: for V1 the signature parameters and the
// sub-resources only (OSS V1 signs nothing else, so other parameters may be
// added, dropped or reordered), for OSS2 and V4 every parameter.
func signedPart(m authMethod, raw string) string {
	q, _ := parseQuery(raw)
	var pairs []string
	for _, p := range q {
		if m == methodPresignV1 && !isV1SubResource(p.name) &&
			p.name != "OSSAccessKeyId" && p.name != "Expires" && p.name != "Signature" {
			continue
		}
		pairs = append(pairs, p.name+"="+p.value)
	}
	slices.Sort(pairs)
	return fmt.Sprintf("%d:%q", m, pairs)
}

// f0Signed are the signed parts of the valid seeds: a fuzzed query may
// verify only if its signed part is one of them.
var f0Signed = func() []string {
	return []string{signedPart(methodPresignV1, f0V1), signedPart(methodPresignV4, f0V4)}
}()

// f0V1 and f0V4 are the valid seeds of FuzzParsePresignQuery; only queries
// with the same signed part (signedPart) may verify.
var f0V1, f0V4 = func() (string, string) {
	r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/bkt/k?acl&a=b", nil)
	PresignV1(r, "bkt", "k", testAK, testSecret, t0.Add(time.Hour))
	r2, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/bkt/k?acl&a=b", nil)
	_ = PresignV4(r2, "bkt", "k", testAK, testSecret, testRegion, t0, time.Hour)
	return r.URL.RawQuery, r2.URL.RawQuery
}()

// FuzzSignVerifyRoundTrip signs arbitrary keys and query parameters with the
// helpers and checks that the verifier accepts them, and refuses them for a
// different key.
func FuzzSignVerifyRoundTrip(f *testing.F) {
	for _, k := range tortureKeys {
		f.Add(k, "response-content-type", "a b+c/é", false)
		f.Add(k, "prefix", "%2F;&=", true)
	}
	f.Add("", "acl", "", true)
	f.Add("k", "", "v", false)
	v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(t0)})
	f.Fuzz(func(t *testing.T, key, name, value string, v4 bool) {
		if !utf8.ValidString(key) || name == "" {
			t.Skip()
		}
		switch name {
		case qV1AccessKeyID, qV1Signature, qSignatureVer, qSignature, qCredential, qAccessKeyIDV2:
			t.Skip() // those make it a presigned request
		}
		vals := url.Values{}
		vals.Set(name, value)
		r, err := http.NewRequest(http.MethodPut, "http://127.0.0.1/bkt/x?"+encodeQuery(vals), nil)
		if err != nil {
			t.Skip()
		}
		r.Header.Set("x-oss-meta-k", "v")
		if v4 {
			SignRequestV4(r, "bkt", key, testAK, testSecret, testRegion, t0)
		} else {
			SignRequestV1(r, "bkt", key, testAK, testSecret, t0)
		}
		sr := toServer(t, r)
		if _, err := v.Verify(context.Background(), sr, "bkt", key); err != nil {
			var se *SignatureError
			if errors.As(err, &se) {
				t.Fatalf("key %q %s=%q: %v\n%q\n%q", key, name, value, err, se.StringToSign, se.CanonicalRequest)
			}
			t.Fatalf("key %q %s=%q: %v", key, name, value, err)
		}
		if _, err := v.Verify(context.Background(), sr, "bkt", key+"/"); !errors.Is(err, ErrSignatureMismatch) {
			t.Fatalf("key %q: other key: %v", key, err)
		}
	})
}
