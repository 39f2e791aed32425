package fake

import (
	"errors"
	"testing"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

func TestFakeFollowsTheContract(t *testing.T) {
	ctx := t.Context()
	c := New()
	k, err := c.CreateAccessKey(ctx, adminapi.CreateKeyRequest{Grants: []adminapi.Grant{{Bucket: "b1", Access: adminapi.AccessRead}}})
	if err != nil || k.AccessKeyID == "" || k.AccessKeySecret == "" {
		t.Fatalf("create: %+v %v", k, err)
	}
	if _, err := c.CreateAccessKey(ctx, adminapi.CreateKeyRequest{AccessKeyID: k.AccessKeyID, AccessKeySecret: k.AccessKeySecret}); err != nil {
		t.Fatalf("idempotent create: %v", err)
	}
	if _, err := c.CreateAccessKey(ctx, adminapi.CreateKeyRequest{AccessKeyID: k.AccessKeyID, AccessKeySecret: "other-secret"}); !adminclient.IsKeyConflict(err) {
		t.Fatalf("conflict: %v", err)
	}
	got, err := c.GetAccessKey(ctx, k.AccessKeyID)
	if err != nil || got.AccessKeySecret != "" {
		t.Fatalf("get returns the secret or fails: %+v %v", got, err)
	}
	if _, err := c.GetAccessKey(ctx, "nope"); !adminclient.IsNotFound(err) {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := c.SetGrants(ctx, k.AccessKeyID, []adminapi.Grant{{Bucket: "b", Access: "all"}}); !errors.Is(err, adminapi.ErrInvalidArgument) {
		t.Fatalf("bad grant: %v", err)
	}
	if err := c.DeleteAccessKey(ctx, k.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAccessKey(ctx, k.AccessKeyID); err != nil {
		t.Fatalf("delete is idempotent: %v", err)
	}

	if _, err := c.CreateBucket(ctx, "bkt", adminapi.CreateBucketRequest{Owner: "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateBucket(ctx, "bkt", adminapi.CreateBucketRequest{Owner: "a"}); err != nil {
		t.Fatalf("same owner: %v", err)
	}
	if _, err := c.CreateBucket(ctx, "bkt", adminapi.CreateBucketRequest{Owner: "b"}); !adminclient.IsBucketAlreadyExists(err) {
		t.Fatalf("other owner: %v", err)
	}
	c.SetBucketUsage("bkt", 3, 30)
	if b, _ := c.GetBucket(ctx, "bkt"); b.Objects != 3 || b.Bytes != 30 || b.ACL != "private" {
		t.Fatalf("usage %+v", b)
	}
	if err := c.DeleteBucket(ctx, "bkt"); !adminclient.IsBucketNotEmpty(err) {
		t.Fatalf("non-empty: %v", err)
	}
	c.SetBucketUsage("bkt", 0, 0)
	if err := c.DeleteBucket(ctx, "bkt"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteBucket(ctx, "bkt"); !adminclient.IsNotFound(err) {
		t.Fatalf("missing bucket: %v", err)
	}
	boom := errors.New("boom")
	c.FailNext("ClusterStatus", boom)
	if _, err := c.ClusterStatus(ctx); !errors.Is(err, boom) {
		t.Fatalf("injected error: %v", err)
	}
	if s, err := c.ClusterStatus(ctx); err != nil || s.Leader == "" {
		t.Fatalf("status %+v %v", s, err)
	}
	if calls := c.Calls(); len(calls) == 0 || calls[0] != "CreateAccessKey" {
		t.Fatalf("calls %v", calls)
	}
}
