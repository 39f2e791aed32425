package storage

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	v1 "github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/koss-io/koss/test/kossdproc"
)

// browserRequest sends what a browser sends, unsigned: a preflight
// (OPTIONS with Origin, Access-Control-Request-Method and, when given,
// -Headers) or an actual cross-origin request (any other method, with
// Origin).
func browserRequest(t *testing.T, endpoint, method, path, origin, reqMethod, reqHeaders string) browserResp {
	t.Helper()
	req, err := http.NewRequest(method, endpoint+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", origin)
	if reqMethod != "" {
		req.Header.Set("Access-Control-Request-Method", reqMethod)
	}
	if reqHeaders != "" {
		req.Header.Set("Access-Control-Request-Headers", reqHeaders)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return browserResp{res.StatusCode, res.Header, body}
}

// browserResp is what a browser request got back.
type browserResp struct {
	status int
	header http.Header
	body   []byte
}

// wantPreflightRefused checks a 403 AccessForbidden preflight without
// CORS headers.
func wantPreflightRefused(t *testing.T, r browserResp) {
	t.Helper()
	status, hdr, body := r.status, r.header, r.body
	if status != http.StatusForbidden || !strings.Contains(string(body), "<Code>AccessForbidden</Code>") ||
		!strings.Contains(string(body), "CORSResponse: This CORS request is not allowed.") {
		t.Fatalf("preflight: %d %s, want 403 AccessForbidden", status, body)
	}
	if hdr.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("a refused preflight has Access-Control-Allow-Origin %q", hdr.Get("Access-Control-Allow-Origin"))
	}
}

// TestCorsV2SDK: rules set with the v2 SDK's PutBucketCors read back with
// GetBucketCors; a browser's preflight from an allowed origin gets the
// headers (and the SDK's own OptionObject 200), one from another origin
// 403; an actual GET with Origin gets Allow-Origin; bad documents change
// nothing; after DeleteBucketCors every preflight is 403 and GetBucketCors
// 404 NoSuchCORSConfiguration.
func TestCorsV2SDK(t *testing.T) {
	for name, version := range v2Versions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := v2Root(version)
			bucket := v2MakeBucket(t, c)
			v2Put(t, c, bucket, "obj", []byte("hello cors"))
			_, err := c.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: oss.Ptr(bucket)})
			requireV2Code(t, err, "NoSuchCORSConfiguration", 404)

			cfg := &oss.CORSConfiguration{ResponseVary: oss.Ptr(true), CORSRules: []oss.CORSRule{
				{AllowedOrigins: []string{"https://app.example"}, AllowedMethods: []string{"PUT", "GET", "POST"},
					AllowedHeaders: []string{"x-oss-*", "content-type", "authorization"}, ExposeHeaders: []string{"ETag", "x-oss-request-id"},
					MaxAgeSeconds: oss.Ptr(int64(600))},
				{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"HEAD"}},
			}}
			if _, err := c.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: oss.Ptr(bucket), CORSConfiguration: cfg}); err != nil {
				t.Fatal(err)
			}
			check := func(when string) {
				t.Helper()
				res, err := c.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: oss.Ptr(bucket)})
				if err != nil {
					t.Fatalf("%s: GetBucketCors: %v", when, err)
				}
				got := res.CORSConfiguration
				if got == nil || len(got.CORSRules) != 2 || got.ResponseVary == nil || !*got.ResponseVary {
					t.Fatalf("%s: GetBucketCors = %+v", when, got)
				}
				r := got.CORSRules[0]
				if strings.Join(r.AllowedOrigins, ",") != "https://app.example" || strings.Join(r.AllowedMethods, ",") != "PUT,GET,POST" ||
					strings.Join(r.AllowedHeaders, ",") != "x-oss-*,content-type,authorization" ||
					strings.Join(r.ExposeHeaders, ",") != "ETag,x-oss-request-id" || r.MaxAgeSeconds == nil || *r.MaxAgeSeconds != 600 {
					t.Fatalf("%s: first rule = %+v", when, r)
				}
				if r := got.CORSRules[1]; strings.Join(r.AllowedOrigins, ",") != "*" || r.MaxAgeSeconds != nil {
					t.Fatalf("%s: second rule = %+v", when, r)
				}
			}
			check("after PutBucketCors")

			// A browser's preflight of an upload from the allowed origin.
			pre := browserRequest(t, node.Endpoint(), "OPTIONS", "/"+bucket+"/upload.bin", "https://app.example", "PUT",
				"authorization,content-type,x-oss-date,x-oss-content-sha256")
			status, hdr, body := pre.status, pre.header, pre.body
			if status != 200 || len(body) != 0 {
				t.Fatalf("preflight: %d %s", status, body)
			}
			for k, v := range map[string]string{
				"Access-Control-Allow-Origin":   "https://app.example",
				"Access-Control-Allow-Methods":  "PUT, GET, POST",
				"Access-Control-Allow-Headers":  "authorization, content-type, x-oss-date, x-oss-content-sha256",
				"Access-Control-Expose-Headers": "ETag, x-oss-request-id",
				"Access-Control-Max-Age":        "600",
				"Vary":                          "Origin",
			} {
				if got := hdr.Get(k); got != v {
					t.Errorf("preflight %s = %q, want %q", k, got, v)
				}
			}
			// The SDK's own OptionObject (signed, which the preflight
			// ignores).
			opt, err := c.OptionObject(ctx, &oss.OptionObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("obj"),
				Origin: oss.Ptr("https://app.example"), AccessControlRequestMethod: oss.Ptr("GET")})
			if err != nil || oss.ToString(opt.AccessControlAllowOrigin) != "https://app.example" || opt.AccessControlMaxAge == nil ||
				*opt.AccessControlMaxAge != 600 {
				t.Fatalf("OptionObject = %+v, %v", opt, err)
			}
			// Another origin, a method or a header no rule allows.
			wantPreflightRefused(t, browserRequest(t, node.Endpoint(), "OPTIONS", "/"+bucket+"/obj", "https://evil.example", "PUT", ""))
			wantPreflightRefused(t, browserRequest(t, node.Endpoint(), "OPTIONS", "/"+bucket+"/obj", "https://app.example", "DELETE", ""))
			wantPreflightRefused(t, browserRequest(t, node.Endpoint(), "OPTIONS", "/"+bucket+"/obj", "https://app.example", "PUT", "x-custom"))
			_, err = c.OptionObject(ctx, &oss.OptionObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("obj"),
				Origin: oss.Ptr("https://evil.example"), AccessControlRequestMethod: oss.Ptr("GET")})
			requireV2Code(t, err, "AccessForbidden", 403)
			// Any origin may HEAD: the answer is *.
			if r := browserRequest(t, node.Endpoint(), "OPTIONS", "/"+bucket, "https://other.example", "HEAD", ""); r.status != 200 ||
				r.header.Get("Access-Control-Allow-Origin") != "*" {
				t.Fatalf("HEAD preflight from any origin: %d %v", r.status, r.header)
			}
			// A preflight never returns the object or a listing.
			for _, path := range []string{"/" + bucket + "/obj", "/" + bucket + "/", "/" + bucket + "/?list-type=2"} {
				r := browserRequest(t, node.Endpoint(), "OPTIONS", path, "https://app.example", "GET", "")
				if r.status != 200 || len(r.body) != 0 {
					t.Fatalf("OPTIONS %s: %d %q", path, r.status, r.body)
				}
			}

			// An actual GET with the allowed origin (signed by the app)
			// gets Allow-Origin; an unsigned one is refused but still
			// readable by the browser.
			var getHdr http.Header
			get, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("obj"),
				RequestCommon: oss.RequestCommon{Headers: map[string]string{"Origin": "https://app.example"}}})
			if err != nil {
				t.Fatal(err)
			}
			_ = get.Body.Close()
			getHdr = get.Headers
			if getHdr.Get("Access-Control-Allow-Origin") != "https://app.example" || getHdr.Get("Access-Control-Expose-Headers") != "ETag, x-oss-request-id" {
				t.Fatalf("GET with Origin: %v", getHdr)
			}
			r := browserRequest(t, node.Endpoint(), "GET", "/"+bucket+"/obj", "https://app.example", "", "")
			status, hdr, body = r.status, r.header, r.body
			if status != 403 || hdr.Get("Access-Control-Allow-Origin") != "https://app.example" || strings.Contains(string(body), "hello cors") {
				t.Fatalf("unsigned GET with Origin: %d %v %s", status, hdr, body)
			}

			// Bad documents change nothing.
			for name, bad := range map[string]*oss.CORSConfiguration{
				"bad method":    {CORSRules: []oss.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}}},
				"two wildcards": {CORSRules: []oss.CORSRule{{AllowedOrigins: []string{"https://*.*.example"}, AllowedMethods: []string{"GET"}}}},
				"no origin":     {CORSRules: []oss.CORSRule{{AllowedMethods: []string{"GET"}}}},
				"eleven rules":  {CORSRules: make([]oss.CORSRule, 11)},
			} {
				if name == "eleven rules" {
					for i := range bad.CORSRules {
						bad.CORSRules[i] = oss.CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}
					}
				}
				_, err := c.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: oss.Ptr(bucket), CORSConfiguration: bad})
				requireV2Code(t, err, "InvalidArgument", 400)
			}
			_, err = c.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: oss.Ptr(bucket), CORSConfiguration: &oss.CORSConfiguration{}})
			requireV2Code(t, err, "MalformedXML", 400)
			check("after bad documents")

			if _, err := c.DeleteBucketCors(ctx, &oss.DeleteBucketCorsRequest{Bucket: oss.Ptr(bucket)}); err != nil {
				t.Fatal(err)
			}
			_, err = c.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: oss.Ptr(bucket)})
			requireV2Code(t, err, "NoSuchCORSConfiguration", 404)
			wantPreflightRefused(t, browserRequest(t, node.Endpoint(), "OPTIONS", "/"+bucket+"/obj", "https://app.example", "PUT", ""))
			if r := browserRequest(t, node.Endpoint(), "GET", "/"+bucket+"/obj", "https://app.example", "", ""); r.header.Get("Access-Control-Allow-Origin") != "" {
				t.Fatalf("GET after DeleteBucketCors has Allow-Origin %q", r.header.Get("Access-Control-Allow-Origin"))
			}
			_, err = c.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: oss.Ptr(bucket + "-missing"), CORSConfiguration: cfg})
			requireV2Code(t, err, "NoSuchBucket", 404)
		})
	}
}

