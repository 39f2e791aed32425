package auth

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ossv1 "github.com/aliyun/aliyun-oss-go-sdk/oss"
)

// v1Client returns a v1 SDK client for f with the given auth version and
// addressing style ("path": 127.0.0.1 endpoint, automatically path style;
// "virtual": <bucket>.oss.test).
func v1Client(t *testing.T, f *fakeOSS, ver ossv1.AuthVersionType, style, ak, secret string) *ossv1.Client {
	t.Helper()
	endpoint := "http://" + f.addr()
	if style == "virtual" {
		endpoint = "http://" + testDomain + ":" + f.port()
	}
	opts := []ossv1.ClientOption{ossv1.AuthVersion(ver), ossv1.Region(testRegion), ossv1.HTTPClient(f.client())}
	if ver != ossv1.AuthV1 {
		// Exercise AdditionalHeaders: host is set explicitly by this SDK,
		// date and content-type are special cases of the V4 rules.
		opts = append(opts, ossv1.AdditionalHeaders([]string{"host", "X-Custom", "date", "Content-Type"}))
	}
	c, err := ossv1.New(endpoint, ak, secret, opts...)
	if err != nil {
		t.Fatalf("oss.New: %v", err)
	}
	return c
}

var v1Versions = []ossv1.AuthVersionType{ossv1.AuthV1, ossv1.AuthV2, ossv1.AuthV4}

func TestSDKv1ClientAccepted(t *testing.T) {
	f := startFakeOSS(t, NewVerifier(Config{Lookup: testKeys}))
	for _, ver := range v1Versions {
		for _, style := range []string{"path", "virtual"} {
			t.Run(string(ver)+"/"+style, func(t *testing.T) {
				client := v1Client(t, f, ver, style, testAK, testSecret)
				bucket, err := client.Bucket("bkt")
				if err != nil {
					t.Fatal(err)
				}
				do := func(what string, fn func() error) []seen {
					t.Helper()
					if err := fn(); err != nil {
						f.take()
						t.Fatalf("%s: %v", what, err)
					}
					got := f.expectAll(t, what, nil)
					want := map[ossv1.AuthVersionType]Scheme{ossv1.AuthV1: SchemeV1, ossv1.AuthV2: SchemeOSS2, ossv1.AuthV4: SchemeV4}[ver]
					for _, s := range got {
						if s.res.Scheme != want || s.res.Principal.AccessKeyID != testAK {
							t.Fatalf("%s: %v, want scheme %s", what, s, want)
						}
					}
					return got
				}
				do("ListBuckets", func() error { _, err := client.ListBuckets(ossv1.Prefix("b k"), ossv1.MaxKeys(10)); return err })
				do("CreateBucket", func() error { return client.CreateBucket("bkt") })
				do("ListObjects", func() error {
					_, err := bucket.ListObjects(ossv1.Prefix("a b/+"), ossv1.Delimiter("/"), ossv1.Marker("m%n"), ossv1.EncodingType("url"))
					return err
				})
				do("ListObjectsV2", func() error {
					_, err := bucket.ListObjectsV2(ossv1.Prefix("p"), ossv1.ContinuationToken("tok/+= en"), ossv1.StartAfter("s"))
					return err
				})
				for _, key := range tortureKeys {
					got := do("PutObject "+key, func() error {
						return bucket.PutObject(key, strings.NewReader("hello"), ossv1.Meta("Color", "Blue Sky"),
							ossv1.ObjectACL(ossv1.ACLPrivate), ossv1.SetHeader("X-Custom", "x y"), ossv1.CacheControl("no-cache"))
					})
					wantAdd := map[ossv1.AuthVersionType]string{ossv1.AuthV2: "AdditionalHeaders:content-type;date;host;x-custom,",
						ossv1.AuthV4: ",AdditionalHeaders=date;host;x-custom,"}[ver]
					if !strings.Contains(got[0].authz, wantAdd) {
						t.Fatalf("PutObject Authorization %q lacks %q", got[0].authz, wantAdd)
					}
					do("GetObject "+key, func() error {
						rc, err := bucket.GetObject(key, ossv1.ResponseContentType("text/a b+c"),
							ossv1.ResponseContentDisposition(`attachment; filename="x y.txt"`), ossv1.Process("image/resize,w_100"),
							ossv1.VersionId("null"))
						if err != nil {
							return err
						}
						defer func() { _ = rc.Close() }()
						_, err = io.ReadAll(rc)
						return err
					})
					do("GetObjectDetailedMeta "+key, func() error { _, err := bucket.GetObjectDetailedMeta(key); return err })
					do("GetObjectMeta "+key, func() error { _, err := bucket.GetObjectMeta(key); return err })
					do("AppendObject "+key, func() error {
						_, err := bucket.AppendObject(key, strings.NewReader("abc"), 0, ossv1.ContentType("text/plain"))
						return err
					})
					do("CopyObject "+key, func() error { _, err := bucket.CopyObject(key, key+".copy"); return err })
					do("DeleteObject "+key, func() error { return bucket.DeleteObject(key) })
					do("DeleteObjects "+key, func() error { _, err := bucket.DeleteObjects([]string{key, "other"}); return err })
				}
			})
		}
	}
}

