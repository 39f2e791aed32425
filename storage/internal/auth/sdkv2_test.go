package auth

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ossv2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

// v2Client returns a v2 SDK client for f ("path": 127.0.0.1 endpoint,
// automatically path style; "virtual": <bucket>.oss.test).
func v2Client(f *fakeOSS, ver ossv2.SignatureVersionType, style, ak, secret string) *ossv2.Client {
	endpoint := "http://" + f.addr()
	if style == "virtual" {
		endpoint = "http://" + testDomain + ":" + f.port()
	}
	cfg := ossv2.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(ak, secret)).
		WithRegion(testRegion).
		WithEndpoint(endpoint).
		WithSignatureVersion(ver).
		WithRetryMaxAttempts(1).
		WithHttpClient(f.client()).
		WithAdditionalHeaders([]string{"X-Custom", "host", "Cache-Control"})
	return ossv2.NewClient(cfg)
}

var v2Versions = []ossv2.SignatureVersionType{ossv2.SignatureVersionV1, ossv2.SignatureVersionV4}

func v2Scheme(ver ossv2.SignatureVersionType) Scheme {
	if ver == ossv2.SignatureVersionV4 {
		return SchemeV4
	}
	return SchemeV1
}

func TestSDKv2ClientAccepted(t *testing.T) {
	f := startFakeOSS(t, NewVerifier(Config{Lookup: testKeys}))
	ctx := context.Background()
	for _, ver := range v2Versions {
		for _, style := range []string{"path", "virtual"} {
			t.Run(ver.String()+"/"+style, func(t *testing.T) {
				c := v2Client(f, ver, style, testAK, testSecret)
				do := func(what string, fn func() error) []seen {
					t.Helper()
					if err := fn(); err != nil {
						f.take()
						t.Fatalf("%s: %v", what, err)
					}
					got := f.expectAll(t, what, nil)
					for _, s := range got {
						if s.res.Scheme != v2Scheme(ver) || s.res.Principal.AccessKeyID != testAK {
							t.Fatalf("%s: %v", what, s)
						}
					}
					return got
				}
				b := ptr("bkt")
				do("ListBuckets", func() error { _, err := c.ListBuckets(ctx, &ossv2.ListBucketsRequest{Prefix: ptr("b k")}); return err })
				do("PutBucket", func() error { _, err := c.PutBucket(ctx, &ossv2.PutBucketRequest{Bucket: b}); return err })
				do("GetBucketAcl", func() error { _, err := c.GetBucketAcl(ctx, &ossv2.GetBucketAclRequest{Bucket: b}); return err })
				do("ListObjects", func() error {
					_, err := c.ListObjects(ctx, &ossv2.ListObjectsRequest{Bucket: b, Prefix: ptr("a b/+"), Delimiter: ptr("/"), Marker: ptr("m%n")})
					return err
				})
				do("ListObjectsV2", func() error {
					_, err := c.ListObjectsV2(ctx, &ossv2.ListObjectsV2Request{Bucket: b, ContinuationToken: ptr("tok/+= en"), StartAfter: ptr("s")})
					return err
				})
				for _, key := range tortureKeys {
					k := ptr(key)
					got := do("PutObject "+key, func() error {
						req := &ossv2.PutObjectRequest{Bucket: b, Key: k, Body: strings.NewReader("hello"),
							Metadata: map[string]string{"Color": "Blue Sky"}, CacheControl: ptr("no-cache"), Acl: ossv2.ObjectACLPrivate}
						_, err := c.PutObject(ctx, req)
						return err
					})
					// The v2 SDK lists only present, not default-signed
					// headers, and never host.
					if ver == ossv2.SignatureVersionV4 && !strings.Contains(got[0].authz, ",AdditionalHeaders=cache-control,") {
						t.Fatalf("PutObject Authorization %q lacks AdditionalHeaders", got[0].authz)
					}
					do("GetObject "+key, func() error {
						res, err := c.GetObject(ctx, &ossv2.GetObjectRequest{Bucket: b, Key: k, ResponseContentType: ptr("text/a b+c"),
							ResponseContentDisposition: ptr(`attachment; filename="x y.txt"`), Process: ptr("image/resize,w_100"), VersionId: ptr("null")})
						if err != nil {
							return err
						}
						defer func() { _ = res.Body.Close() }()
						_, err = io.ReadAll(res.Body)
						return err
					})
					do("HeadObject "+key, func() error { _, err := c.HeadObject(ctx, &ossv2.HeadObjectRequest{Bucket: b, Key: k}); return err })
					do("GetObjectMeta "+key, func() error {
						_, err := c.GetObjectMeta(ctx, &ossv2.GetObjectMetaRequest{Bucket: b, Key: k})
						return err
					})
					do("AppendObject "+key, func() error {
						_, err := c.AppendObject(ctx, &ossv2.AppendObjectRequest{Bucket: b, Key: k, Position: ptr(int64(0)), Body: strings.NewReader("abc")})
						return err
					})
					do("CopyObject "+key, func() error {
						_, err := c.CopyObject(ctx, &ossv2.CopyObjectRequest{Bucket: b, Key: ptr(key + ".copy"), SourceKey: k, MetadataDirective: ptr("REPLACE")})
						return err
					})
					do("DeleteObject "+key, func() error { _, err := c.DeleteObject(ctx, &ossv2.DeleteObjectRequest{Bucket: b, Key: k}); return err })
					do("DeleteMultipleObjects "+key, func() error {
						_, err := c.DeleteMultipleObjects(ctx, &ossv2.DeleteMultipleObjectsRequest{Bucket: b,
							Objects: []ossv2.DeleteObject{{Key: k}, {Key: ptr("other")}}})
						return err
					})
				}
			})
		}
	}
}

