package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/koss-io/koss/storage/adminapi"
)

// sessionClient signs with temporary credentials, in signature version ver.
func sessionClient(endpoint string, cr adminapi.Credentials, ver v2.SignatureVersionType) *v2.Client {
	return v2.NewClient(v2.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cr.AccessKeyID, cr.AccessKeySecret, cr.SecurityToken)).
		WithRegion(Region).
		WithEndpoint(endpoint).
		WithSignatureVersion(ver).
		WithRetryMaxAttempts(1).
		WithReadWriteTimeout(20 * time.Second))
}

// ossCode is the OSS error code of err ("" when it is no service error).
func ossCode(err error) string {
	var se *v2.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

// TestTemporaryCredentials: credentials issued on one node work on every
// node within the key's grants (narrowed where asked), are refused outside
// them, and die with their key.
func TestTemporaryCredentials(t *testing.T) {
	c := StartCluster(t, 3)
	leader := c.WaitLeader()
	ctx := context.Background()
	root := client(c.Endpoint(leader))
	for _, b := range []string{"bkt", "other"} {
		if _, err := root.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr(b)}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := c.Admin(leader).CreateAccessKey(ctx, adminapi.CreateKeyRequest{Grants: []adminapi.Grant{{Bucket: "bkt", Access: adminapi.AccessReadWrite}}})
	if err != nil {
		t.Fatal(err)
	}
	full, err := c.Admin(leader).IssueSession(ctx, key.AccessKeyID, adminapi.SessionRequest{DurationSeconds: 900, Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	readOnly, err := c.Admin((leader+1)%3).IssueSession(ctx, key.AccessKeyID, adminapi.SessionRequest{
		Grants: []adminapi.Grant{{Bucket: "bkt", Access: adminapi.AccessRead}, {Bucket: "other", Access: adminapi.AccessReadWrite}}})
	if err != nil {
		t.Fatal(err)
	}
	if full.SecurityToken == "" || full.AccessKeyID[:4] != "STS." || time.Until(full.Expiration) > 16*time.Minute {
		t.Fatalf("issued %s expiring %s", full.AccessKeyID, full.Expiration)
	}
	if _, err := c.Admin(leader).IssueSession(ctx, key.AccessKeyID, adminapi.SessionRequest{DurationSeconds: 60}); err == nil {
		t.Fatal("a 60 s session was issued; the minimum is 900 s")
	}

	for i := range c.Len() {
		for _, ver := range []v2.SignatureVersionType{v2.SignatureVersionV1, v2.SignatureVersionV4} {
			cl := sessionClient(c.Endpoint(i), full, ver)
			if err := put(ctx, cl, "bkt", "k", []byte("temporary")); err != nil {
				t.Fatalf("node %d, signature %d: PUT within the grants: %v", i, ver, err)
			}
			if got, err := get(ctx, cl, "bkt", "k"); err != nil || string(got) != "temporary" {
				t.Fatalf("node %d: GET: %q, %v", i, got, err)
			}
			if err := put(ctx, cl, "other", "k", []byte("x")); ossCode(err) != "AccessDenied" {
				t.Fatalf("node %d: PUT outside the grants: %v, want AccessDenied", i, err)
			}
			ro := sessionClient(c.Endpoint(i), readOnly, ver)
			if _, err := get(ctx, ro, "bkt", "k"); err != nil {
				t.Fatalf("node %d: read-only session GET: %v", i, err)
			}
			// Narrowed to read on bkt; the grant on other is more than the
			// key has, so the intersection gives nothing there.
			for _, b := range []string{"bkt", "other"} {
				if err := put(ctx, ro, b, "k2", []byte("x")); ossCode(err) != "AccessDenied" {
					t.Fatalf("node %d: read-only session PUT to %s: %v, want AccessDenied", i, b, err)
				}
			}
		}
	}

	tampered := full
	tampered.SecurityToken = full.SecurityToken[:len(full.SecurityToken)-2] + "AA"
	if _, err := get(ctx, sessionClient(c.Endpoint(leader), tampered, v2.SignatureVersionV4), "bkt", "k"); ossCode(err) != "InvalidSecurityToken" {
		t.Fatalf("tampered token: %v, want InvalidSecurityToken", err)
	}
	noToken := full
	noToken.SecurityToken = ""
	if _, err := get(ctx, sessionClient(c.Endpoint(leader), noToken, v2.SignatureVersionV4), "bkt", "k"); ossCode(err) != "InvalidAccessKeyId" {
		t.Fatalf("no token: %v, want InvalidAccessKeyId", err)
	}

	// Deleting the key revokes its sessions on every node at once.
	if err := c.Admin(leader).DeleteAccessKey(ctx, key.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	for i := range c.Len() {
		if _, err := get(ctx, sessionClient(c.Endpoint(i), full, v2.SignatureVersionV4), "bkt", "k"); ossCode(err) != "InvalidSecurityToken" {
			t.Fatalf("node %d after the key was deleted: %v, want InvalidSecurityToken", i, err)
		}
	}
}
