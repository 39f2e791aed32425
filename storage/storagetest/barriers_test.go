package storagetest

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"testing"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/koss-io/koss/storage/adminapi"
)

// TestOneReadBarrierPerRequest checks the read view: a request through a
// follower, signed with a granted (non-root) key, takes at most one
// linearizable read barrier, however many reads it makes (the key lookup,
// the bucket check, the object record, the range).
func TestOneReadBarrierPerRequest(t *testing.T) {
	c := StartCluster(t, 3)
	leader := c.WaitLeader()
	follower := (leader + 1) % c.Len()
	ctx := context.Background()
	mustBucket(t, client(c.Endpoint(leader)))
	key, err := c.Admin(leader).CreateAccessKey(ctx, adminapi.CreateKeyRequest{Grants: []adminapi.Grant{{Bucket: "bkt", Access: adminapi.AccessReadWrite}}})
	if err != nil {
		t.Fatal(err)
	}
	cl := keyClient(c.Endpoint(follower), key.AccessKeyID, key.AccessKeySecret)
	barriers := func() int {
		v, err := strconv.ParseFloat(metric(t, c.Endpoint(follower), "koss_read_barriers_total"), 64)
		if err != nil {
			t.Fatalf("koss_read_barriers_total: %v", err)
		}
		return int(v)
	}
	small, big := []byte("small object"), bigObject(300<<10)
	requests := []struct {
		name string
		do   func() error
	}{
		{"PUT (inline)", func() error { return put(ctx, cl, "bkt", "small", small) }},
		{"PUT (blob)", func() error { return put(ctx, cl, "bkt", "big", big) }},
		{"GET", func() error { return getChecked(ctx, cl, "big", nil, big) }},
		{"ranged GET", func() error { return getChecked(ctx, cl, "big", v2.Ptr("bytes=1000-99999"), big[1000:100000]) }},
		{"HEAD", func() error {
			_, err := cl.HeadObject(ctx, &v2.HeadObjectRequest{Bucket: v2.Ptr("bkt"), Key: v2.Ptr("big")})
			return err
		}},
		{"LIST", func() error {
			res, err := cl.ListObjectsV2(ctx, &v2.ListObjectsV2Request{Bucket: v2.Ptr("bkt")})
			if err == nil && len(res.Contents) != 2 {
				t.Errorf("LIST found %d objects, want 2", len(res.Contents))
			}
			return err
		}},
	}
	for _, r := range requests {
		before := barriers()
		if err := r.do(); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if n := barriers() - before; n > 1 {
			t.Errorf("%s through a follower took %d read barriers, want at most 1", r.name, n)
		}
	}
}

// getChecked reads key (a range of it when rng is set) and checks the bytes.
func getChecked(ctx context.Context, cl *v2.Client, key string, rng *string, want []byte) error {
	res, err := cl.GetObject(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr("bkt"), Key: v2.Ptr(key), Range: rng})
	if err != nil {
		return err
	}
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	if err == nil && !bytes.Equal(got, want) {
		return io.ErrUnexpectedEOF
	}
	return err
}