func TestSDKv2Presign(t *testing.T) {
	f := startFakeOSS(t, NewVerifier(Config{Lookup: testKeys}))
	ctx := context.Background()
	hc := f.client()
	send := func(t *testing.T, method, u string, hdr map[string]string, body string) int {
		t.Helper()
		req, err := http.NewRequest(method, u, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	for _, ver := range v2Versions {
		for _, style := range []string{"path", "virtual"} {
			t.Run(ver.String()+"/"+style, func(t *testing.T) {
				c := v2Client(f, ver, style, testAK, testSecret)
				for _, key := range tortureKeys {
					get, err := c.Presign(ctx, &ossv2.GetObjectRequest{Bucket: ptr("bkt"), Key: ptr(key), ResponseContentType: ptr("text/plain")},
						ossv2.PresignExpires(10*time.Minute))
					if err != nil {
						t.Fatalf("Presign GET %q: %v", key, err)
					}
					if code := send(t, get.Method, get.URL, get.SignedHeaders, ""); code != http.StatusOK {
						t.Fatalf("GET %s: %d: %v", get.URL, code, f.take())
					}
					got := f.expectAll(t, "presigned GET "+key, nil)
					if got[0].key != key || !got[0].res.Presigned || got[0].res.Scheme != v2Scheme(ver) {
						t.Fatalf("presigned GET %q: %v", key, got[0])
					}

					put, err := c.Presign(ctx, &ossv2.PutObjectRequest{Bucket: ptr("bkt"), Key: ptr(key), ContentType: ptr("text/plain"),
						Metadata: map[string]string{"a": "b c"}})
					if err != nil {
						t.Fatalf("Presign PUT %q: %v", key, err)
					}
					if put.SignedHeaders["Content-Type"] != "text/plain" {
						t.Fatalf("SignedHeaders = %v", put.SignedHeaders)
					}
					if code := send(t, put.Method, put.URL, put.SignedHeaders, "data"); code != http.StatusOK {
						t.Fatalf("PUT %s: %d: %v", put.URL, code, f.take())
					}
					f.expectAll(t, "presigned PUT "+key, nil)

					tampered := map[string]string{}
					for k, v := range put.SignedHeaders {
						tampered[k] = v
					}
					tampered["Content-Type"] = "image/png"
					if code := send(t, put.Method, put.URL, tampered, "data"); code != http.StatusForbidden {
						t.Fatalf("tampered PUT: %d", code)
					}
					f.expectAll(t, "tampered presigned PUT "+key, ErrSignatureMismatch)
				}
				// A presigned PUT without Content-Type becomes invalid once
				// the user adds an (unsigned) Content-Type.
				bare, _ := c.Presign(ctx, &ossv2.PutObjectRequest{Bucket: ptr("bkt"), Key: ptr("k")})
				if code := send(t, bare.Method, bare.URL, map[string]string{"Content-Type": "text/plain"}, "x"); code != http.StatusForbidden {
					t.Fatalf("unsigned Content-Type: %d", code)
				}
				f.expectAll(t, "presigned PUT with an unsigned Content-Type", ErrSignatureMismatch)
			})
		}
	}
}

func TestSDKv2Rejected(t *testing.T) {
	skewed := NewVerifier(Config{Lookup: testKeys, Now: func() time.Time { return time.Now().Add(-16 * time.Minute) }})
	tests := []struct {
		name       string
		v          *Verifier
		ak, secret string
		want       error
	}{
		{"wrong secret", NewVerifier(Config{Lookup: testKeys}), testAK, "not-the-secret", ErrSignatureMismatch},
		{"unknown key", NewVerifier(Config{Lookup: testKeys}), "LTAIunknown", testSecret, ErrInvalidAccessKeyID},
		{"clock 16 min behind", skewed, testAK, testSecret, ErrRequestTimeTooSkewed},
	}
	ctx := context.Background()
	for _, tc := range tests {
		for _, ver := range v2Versions {
			t.Run(tc.name+"/"+ver.String(), func(t *testing.T) {
				f := startFakeOSS(t, tc.v)
				c := v2Client(f, ver, "path", tc.ak, tc.secret)
				if _, err := c.PutObject(ctx, &ossv2.PutObjectRequest{Bucket: ptr("bkt"), Key: ptr("k"), Body: strings.NewReader("x")}); err == nil {
					t.Fatal("PutObject succeeded")
				}
				f.expectAll(t, "PutObject", tc.want)

				// Presigned URLs: only the expiry counts for V1; a V4 URL
				// signed (by the client clock) 16 minutes in the server's
				// future is refused.
				u, err := c.Presign(ctx, &ossv2.GetObjectRequest{Bucket: ptr("bkt"), Key: ptr("k")}, ossv2.PresignExpires(time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				resp, err := f.client().Get(u.URL)
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				want := tc.want
				if tc.v == skewed && ver == ossv2.SignatureVersionV1 {
					want = nil
				}
				f.expectAll(t, "presigned GET", want)
			})
		}
	}
}
