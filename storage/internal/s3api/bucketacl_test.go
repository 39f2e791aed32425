package s3api

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/koss-io/koss/storage/internal/object"
)

// TestSDKPutBucketACL: PutBucketAcl with a canned x-amz-acl must change
// what GetBucketAcl reports and what anonymous requests may do, from the
// next request on; canned ACLs a bucket cannot have here and grant lists
// are 501 and change nothing; only root may set it.
func TestSDKPutBucketACL(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader([]byte("x"))}))
	anon := func(method, path string, body []byte) int {
		req, _ := http.NewRequestWithContext(ctx, method, e.srv.URL+path, bytes.NewReader(body))
		req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
		res, err := e.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		return res.StatusCode
	}
	set := func(acl types.BucketCannedACL) {
		t.Helper()
		must[*s3.PutBucketAclOutput](t, "PutBucketAcl "+string(acl))(c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("bkt"), ACL: acl}))
	}
	grants := func() int {
		t.Helper()
		out := must[*s3.GetBucketAclOutput](t, "GetBucketAcl")(c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("bkt")}))
		return len(out.Grants)
	}
	wantStatus := func(what string, got, want int) {
		t.Helper()
		if got != want {
			t.Errorf("%s: %d, want %d", what, got, want)
		}
	}
	wantStatus("anonymous GET in a private bucket", anon("GET", "/bkt/k", nil), 403)

	set(types.BucketCannedACLPublicRead)
	if n := grants(); n != 2 {
		t.Errorf("public-read: %d grants, want 2", n)
	}
	wantStatus("anonymous GET in public-read", anon("GET", "/bkt/k", nil), 200)
	wantStatus("anonymous PUT in public-read", anon("PUT", "/bkt/a", []byte("y")), 403)

	set(types.BucketCannedACLPublicReadWrite)
	if n := grants(); n != 3 {
		t.Errorf("public-read-write: %d grants, want 3", n)
	}
	wantStatus("anonymous PUT in public-read-write", anon("PUT", "/bkt/a", []byte("y")), 200)
	wantStatus("anonymous DELETE in public-read-write", anon("DELETE", "/bkt/a", nil), 204)

	set(types.BucketCannedACLPrivate)
	if n := grants(); n != 1 {
		t.Errorf("private: %d grants, want 1", n)
	}
	wantStatus("anonymous GET after private", anon("GET", "/bkt/k", nil), 403)

	// Refused, and the bucket stays private.
	_, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("bkt"), ACL: types.BucketCannedACLAuthenticatedRead})
	wantCode(t, "authenticated-read", err, "NotImplemented", 501)
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("bkt"), ACL: "bucket-owner-full-control"})
	wantCode(t, "bucket-owner-full-control", err, "NotImplemented", 501)
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("bkt"), ACL: "everyone"})
	wantCode(t, "invalid canned ACL", err, "InvalidArgument", 400)
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("bkt"), AccessControlPolicy: &types.AccessControlPolicy{
		Owner: &types.Owner{ID: aws.String("x")},
		Grants: []types.Grant{{Permission: types.PermissionRead,
			Grantee: &types.Grantee{Type: types.TypeGroup, URI: aws.String("http://acs.amazonaws.com/groups/global/AllUsers")}}},
	}})
	wantCode(t, "grant body", err, "NotImplemented", 501)
	if n := grants(); n != 1 {
		t.Errorf("a refused PutBucketAcl changed the ACL: %d grants", n)
	}
	wantStatus("anonymous GET after refused changes", anon("GET", "/bkt/k", nil), 403)

	// Only root.
	e.addKey("writer", map[string]object.Access{"bkt": object.AccessReadWrite})
	_, err = e.sdk("writer", "writer-secret", false).PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("bkt"), ACL: types.BucketCannedACLPublicReadWrite})
	wantCode(t, "writer PutBucketAcl", err, "AccessDenied", 403)
	wantStatus("anonymous PutBucketAcl", anon("PUT", "/bkt?acl", nil), 403)
	wantStatus("anonymous GET after refused writers", anon("GET", "/bkt/k", nil), 403)

	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("nosuch"), ACL: types.BucketCannedACLPrivate})
	wantCode(t, "missing bucket", err, "NoSuchBucket", 404)
}