// TestCorsV1SDK follows the v1 SDK's own TestSetBucketCORS,
// TestDeleteBucketCORS and TestOptionsMethod sequences: set, double set,
// replace, two rules, the XML round trip, ResponseVary, delete (also of
// none), and OptionsMethod allowed and refused.
func TestCorsV1SDK(t *testing.T) {
	for name, version := range v1Versions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := v1Client(t, version, kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
			b := v1MakeBucket(t, c)
			bucket := b.BucketName
			rule1 := v1.CORSRule{AllowedOrigin: []string{"*"}, AllowedMethod: []string{"PUT", "GET", "POST"}, MaxAgeSeconds: 100}
			rule2 := v1.CORSRule{AllowedOrigin: []string{"http://www.a.com", "http://www.b.com"}, AllowedMethod: []string{"GET"},
				AllowedHeader: []string{"Authorization"}, ExposeHeader: []string{"x-oss-test", "x-oss-test1"}, MaxAgeSeconds: 200}
			if err := c.DeleteBucketCORS(bucket); err != nil {
				t.Fatalf("DeleteBucketCORS of none: %v", err)
			}
			for range 2 {
				if err := c.SetBucketCORS(bucket, []v1.CORSRule{rule1}); err != nil {
					t.Fatal(err)
				}
				res, err := c.GetBucketCORS(bucket)
				if err != nil || len(res.CORSRules) != 1 || len(res.CORSRules[0].AllowedMethod) != 3 ||
					len(res.CORSRules[0].AllowedHeader) != 0 || res.CORSRules[0].MaxAgeSeconds != 100 {
					t.Fatalf("GetBucketCORS = %+v, %v", res, err)
				}
			}
			if err := c.SetBucketCORS(bucket, []v1.CORSRule{rule2}); err != nil {
				t.Fatal(err)
			}
			res, err := c.GetBucketCORS(bucket)
			if err != nil || len(res.CORSRules) != 1 || len(res.CORSRules[0].AllowedOrigin) != 2 || len(res.CORSRules[0].ExposeHeader) != 2 ||
				res.CORSRules[0].MaxAgeSeconds != 200 {
				t.Fatalf("GetBucketCORS after rule2 = %+v, %v", res, err)
			}
			if err := c.SetBucketCORS(bucket, []v1.CORSRule{rule1, rule2}); err != nil {
				t.Fatal(err)
			}
			xmlBody, err := c.GetBucketCORSXml(bucket)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.SetBucketCORSXml(bucket, xmlBody); err != nil {
				t.Fatalf("SetBucketCORSXml of GetBucketCORSXml's answer: %v", err)
			}
			vary := true
			if err := c.SetBucketCORSV2(bucket, v1.PutBucketCORS{CORSRules: []v1.CORSRule{rule1, rule2}, ResponseVary: &vary}); err != nil {
				t.Fatal(err)
			}
			res, err = c.GetBucketCORS(bucket)
			if err != nil || len(res.CORSRules) != 2 || res.ResponseVary == nil || !*res.ResponseVary {
				t.Fatalf("GetBucketCORS after SetBucketCORSV2 = %+v, %v", res, err)
			}

			// OptionsMethod, as TestOptionsMethod calls it.
			if err := c.SetBucketCORS(bucket, []v1.CORSRule{{AllowedOrigin: []string{"www.aliyun.com"}, AllowedMethod: []string{"PUT", "GET", "POST"},
				AllowedHeader: []string{"x-oss-meta-author"}, ExposeHeader: []string{"x-oss-meta-name"}, MaxAgeSeconds: 100}}); err != nil {
				t.Fatal(err)
			}
			hdr, err := b.OptionsMethod("", v1.Origin("www.aliyun.com"), v1.ACReqMethod("PUT"), v1.ACReqHeaders("x-oss-meta-author"))
			if err != nil || hdr.Get("Access-Control-Allow-Origin") != "www.aliyun.com" || hdr.Get("Access-Control-Expose-Headers") != "x-oss-meta-name" {
				t.Fatalf("OptionsMethod = %v, %v", hdr, err)
			}
			_, err = b.OptionsMethod("", v1.Origin("www.aliyun.com"), v1.ACReqMethod("PUT"), v1.ACReqHeaders("x-oss-meta-author-1"))
			requireV1Code(t, err, "AccessForbidden", 403)

			if err := c.DeleteBucketCORS(bucket); err != nil {
				t.Fatal(err)
			}
			_, err = c.GetBucketCORS(bucket)
			requireV1Code(t, err, "NoSuchCORSConfiguration", 404)
			_, err = b.OptionsMethod("obj", v1.Origin("www.aliyun.com"), v1.ACReqMethod("PUT"))
			requireV1Code(t, err, "AccessForbidden", 403)
			if err := c.DeleteBucketCORS(bucket); err != nil {
				t.Fatalf("DeleteBucketCORS after delete: %v", err)
			}
			// A missing bucket.
			_, err = c.GetBucketCORS(bucket + "-missing")
			requireV1Code(t, err, "NoSuchBucket", 404)
			requireV1Code(t, c.DeleteBucketCORS(bucket+"-missing"), "NoSuchBucket", 404)
			requireV1Code(t, c.SetBucketCORS(bucket+"-missing", []v1.CORSRule{rule1}), "NoSuchBucket", 404)
		})
	}
}

