package storage

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/koss-io/koss/test/kossdproc"
)

// TestBucketACLWithV1SDK is TestBucketACLWithV2SDK through the v1 SDK
// (SetBucketACL, SetObjectACL), with x-oss-forbid-overwrite
// (oss.ForbidOverWrite), on one node or a Region with KOSS_TEST_NODES=3.
func TestBucketACLWithV1SDK(t *testing.T) {
	for name, version := range map[string]oss.AuthVersionType{"V1": oss.AuthV1, "V4": oss.AuthV4} {
		t.Run(name, func(t *testing.T) {
			c := v1Client(t, version, kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
			bucket := newBucketName(t)
			if err := c.CreateBucket(bucket); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if b, err := c.Bucket(bucket); err == nil {
					_, _ = b.DeleteObjects([]string{"obj", "closed", "once"})
				}
				_ = c.DeleteBucket(bucket)
			})
			b, err := c.Bucket(bucket)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.PutObject("obj", strings.NewReader("data")); err != nil {
				t.Fatal(err)
			}
			set := func(acl string) {
				t.Helper()
				if err := c.SetBucketACL(bucket, oss.ACLType(acl)); err != nil {
					t.Fatalf("SetBucketACL %s: %v", acl, err)
				}
				got, err := c.GetBucketACL(bucket)
				if err != nil || got.ACL != acl {
					t.Fatalf("GetBucketACL after %s: %+v, %v", acl, got, err)
				}
			}
			checkAnonymousEffect(t, bucket, set)

			set("public-read")
			if err := b.PutObject("closed", strings.NewReader("x")); err != nil {
				t.Fatal(err)
			}
			for acl, want := range map[oss.ACLType]int{oss.ACLPrivate: 403, oss.ACLDefault: 200} {
				if err := b.SetObjectACL("closed", acl); err != nil {
					t.Fatalf("SetObjectACL %s: %v", acl, err)
				}
				if got, err := b.GetObjectACL("closed"); err != nil || got.ACL != string(acl) {
					t.Fatalf("GetObjectACL after %s: %+v, %v", acl, got, err)
				}
				wantAnon(t, http.MethodGet, "/"+bucket+"/closed", nil, want)
			}
			set("private")

			// x-oss-forbid-overwrite: the second PUT is refused, the first body stays.
			if err := b.PutObject("once", strings.NewReader("1"), oss.ForbidOverWrite(true)); err != nil {
				t.Fatal(err)
			}
			err = b.PutObject("once", strings.NewReader("2"), oss.ForbidOverWrite(true))
			requireV1Code(t, err, "FileAlreadyExists", 409)
			_, err = b.CopyObject("obj", "once", oss.ForbidOverWrite(true))
			requireV1Code(t, err, "FileAlreadyExists", 409)
			r, err := b.GetObject("once")
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = r.Close() }()
			if body, err := io.ReadAll(r); err != nil || string(body) != "1" {
				t.Fatalf("body after refused overwrites = %q, %v", body, err)
			}
		})
	}
}
