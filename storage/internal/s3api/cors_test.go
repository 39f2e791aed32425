package s3api

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/koss-io/koss/storage/internal/object"
)

// TestSDKCors: Put/Get/DeleteBucketCors with aws-sdk-go-v2 share the
// engine's rules with the OSS dialect; GET of a bucket without rules is
// 404 NoSuchCORSConfiguration; rules outside OSS's limits are 400
// InvalidArgument and change nothing; only root changes them; actual
// requests with an allowed Origin carry Access-Control-Allow-Origin.
func TestSDKCors(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	_, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("bkt")})
	wantCode(t, "GetBucketCors of none", err, "NoSuchCORSConfiguration", 404)

	rules := []types.CORSRule{
		{ID: aws.String("ignored"), AllowedOrigins: []string{"https://app.example"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(60)},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"HEAD"}},
	}
	must[*s3.PutBucketCorsOutput](t, "PutBucketCors")(c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("bkt"),
		CORSConfiguration: &types.CORSConfiguration{CORSRules: rules}}))
	check := func(when string) {
		t.Helper()
		out := must[*s3.GetBucketCorsOutput](t, "GetBucketCors")(c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("bkt")}))
		if len(out.CORSRules) != 2 || strings.Join(out.CORSRules[0].AllowedMethods, ",") != "GET,PUT" ||
			aws.ToInt32(out.CORSRules[0].MaxAgeSeconds) != 60 || out.CORSRules[1].AllowedOrigins[0] != "*" {
			t.Fatalf("%s: GetBucketCors = %+v", when, out.CORSRules)
		}
	}
	check("after PutBucketCors")
	info, err := e.store.GetBucket(ctx, "bkt")
	if err != nil || info.CORS == nil || info.CORS.Rules[0].AllowedOrigins[0] != "https://app.example" {
		t.Fatalf("the engine's rules = %+v, %v", info.CORS, err)
	}

	for name, bad := range map[string][]types.CORSRule{
		"bad method":    {{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}},
		"two wildcards": {{AllowedOrigins: []string{"https://*.*"}, AllowedMethods: []string{"GET"}}},
	} {
		_, err := c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String("bkt"), CORSConfiguration: &types.CORSConfiguration{CORSRules: bad}})
		wantCode(t, name, err, "InvalidArgument", 400)
	}
	check("after bad documents")
	e.addKey("rw", map[string]object.Access{"bkt": object.AccessReadWrite})
	_, err = e.sdk("rw", "rw-secret", false).DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String("bkt")})
	wantCode(t, "DeleteBucketCors by a non-root key", err, "AccessDenied", 403)

	// An actual request with an allowed Origin: refused (unsigned), but
	// readable by the browser.
	req, _ := http.NewRequest(http.MethodGet, e.endpoint(false)+"/bkt/k", nil)
	req.Header.Set("Origin", "https://app.example")
	res, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if res.StatusCode != 403 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		res.Header.Get("Access-Control-Expose-Headers") != "ETag" {
		t.Fatalf("GET with Origin: %d %v", res.StatusCode, res.Header)
	}

	must[*s3.DeleteBucketCorsOutput](t, "DeleteBucketCors")(c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String("bkt")}))
	_, err = c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("bkt")})
	wantCode(t, "GetBucketCors after delete", err, "NoSuchCORSConfiguration", 404)
}