// TestCorsSurvivesRestart: the rules are part of the bucket record: a
// restarted node still answers preflights by them.
func TestCorsSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p, err := kossdproc.Start(ctx, kossdproc.Options{Binary: kossdBin, DataDir: filepath.Join(dir, "data"),
		LogPath: filepath.Join(dir, "kossd.log")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	cfg := oss.LoadDefaultConfig().WithCredentialsProvider(rootCreds()).WithRegion(kossdproc.Region).
		WithEndpoint(p.Endpoint()).WithUsePathStyle(true).WithRetryMaxAttempts(1)
	c := oss.NewClient(cfg)
	bucket := v2MakeBucket(t, c)
	if _, err := c.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: oss.Ptr(bucket), CORSConfiguration: &oss.CORSConfiguration{
		CORSRules: []oss.CORSRule{{AllowedOrigins: []string{"https://app.example"}, AllowedMethods: []string{"PUT"}}}}}); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	if err := p.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	r := browserRequest(t, p.Endpoint(), "OPTIONS", "/"+bucket+"/k", "https://app.example", "PUT", "")
	status, hdr, body := r.status, r.header, r.body
	if status != 200 || hdr.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("preflight after a restart: %d %v %s", status, hdr, body)
	}
	res, err := c.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: oss.Ptr(bucket)})
	if err != nil || res.CORSConfiguration == nil || len(res.CORSConfiguration.CORSRules) != 1 {
		t.Fatalf("GetBucketCors after a restart = %+v, %v", res, err)
	}
}