func TestSDKv1PresignedURLs(t *testing.T) {
	f := startFakeOSS(t, NewVerifier(Config{Lookup: testKeys}))
	hc := f.client()
	send := func(t *testing.T, method, u string, hdr http.Header, body string) int {
		t.Helper()
		req, err := http.NewRequest(method, u, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = hdr
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	for _, ver := range v1Versions {
		for _, style := range []string{"path", "virtual"} {
			t.Run(string(ver)+"/"+style, func(t *testing.T) {
				client := v1Client(t, f, ver, style, testAK, testSecret)
				bucket, _ := client.Bucket("bkt")
				for _, key := range tortureKeys {
					get, err := bucket.SignURL(key, ossv1.HTTPGet, 300, ossv1.ResponseContentType("text/plain"))
					if err != nil {
						t.Fatalf("SignURL GET %q: %v", key, err)
					}
					if code := send(t, http.MethodGet, get, http.Header{}, ""); code != http.StatusOK {
						t.Fatalf("GET %s: status %d: %v", get, code, f.take())
					}
					got := f.expectAll(t, "presigned GET "+key, nil)
					if got[0].key != key || !got[0].res.Presigned {
						t.Fatalf("presigned GET %q: %v", key, got[0])
					}

					put, err := bucket.SignURL(key, ossv1.HTTPPut, 300, ossv1.ContentType("text/plain"), ossv1.Meta("a", "b c"))
					if err != nil {
						t.Fatalf("SignURL PUT %q: %v", key, err)
					}
					signed := http.Header{"Content-Type": {"text/plain"}, "X-Oss-Meta-A": {"b c"}}
					if code := send(t, http.MethodPut, put, signed, "data"); code != http.StatusOK {
						t.Fatalf("PUT %s: status %d: %v", put, code, f.take())
					}
					f.expectAll(t, "presigned PUT "+key, nil)

					// Changing a signed header, or dropping one, breaks it.
					for _, hdr := range []http.Header{
						{"Content-Type": {"image/png"}, "X-Oss-Meta-A": {"b c"}},
						{"Content-Type": {"text/plain"}},
						{"Content-Type": {"text/plain"}, "X-Oss-Meta-A": {"b c"}, "X-Oss-Meta-Extra": {"1"}},
					} {
						if code := send(t, http.MethodPut, put, hdr, "data"); code != http.StatusForbidden {
							t.Fatalf("tampered PUT: status %d", code)
						}
						f.expectAll(t, "tampered presigned PUT "+key, ErrSignatureMismatch)
					}

					// The SDK's own URL helpers.
					if err := bucket.PutObjectWithURL(put, strings.NewReader("data"), ossv1.ContentType("text/plain"), ossv1.Meta("a", "b c")); err != nil {
						t.Fatalf("PutObjectWithURL: %v", err)
					}
					f.expectAll(t, "PutObjectWithURL "+key, nil)
					rc, err := bucket.GetObjectWithURL(get)
					if err != nil {
						t.Fatalf("GetObjectWithURL: %v", err)
					}
					_ = rc.Close()
					f.expectAll(t, "GetObjectWithURL "+key, nil)
				}
			})
		}
	}
}

func TestSDKv1Rejected(t *testing.T) {
	skewed := NewVerifier(Config{Lookup: testKeys, Now: func() time.Time { return time.Now().Add(16 * time.Minute) }})
	tests := []struct {
		name       string
		v          *Verifier
		ak, secret string
		want       error
	}{
		{"wrong secret", NewVerifier(Config{Lookup: testKeys}), testAK, "not-the-secret", ErrSignatureMismatch},
		{"unknown key", NewVerifier(Config{Lookup: testKeys}), "LTAIunknown", testSecret, ErrInvalidAccessKeyID},
		{"clock 16 min ahead", skewed, testAK, testSecret, ErrRequestTimeTooSkewed},
	}
	for _, tc := range tests {
		for _, ver := range v1Versions {
			t.Run(tc.name+"/"+string(ver), func(t *testing.T) {
				f := startFakeOSS(t, tc.v)
				client := v1Client(t, f, ver, "path", tc.ak, tc.secret)
				bucket, _ := client.Bucket("bkt")
				if err := bucket.PutObject("k", strings.NewReader("x")); err == nil {
					t.Fatal("PutObject succeeded")
				}
				f.expectAll(t, "PutObject", tc.want)
				if _, err := bucket.ListObjects(); err == nil {
					t.Fatal("ListObjects succeeded")
				}
				f.expectAll(t, "ListObjects", tc.want)
			})
		}
	}
}

func TestSDKv1PresignTime(t *testing.T) {
	// Presigned V1/OSS2 URLs only check Expires: a server clock 16 minutes
	// ahead still accepts a URL valid for an hour, but not one valid for 10
	// minutes. V4 URLs check x-oss-date + x-oss-expires the same way.
	ahead := NewVerifier(Config{Lookup: testKeys, Now: func() time.Time { return time.Now().Add(16 * time.Minute) }})
	f := startFakeOSS(t, ahead)
	for _, ver := range v1Versions {
		client := v1Client(t, f, ver, "path", testAK, testSecret)
		bucket, _ := client.Bucket("bkt")
		for _, c := range []struct {
			secs int64
			want error
		}{{3600, nil}, {600, ErrRequestExpired}} {
			u, err := bucket.SignURL("k", ossv1.HTTPGet, c.secs)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := f.client().Get(u)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			f.expectAll(t, string(ver)+" presigned for "+time.Duration(c.secs*int64(time.Second)).String(), c.want)
		}
	}
}
