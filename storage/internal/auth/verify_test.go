package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// verifyCase is one request and the outcome expected from a verifier whose
// clock reads now.
type verifyCase struct {
	name        string
	build       func(t *testing.T) *http.Request // a client request
	bucket, key string
	now         time.Time
	want        error // nil: accepted
}

func runVerifyCases(t *testing.T, cases []verifyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := tc.now
			if now.IsZero() {
				now = t0
			}
			v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(now)})
			ak, err := v.Verify(context.Background(), toServer(t, tc.build(t)), tc.bucket, tc.key)
			if tc.want == nil {
				if err != nil || ak != testAK {
					var se *SignatureError
					if errors.As(err, &se) {
						t.Fatalf("Verify: %v\nstring to sign %q\ncanonical request %q", err, se.StringToSign, se.CanonicalRequest)
					}
					t.Fatalf("Verify = %q, %v", ak, err)
				}
				return
			}
			if !errors.Is(err, tc.want) || ak != "" {
				t.Fatalf("Verify = %q, %v; want %v", ak, err, tc.want)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatalf("error text contains the secret: %v", err)
			}
		})
	}
}

// v1Req is a V1-signed PUT of bkt/key signed at at, after mutate ran on
// the unsigned request; tamper runs after signing.
func v1Req(key, rawQuery string, at time.Time, mutate, tamper func(r *http.Request)) func(t *testing.T) *http.Request {
	return func(t *testing.T) *http.Request {
		r := newClientRequest(t, http.MethodPut, "bkt", key, rawQuery)
		r.Header.Set("Content-Type", "text/plain")
		r.Header.Set("x-oss-meta-a", "1")
		if mutate != nil {
			mutate(r)
		}
		SignRequestV1(r, "bkt", key, testAK, testSecret, at)
		if tamper != nil {
			tamper(r)
		}
		return r
	}
}

// v4Req is the V4 counterpart of v1Req.
func v4Req(key, rawQuery string, at time.Time, mutate, tamper func(r *http.Request)) func(t *testing.T) *http.Request {
	return func(t *testing.T) *http.Request {
		r := newClientRequest(t, http.MethodPut, "bkt", key, rawQuery)
		r.Header.Set("Content-Type", "text/plain")
		r.Header.Set("x-oss-meta-a", "1")
		if mutate != nil {
			mutate(r)
		}
		SignRequestV4(r, "bkt", key, testAK, testSecret, testRegion, at)
		if tamper != nil {
			tamper(r)
		}
		return r
	}
}

func setHeader(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(name, value) }
}

func addQuery(raw string) func(*http.Request) {
	return func(r *http.Request) {
		if r.URL.RawQuery != "" {
			raw = r.URL.RawQuery + "&" + raw
		}
		r.URL.RawQuery = raw
	}
}

