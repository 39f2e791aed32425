package storage

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/koss-io/koss/test/kossdproc"
)

// Bucket ACLs changed after creation, black box against a real kossd (one
// node, or a Region with KOSS_TEST_NODES=3): whatever dialect sets it, a
// bucket's new ACL must decide what anonymous plain HTTP requests may do
// from the next request on, on whichever node serves them; an object's
// own ACL other than default must still win over the bucket's.

// anonStatus sends an unsigned request and returns its status.
func anonStatus(t *testing.T, method, path string, body []byte) int {
	t.Helper()
	var res *http.Response
	var err error
	switch method {
	case http.MethodGet:
		res, err = http.Get(node.Endpoint() + path)
	case http.MethodHead:
		res, err = http.Head(node.Endpoint() + path)
	default:
		var req *http.Request
		req, err = http.NewRequest(method, node.Endpoint()+path, bytes.NewReader(body))
		if err == nil {
			res, err = http.DefaultClient.Do(req)
		}
	}
	if err != nil {
		t.Fatalf("anonymous %s %s: %v", method, path, err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}

func wantAnon(t *testing.T, method, path string, body []byte, want int) {
	t.Helper()
	if got := anonStatus(t, method, path, body); got != want {
		t.Errorf("anonymous %s %s: %d, want %d", method, path, got, want)
	}
}

// checkAnonymousEffect walks a bucket through public-read,
// public-read-write and back to private with set, checking what anonymous
// requests may do after each.
func checkAnonymousEffect(t *testing.T, bucket string, set func(acl string)) {
	p := "/" + bucket + "/obj"
	wantAnon(t, http.MethodGet, p, nil, 403)

	set("public-read")
	wantAnon(t, http.MethodGet, p, nil, 200)
	wantAnon(t, http.MethodHead, p, nil, 200)
	wantAnon(t, http.MethodPut, p, []byte("anon"), 403)
	wantAnon(t, http.MethodDelete, p, nil, 403)

	set("public-read-write")
	wantAnon(t, http.MethodPut, "/"+bucket+"/anon", []byte("anon"), 200)
	wantAnon(t, http.MethodGet, "/"+bucket+"/anon", nil, 200)
	wantAnon(t, http.MethodDelete, "/"+bucket+"/anon", nil, 204)

	set("private")
	wantAnon(t, http.MethodGet, p, nil, 403)
	wantAnon(t, http.MethodHead, p, nil, 403)
	wantAnon(t, http.MethodPut, "/"+bucket+"/anon", []byte("anon"), 403)
}

func TestBucketACLWithV2SDK(t *testing.T) {
	ctx := context.Background()
	c := v2Root(oss.SignatureVersionV4)
	bucket := v2MakeBucket(t, c)
	v2Put(t, c, bucket, "obj", []byte("data"))
	set := func(acl string) {
		t.Helper()
		if _, err := c.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: oss.Ptr(bucket), Acl: oss.BucketACLType(acl)}); err != nil {
			t.Fatalf("PutBucketAcl %s: %v", acl, err)
		}
		got, err := c.GetBucketAcl(ctx, &oss.GetBucketAclRequest{Bucket: oss.Ptr(bucket)})
		if err != nil || oss.ToString(got.ACL) != acl {
			t.Fatalf("GetBucketAcl after %s: %v, %v", acl, got, err)
		}
		info, err := c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(bucket)})
		if err != nil || oss.ToString(info.BucketInfo.ACL) != acl {
			t.Fatalf("GetBucketInfo after %s: %v, %v", acl, info, err)
		}
	}
	checkAnonymousEffect(t, bucket, set)

	// An invalid value is refused and changes nothing.
	_, err := c.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: oss.Ptr(bucket), Acl: "public"})
	requireV2Code(t, err, "InvalidArgument", 400)
	wantAnon(t, http.MethodGet, "/"+bucket+"/obj", nil, 403)

	// In a public-read bucket an object's private ACL wins; default follows
	// the bucket.
	set("public-read")
	v2Put(t, c, bucket, "closed", []byte("x"))
	for acl, want := range map[oss.ObjectACLType]int{oss.ObjectACLPrivate: 403, oss.ObjectACLDefault: 200} {
		if _, err := c.PutObjectAcl(ctx, &oss.PutObjectAclRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("closed"), Acl: acl}); err != nil {
			t.Fatalf("PutObjectAcl %s: %v", acl, err)
		}
		wantAnon(t, http.MethodGet, "/"+bucket+"/closed", nil, want)
		wantAnon(t, http.MethodHead, "/"+bucket+"/closed", nil, want)
	}
	set("private")
	wantAnon(t, http.MethodGet, "/"+bucket+"/closed", nil, 403)
}

func TestBucketACLWithS3SDK(t *testing.T) {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(kossdproc.Region),
		config.WithCredentialsProvider(awscreds.NewStaticCredentialsProvider(kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret, "")),
		config.WithRetryMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(node.Endpoint())
		o.UsePathStyle = true
		o.HTTPClient = http.DefaultClient
	})
	bucket := newBucketName(t)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("obj"), Body: bytes.NewReader([]byte("data"))}); err != nil {
		t.Fatal(err)
	}
	grants := map[string]int{"private": 1, "public-read": 2, "public-read-write": 3}
	set := func(acl string) {
		t.Helper()
		if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String(bucket), ACL: types.BucketCannedACL(acl)}); err != nil {
			t.Fatalf("PutBucketAcl %s: %v", acl, err)
		}
		got, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(bucket)})
		if err != nil || len(got.Grants) != grants[acl] {
			t.Fatalf("GetBucketAcl after %s: %+v, %v", acl, got, err)
		}
	}
	// The typed constant the brief names, then the walk.
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String(bucket), ACL: types.BucketCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	wantAnon(t, http.MethodGet, "/"+bucket+"/obj", nil, 200)
	set("private")
	checkAnonymousEffect(t, bucket, set)

	// What kossd cannot grant is 501 and changes nothing.
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String(bucket), ACL: types.BucketCannedACLAuthenticatedRead})
	var ae smithy.APIError
	var re *smithyhttp.ResponseError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NotImplemented" || !errors.As(err, &re) || re.HTTPStatusCode() != 501 {
		t.Fatalf("PutBucketAcl authenticated-read: %v, want 501 NotImplemented", err)
	}
	wantAnon(t, http.MethodGet, "/"+bucket+"/obj", nil, 403)
}