func TestVerifyHeaderV1(t *testing.T) {
	k := "dir/a b+c.txt"
	runVerifyCases(t, []verifyCase{
		{name: "ok", build: v1Req(k, "", t0, nil, nil), bucket: "bkt", key: k},
		{name: "sub-resources", build: v1Req(k, "acl&response-content-type=a%20b&x-oss-anything=1", t0, nil, nil), bucket: "bkt", key: k},
		{name: "14 min old", build: v1Req(k, "", t0.Add(-14*time.Minute), nil, nil), bucket: "bkt", key: k},
		{name: "16 min old", build: v1Req(k, "", t0.Add(-16*time.Minute), nil, nil), bucket: "bkt", key: k, want: ErrRequestTimeTooSkewed},
		{name: "16 min ahead", build: v1Req(k, "", t0.Add(16*time.Minute), nil, nil), bucket: "bkt", key: k, want: ErrRequestTimeTooSkewed},
		{name: "x-oss-date wins over Date", build: v1Req(k, "", t0.Add(-time.Hour), setHeader("x-oss-date", t0.Format(iso8601Basic)), nil), bucket: "bkt", key: k},
		{name: "stale x-oss-date", build: v1Req(k, "", t0, setHeader("x-oss-date", t0.Add(-time.Hour).Format(http.TimeFormat)), nil), bucket: "bkt", key: k, want: ErrRequestTimeTooSkewed},
		{name: "no Date", build: v1Req(k, "", t0, nil, func(r *http.Request) { r.Header.Del("Date") }), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "bad Date", build: v1Req(k, "", t0, nil, setHeader("Date", "yesterday")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "other key", build: v1Req(k, "", t0, nil, nil), bucket: "bkt", key: k + "x", want: ErrSignatureMismatch},
		{name: "other bucket", build: v1Req(k, "", t0, nil, nil), bucket: "bkt2", key: k, want: ErrSignatureMismatch},
		{name: "tampered meta", build: v1Req(k, "", t0, nil, setHeader("x-oss-meta-a", "2")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "added x-oss header", build: v1Req(k, "", t0, nil, setHeader("x-oss-object-acl", "public-read")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "tampered Content-Type", build: v1Req(k, "", t0, nil, setHeader("Content-Type", "text/html")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "added Content-MD5", build: v1Req(k, "", t0, nil, setHeader("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "unsigned header is free", build: v1Req(k, "", t0, nil, setHeader("Cache-Control", "no-cache")), bucket: "bkt", key: k},
		{name: "added sub-resource", build: v1Req(k, "", t0, nil, addQuery("acl")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "added x-oss query parameter", build: v1Req(k, "", t0, nil, addQuery("x-oss-process=a")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		// V1 does not sign ordinary parameters: OSS behaves the same.
		{name: "added plain parameter", build: v1Req(k, "", t0, nil, addQuery("prefix=x")), bucket: "bkt", key: k},
		{name: "repeated parameter", build: v1Req(k, "acl", t0, nil, addQuery("acl")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "unknown key id", build: v1Req(k, "", t0, nil, setHeader("Authorization", "OSS nobody:AAAA")), bucket: "bkt", key: k, want: ErrInvalidAccessKeyID},
		{name: "two Authorization headers", build: v1Req(k, "", t0, nil, func(r *http.Request) { r.Header.Add("Authorization", r.Header.Get("Authorization")) }),
			bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "Authorization and presign parameters", build: v1Req(k, "", t0, nil, addQuery("OSSAccessKeyId=x&Expires=1&Signature=y")),
			bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "unsupported scheme", build: v1Req(k, "", t0, nil, setHeader("Authorization", "AWS ak:sig")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "empty Authorization", build: v1Req(k, "", t0, nil, setHeader("Authorization", "")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "service level", build: func(t *testing.T) *http.Request {
			r := newClientRequest(t, http.MethodGet, "", "", "prefix=b")
			SignRequestV1(r, "", "", testAK, testSecret, t0)
			return r
		}},
		{name: "bucket level", build: func(t *testing.T) *http.Request {
			r := newClientRequest(t, http.MethodGet, "bkt", "", "prefix=b&delimiter=%2F")
			SignRequestV1(r, "bkt", "", testAK, testSecret, t0)
			return r
		}, bucket: "bkt"},
	})
}

func TestVerifyHeaderV4(t *testing.T) {
	k := "dir/a b+c.txt"
	body := "hello body"
	sum := sha256.Sum256([]byte(body))
	digest := hex.EncodeToString(sum[:])
	runVerifyCases(t, []verifyCase{
		{name: "ok", build: v4Req(k, "", t0, nil, nil), bucket: "bkt", key: k},
		{name: "query", build: v4Req(k, "prefix=a%20b&acl&x=%2B", t0, nil, nil), bucket: "bkt", key: k},
		{name: "14 min ahead", build: v4Req(k, "", t0.Add(14*time.Minute), nil, nil), bucket: "bkt", key: k},
		{name: "16 min old", build: v4Req(k, "", t0.Add(-16*time.Minute), nil, nil), bucket: "bkt", key: k, want: ErrRequestTimeTooSkewed},
		{name: "16 min ahead", build: v4Req(k, "", t0.Add(16*time.Minute), nil, nil), bucket: "bkt", key: k, want: ErrRequestTimeTooSkewed},
		// V4 signs every query parameter, not just sub-resources.
		{name: "added plain parameter", build: v4Req(k, "", t0, nil, addQuery("prefix=x")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "tampered Content-Type", build: v4Req(k, "", t0, nil, setHeader("Content-Type", "text/html")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "removed Content-Type", build: v4Req(k, "", t0, nil, func(r *http.Request) { r.Header.Del("Content-Type") }), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "other key", build: v4Req(k, "", t0, nil, nil), bucket: "bkt", key: "dir/a%20b+c.txt", want: ErrSignatureMismatch},
		{name: "scope date differs from x-oss-date", build: v4Req(k, "", t0, nil, setHeader("x-oss-date", t0.Add(24*time.Hour).Format(iso8601Basic))),
			bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "bad x-oss-date", build: v4Req(k, "", t0, nil, setHeader("x-oss-date", t0.Format(http.TimeFormat))), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "Date only", build: v4Req(k, "", t0, nil, func(r *http.Request) { r.Header.Del("x-oss-date") }), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "no date at all", build: v4Req(k, "", t0, nil, func(r *http.Request) { r.Header.Del("x-oss-date"); r.Header.Del("Date") }),
			bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "signed body digest", build: v4Req(k, "", t0, setHeader("x-oss-content-sha256", digest), nil), bucket: "bkt", key: k},
		{name: "unsupported payload mode", build: v4Req(k, "", t0, setHeader("x-oss-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"), nil),
			bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "tolerant separators", build: v4Req(k, "", t0, nil, func(r *http.Request) {
			a := strings.ReplaceAll(r.Header.Get("Authorization"), ",", " ,  ")
			r.Header.Set("Authorization", strings.Replace(a, "Signature=", " Signature = ", 1))
		}), bucket: "bkt", key: k},
		{name: "wrong region in scope", build: v4Req(k, "", t0, nil, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testRegion, "cn-beijing", 1))
		}), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "bucket level", build: func(t *testing.T) *http.Request {
			r := newClientRequest(t, http.MethodGet, "bkt", "", "list-type=2&continuation-token=a%2Bb%20c")
			SignRequestV4(r, "bkt", "", testAK, testSecret, testRegion, t0)
			return r
		}, bucket: "bkt"},
		{name: "service level", build: func(t *testing.T) *http.Request {
			r := newClientRequest(t, http.MethodGet, "", "", "")
			SignRequestV4(r, "", "", testAK, testSecret, testRegion, t0)
			return r
		}},
	})
}

func TestVerifyPresigned(t *testing.T) {
	k := "dir/ü b+c.txt"
	pv1 := func(expires time.Time, tamper func(r *http.Request)) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			r := newClientRequest(t, http.MethodPut, "bkt", k, "response-content-type=text%2Fplain")
			r.Header.Set("Content-Type", "text/plain")
			PresignV1(r, "bkt", k, testAK, testSecret, expires)
			if tamper != nil {
				tamper(r)
			}
			return r
		}
	}
	pv4 := func(at time.Time, expires time.Duration, tamper func(r *http.Request)) func(t *testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			r := newClientRequest(t, http.MethodPut, "bkt", k, "")
			if err := PresignV4(r, "bkt", k, testAK, testSecret, testRegion, at, expires); err != nil {
				t.Fatal(err)
			}
			if tamper != nil {
				tamper(r)
			}
			return r
		}
	}
	setQuery := func(name, value string) func(*http.Request) {
		return func(r *http.Request) {
			q := r.URL.Query()
			q.Set(name, value)
			r.URL.RawQuery = encodeQuery(q)
		}
	}
	delQuery := func(name string) func(*http.Request) {
		return func(r *http.Request) {
			q := r.URL.Query()
			q.Del(name)
			r.URL.RawQuery = encodeQuery(q)
		}
	}
	runVerifyCases(t, []verifyCase{
		{name: "v1 ok", build: pv1(t0.Add(time.Minute), nil), bucket: "bkt", key: k},
		{name: "v1 ok long after signing", build: pv1(t0.Add(time.Minute), nil), bucket: "bkt", key: k, now: t0.Add(time.Minute)},
		{name: "v1 expired", build: pv1(t0.Add(time.Minute), nil), bucket: "bkt", key: k, now: t0.Add(time.Minute + time.Second), want: ErrRequestExpired},
		{name: "v1 unsigned Content-Type", build: pv1(t0.Add(time.Minute), setHeader("Content-Type", "image/png")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "v1 added x-oss header", build: pv1(t0.Add(time.Minute), setHeader("x-oss-object-acl", "public-read")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "v1 extended expiry", build: pv1(t0.Add(time.Minute), setQuery("Expires", "99999999999")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "v1 bad Expires", build: pv1(t0.Add(time.Minute), setQuery("Expires", "soon")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v1 missing Signature", build: pv1(t0.Add(time.Minute), delQuery("Signature")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v1 missing Expires", build: pv1(t0.Add(time.Minute), delQuery("Expires")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v1 unknown key", build: pv1(t0.Add(time.Minute), setQuery("OSSAccessKeyId", "nobody")), bucket: "bkt", key: k, want: ErrInvalidAccessKeyID},
		{name: "v4 ok", build: pv4(t0, time.Minute, nil), bucket: "bkt", key: k},
		{name: "v4 ok at the last second", build: pv4(t0, time.Minute, nil), bucket: "bkt", key: k, now: t0.Add(time.Minute)},
		{name: "v4 expired", build: pv4(t0, time.Minute, nil), bucket: "bkt", key: k, now: t0.Add(time.Minute + time.Second), want: ErrRequestExpired},
		{name: "v4 seven days", build: pv4(t0, MaxPresignV4, nil), bucket: "bkt", key: k, now: t0.Add(MaxPresignV4)},
		{name: "v4 signed in the future", build: pv4(t0.Add(16*time.Minute), time.Hour, nil), bucket: "bkt", key: k, want: ErrRequestTimeTooSkewed},
		{name: "v4 expires 0", build: pv4(t0, time.Minute, setQuery("x-oss-expires", "0")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v4 expires 604801", build: pv4(t0, time.Minute, setQuery("x-oss-expires", "604801")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v4 expires -5", build: pv4(t0, time.Minute, setQuery("x-oss-expires", "-5")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v4 expires abc", build: pv4(t0, time.Minute, setQuery("x-oss-expires", "abc")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v4 extended expiry", build: pv4(t0, time.Minute, setQuery("x-oss-expires", "3600")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "v4 unsigned Content-Type", build: pv4(t0, time.Minute, setHeader("Content-Type", "text/plain")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "v4 added parameter", build: pv4(t0, time.Minute, setQuery("prefix", "p")), bucket: "bkt", key: k, want: ErrSignatureMismatch},
		{name: "v4 bad date", build: pv4(t0, time.Minute, setQuery("x-oss-date", "2024-05-06")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v4 missing credential", build: pv4(t0, time.Minute, delQuery("x-oss-credential")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v4 missing signature", build: pv4(t0, time.Minute, delQuery("x-oss-signature")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v4 unknown algorithm", build: pv4(t0, time.Minute, setQuery("x-oss-signature-version", "OSS3")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v4 without version", build: pv4(t0, time.Minute, delQuery("x-oss-signature-version")), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v4 and v1 parameters", build: pv4(t0, time.Minute, setQuery("OSSAccessKeyId", testAK)), bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v4 repeated signature", build: pv4(t0, time.Minute, func(r *http.Request) { r.URL.RawQuery += "&x-oss-signature=00" }),
			bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "v4 malformed query", build: pv4(t0, time.Minute, func(r *http.Request) { r.URL.RawQuery += "&a=%zz" }),
			bucket: "bkt", key: k, want: ErrInvalidAuthorization},
		{name: "anonymous", build: func(t *testing.T) *http.Request { return newClientRequest(t, http.MethodGet, "bkt", k, "prefix=a") },
			bucket: "bkt", key: k, want: ErrAnonymous},
		{name: "anonymous with a malformed query", build: func(t *testing.T) *http.Request {
			return newClientRequest(t, http.MethodGet, "bkt", k, "a=%zz;b&Signature=%zz")
		}, bucket: "bkt", key: k, want: ErrAnonymous},
	})
}

// TestVerifyRawPlusInSignature covers clients that put a base64 signature
// into a presigned URL without percent-encoding it: its '+' arrives as a
// space.
func TestVerifyRawPlusInSignature(t *testing.T) {
	v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(t0)})
	tried := 0
	for i := 0; tried < 3 && i < 1000; i++ {
		key := "k" + strconv.Itoa(i)
		r := newClientRequest(t, http.MethodGet, "bkt", key, "")
		PresignV1(r, "bkt", key, testAK, testSecret, t0.Add(time.Hour))
		sig := r.URL.Query().Get("Signature")
		if !strings.Contains(sig, "+") {
			continue
		}
		tried++
		r.URL.RawQuery = strings.Replace(r.URL.RawQuery, url.QueryEscape(sig), strings.ReplaceAll(sig, "=", "%3D"), 1)
		if !strings.Contains(r.URL.RawQuery, "+") {
			t.Fatalf("raw query %q has no raw '+'", r.URL.RawQuery)
		}
		if _, err := v.Verify(context.Background(), toServer(t, r), "bkt", key); err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
	}
	if tried == 0 {
		t.Fatal("no signature with a '+' found")
	}
}

// TestVerifyRepeatedHeaders checks both canonical forms of a repeated
// x-oss-* header: first value (v1 SDK) and comma-joined (v2 SDK).
func TestVerifyRepeatedHeaders(t *testing.T) {
	build := func(t *testing.T) *http.Request {
		r := newClientRequest(t, http.MethodPut, "bkt", "k", "")
		r.Header.Add("X-Oss-Meta-M", "one")
		r.Header.Add("X-Oss-Meta-M", " two ")
		r.Header.Set("Date", t0.Format(http.TimeFormat))
		return r
	}
	// Written out by hand from the specification.
	sts := map[string]string{
		"first":  "PUT\n\n\n" + t0.Format(http.TimeFormat) + "\nx-oss-meta-m:one\n/bkt/k",
		"joined": "PUT\n\n\n" + t0.Format(http.TimeFormat) + "\nx-oss-meta-m:one,two\n/bkt/k",
		"last":   "PUT\n\n\n" + t0.Format(http.TimeFormat) + "\nx-oss-meta-m:two\n/bkt/k",
	}
	v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(t0)})
	for form, s := range sts {
		m := hmac.New(sha1.New, []byte(testSecret))
		m.Write([]byte(s))
		r := build(t)
		r.Header.Set("Authorization", "OSS "+testAK+":"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
		_, err := v.Verify(context.Background(), toServer(t, r), "bkt", "k")
		if (form == "last") != (err != nil) {
			t.Fatalf("%s form: err = %v", form, err)
		}
	}
	// The helper signs the joined form.
	r := build(t)
	SignRequestV1(r, "bkt", "k", testAK, testSecret, t0)
	if _, err := v.Verify(context.Background(), toServer(t, r), "bkt", "k"); err != nil {
		t.Fatalf("helper: %v", err)
	}
}

func TestSignatureErrorContents(t *testing.T) {
	v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(t0)})
	r := newClientRequest(t, http.MethodGet, "bkt", "a b", "acl")
	SignRequestV1(r, "bkt", "a b", testAK, "other-secret", t0)
	_, err := v.Verify(context.Background(), toServer(t, r), "bkt", "a b")
	var se *SignatureError
	if !errors.As(err, &se) || !errors.Is(err, ErrSignatureMismatch) {
		t.Fatalf("err = %v", err)
	}
	want := "GET\n\n\n" + t0.Format(http.TimeFormat) + "\n/bkt/a b?acl"
	if se.StringToSign != want || se.AccessKeyID != testAK || se.CanonicalRequest != "" ||
		"OSS "+testAK+":"+se.SignatureProvided != r.Header.Get("Authorization") {
		t.Fatalf("SignatureError = %+v", se)
	}

	r = newClientRequest(t, http.MethodGet, "bkt", "a b", "acl")
	SignRequestV4(r, "bkt", "a b", testAK, "other-secret", testRegion, t0)
	_, err = v.Verify(context.Background(), toServer(t, r), "bkt", "a b")
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	wantCR := "GET\n/bkt/a%20b\nacl\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20240506T070809Z\n\n\nUNSIGNED-PAYLOAD"
	if se.CanonicalRequest != wantCR || !strings.HasPrefix(se.StringToSign, "OSS4-HMAC-SHA256\n20240506T070809Z\n20240506/cn-hangzhou/oss/aliyun_v4_request\n") {
		t.Fatalf("SignatureError = %+v", se)
	}
	for _, s := range []string{se.Error(), se.StringToSign, se.CanonicalRequest, se.SignatureProvided} {
		if strings.Contains(s, testSecret) || strings.Contains(s, "other-secret") {
			t.Fatalf("secret leaked in %q", s)
		}
	}
}

// failingStore is a KeyLookup whose backend is down.
type failingStore struct{ err error }

func (f failingStore) LookupKey(context.Context, string) (Key, error) { return Key{}, f.err }

func TestVerifyLookupErrors(t *testing.T) {
	down := errors.New("meta store unavailable")
	tests := []struct {
		name   string
		lookup KeyLookup
		want   error
		notErr error
	}{
		{"backend down", failingStore{down}, down, ErrInvalidAccessKeyID},
		{"empty secret", keyStore{testAK: ""}, ErrInvalidAccessKeyID, nil},
		{"nil lookup", nil, ErrInvalidAccessKeyID, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newClientRequest(t, http.MethodGet, "bkt", "k", "")
			SignRequestV4(r, "bkt", "k", testAK, testSecret, testRegion, t0)
			v := NewVerifier(Config{Lookup: tc.lookup, Now: fixedClock(t0)})
			_, err := v.Verify(context.Background(), toServer(t, r), "bkt", "k")
			if !errors.Is(err, tc.want) || (tc.notErr != nil && errors.Is(err, tc.notErr)) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestPayloadReader(t *testing.T) {
	body := "hello body"
	sum := sha256.Sum256([]byte(body))
	digest := strings.ToUpper(hex.EncodeToString(sum[:])) // clients may send upper case
	v := NewVerifier(Config{Lookup: testKeys, Now: fixedClock(t0)})
	r := newClientRequest(t, http.MethodPut, "bkt", "k", "")
	r.Header.Set("x-oss-content-sha256", digest)
	SignRequestV4(r, "bkt", "k", testAK, testSecret, testRegion, t0)
	res, err := v.Authenticate(context.Background(), toServer(t, r), "bkt", "k")
	if err != nil || res.PayloadSHA256 != strings.ToLower(digest) {
		t.Fatalf("Authenticate = %+v, %v", res, err)
	}
	for _, c := range []struct {
		body string
		ok   bool
	}{{body, true}, {body + "!", false}, {"", false}} {
		got, err := io.ReadAll(res.PayloadReader(strings.NewReader(c.body)))
		if c.ok && (err != nil || string(got) != c.body) {
			t.Fatalf("body %q: %q, %v", c.body, got, err)
		}
		if !c.ok && !errors.Is(err, ErrContentSHA256Mismatch) {
			t.Fatalf("body %q: err = %v", c.body, err)
		}
	}
	// Unsigned payloads pass the body through untouched.
	plain := strings.NewReader("x")
	if (Result{}).PayloadReader(plain) != io.Reader(plain) {
		t.Fatal("unsigned payload was wrapped")
	}
}

func TestPresignV4Range(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second, 500 * time.Millisecond, 1500 * time.Millisecond, MaxPresignV4 + time.Second} {
		r := newClientRequest(t, http.MethodGet, "bkt", "k", "")
		if err := PresignV4(r, "bkt", "k", testAK, testSecret, testRegion, t0, d); err == nil {
			t.Errorf("PresignV4(%v) succeeded", d)
		}
	}
}

func TestParseAuthorizationRejects(t *testing.T) {
	sig := strings.Repeat("ab", 32)
	cred := "Credential=ak/20240506/cn-hangzhou/oss/aliyun_v4_request"
	bad := []string{
		"", "OSS", "OSS ", "OSS :", "OSS ak:", "OSS :sig", "OSS aksig", "Bearer abc", "oss ak:sig", "AWS4-HMAC-SHA256 " + cred,
		"OSS a k:sig", "OSS \x01:sig", "OSS " + strings.Repeat("a", 300) + ":sig",
		"OSS2 ", "OSS2 AccessKeyId:ak", "OSS2 Signature:x", "OSS2 AccessKeyId=ak,Signature=x", "OSS2 AccessKeyId:ak,Signature:x,Foo:y",
		"OSS2 AccessKeyId:ak,AccessKeyId:ak,Signature:x", "OSS2 AccessKeyId:ak,AdditionalHeaders:a b,Signature:x",
		"OSS4-HMAC-SHA256 ", "OSS4-HMAC-SHA256 " + cred, "OSS4-HMAC-SHA256 Signature=" + sig,
		"OSS4-HMAC-SHA256 " + cred + ",Signature=" + sig[:63], "OSS4-HMAC-SHA256 " + cred + ",Signature=" + strings.Repeat("zz", 32),
		"OSS4-HMAC-SHA256 Credential=ak/20240506/cn-hangzhou/oss,Signature=" + sig,
		"OSS4-HMAC-SHA256 Credential=/20240506/cn-hangzhou/oss/aliyun_v4_request,Signature=" + sig,
		"OSS4-HMAC-SHA256 Credential=ak/2024-05-06/cn-hangzhou/oss/aliyun_v4_request,Signature=" + sig,
		"OSS4-HMAC-SHA256 Credential=ak/20240506//oss/aliyun_v4_request,Signature=" + sig,
		"OSS4-HMAC-SHA256 Credential=ak/20240506/cn-hangzhou/s3/aliyun_v4_request,Signature=" + sig,
		"OSS4-HMAC-SHA256 Credential=ak/20240506/cn-hangzhou/oss/aws4_request,Signature=" + sig,
		"OSS4-HMAC-SHA256 " + cred + ",Signature=" + sig + ",Extra=1",
		"OSS4-HMAC-SHA256 " + cred + "," + cred + ",Signature=" + sig,
		"OSS4-HMAC-SHA256 " + cred + ",AdditionalHeaders=host;;x,Signature=" + sig,
		"OSS4-HMAC-SHA256 " + cred + " Signature=" + sig,
	}
	for _, h := range bad {
		if a, err := parseAuthorization(h); !errors.Is(err, ErrInvalidAuthorization) {
			t.Errorf("parseAuthorization(%q) = %+v, %v", h, a, err)
		}
	}
	good := map[string]authHeader{
		"OSS ak:sig+/=": {scheme: SchemeV1, accessKeyID: "ak", signature: "sig+/="},
		"OSS2 AccessKeyId:ak, AdditionalHeaders:Host;x-a, Signature:s": {scheme: SchemeOSS2, accessKeyID: "ak", signature: "s",
			additional: []string{"host", "x-a"}, additionalRaw: "Host;x-a"},
		"OSS4-HMAC-SHA256 " + cred + ", AdditionalHeaders=host, Signature=" + sig: {scheme: SchemeV4, accessKeyID: "ak", signature: sig,
			additional: []string{"host"}, additionalRaw: "host", scopeDate: "20240506", region: "cn-hangzhou", product: "oss"},
	}
	for h, want := range good {
		a, err := parseAuthorization(h)
		if err != nil || a.scheme != want.scheme || a.accessKeyID != want.accessKeyID || a.signature != want.signature ||
			a.additionalRaw != want.additionalRaw || strings.Join(a.additional, ",") != strings.Join(want.additional, ",") ||
			a.scopeDate != want.scopeDate || a.region != want.region || a.product != want.product {
			t.Errorf("parseAuthorization(%q) = %+v, %v", h, a, err)
		}
	}
}
