package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/koss-io/koss/storage/adminapi"
)

func client(endpoint string) *v2.Client {
	return v2.NewClient(v2.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(RootAccessKeyID, RootAccessKeySecret)).
		WithRegion(Region).
		WithEndpoint(endpoint).
		WithRetryMaxAttempts(1).
		WithReadWriteTimeout(20 * time.Second))
}

func put(ctx context.Context, c *v2.Client, bucket, key string, data []byte) error {
	_, err := c.PutObject(ctx, &v2.PutObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr(key), Body: bytes.NewReader(data)})
	return err
}

func get(ctx context.Context, c *v2.Client, bucket, key string) ([]byte, error) {
	res, err := c.GetObject(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr(key)})
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	return io.ReadAll(res.Body)
}

func status(err error) int {
	var se *v2.ServiceError
	if errors.As(err, &se) {
		return se.StatusCode
	}
	return 0
}

func TestClusterServesFromEveryNode(t *testing.T) {
	c := StartCluster(t, 3)
	leader := c.WaitLeader()
	ctx := context.Background()
	clients := make([]*v2.Client, c.Len())
	for i := range clients {
		clients[i] = client(c.Endpoint(i))
	}
	follower := (leader + 1) % 3
	if _, err := clients[follower].PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("bkt")}); err != nil {
		t.Fatalf("create bucket via a follower: %v", err)
	}
	// Every node reads what any node wrote, at once.
	for w := range clients {
		key := fmt.Sprintf("from-%d", w)
		data := []byte(strings.Repeat(key, 100))
		if err := put(ctx, clients[w], "bkt", key, data); err != nil {
			t.Fatalf("put via node %d: %v", w, err)
		}
		for r := range clients {
			got, err := get(ctx, clients[r], "bkt", key)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("get %s via node %d: %d bytes, %v", key, r, len(got), err)
			}
		}
	}
	// Listing agrees everywhere.
	for i, cl := range clients {
		res, err := cl.ListObjectsV2(ctx, &v2.ListObjectsV2Request{Bucket: v2.Ptr("bkt")})
		if err != nil || len(res.Contents) != 3 {
			t.Fatalf("list via node %d: %d objects, %v", i, len(res.Contents), err)
		}
	}

	st, err := c.Admin(follower).ClusterStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Leader != c.Node(leader).ID || st.NodeID != c.Node(follower).ID || len(st.Members) != 3 || st.AppliedIndex == 0 {
		t.Fatalf("cluster status: %+v", st)
	}
	for _, m := range st.Members {
		if m.State == adminapi.MemberOffline || m.Suffrage != adminapi.SuffrageVoter || m.AppliedIndex == 0 {
			t.Fatalf("member %+v", m)
		}
	}
	resp, err := http.Get(c.Endpoint(leader) + "/-/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"koss_raft_is_leader 1", "koss_raft_members 3", "koss_raft_has_leader 1"} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("metrics lack %q", want)
		}
	}
}

func TestClusterSurvivesLeaderLoss(t *testing.T) {
	c := StartCluster(t, 3)
	leader := c.WaitLeader()
	ctx := context.Background()
	a := client(c.Endpoint((leader + 1) % 3))
	if _, err := a.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("bkt")}); err != nil {
		t.Fatal(err)
	}
	if err := put(ctx, a, "bkt", "before", []byte("1")); err != nil {
		t.Fatal(err)
	}
	c.Kill(leader)
	newLeader := c.WaitLeader()
	if newLeader == leader {
		t.Fatal("killed node still leads")
	}
	for i := range c.Len() {
		if i == leader {
			continue
		}
		if err := put(ctx, client(c.Endpoint(i)), "bkt", fmt.Sprintf("during-%d", i), []byte("2")); err != nil {
			t.Fatalf("put via node %d with the leader down: %v", i, err)
		}
	}
	c.Restart(leader)
	back := client(c.Endpoint(leader))
	for i := range c.Len() {
		if i == leader {
			continue
		}
		if got, err := get(ctx, back, "bkt", fmt.Sprintf("during-%d", i)); err != nil || string(got) != "2" {
			t.Fatalf("restarted node reads during-%d: %q %v", i, got, err)
		}
	}
}

func TestClusterMinorityAnswers503(t *testing.T) {
	c := StartCluster(t, 3)
	leader := c.WaitLeader()
	ctx := context.Background()
	survivor := (leader + 1) % 3
	s := client(c.Endpoint(survivor))
	if _, err := s.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("bkt")}); err != nil {
		t.Fatal(err)
	}
	if err := put(ctx, s, "bkt", "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	for i := range c.Len() {
		if i != survivor {
			c.Kill(i)
		}
	}
	start := time.Now()
	if err := put(ctx, s, "bkt", "k2", []byte("v")); status(err) != http.StatusServiceUnavailable {
		t.Fatalf("put on a lone node: %v, want 503", err)
	}
	if _, err := get(ctx, s, "bkt", "k"); status(err) != http.StatusServiceUnavailable {
		t.Fatalf("get on a lone node: %v, want 503 (not stale data)", err)
	}
	if d := time.Since(start); d > 3*Tuning.RequestTimeout {
		t.Fatalf("refusals took %s", d)
	}
	resp, err := http.Get(c.Endpoint(survivor) + "/-/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz on a lone node: %d", resp.StatusCode)
	}
	// One node back makes a majority again.
	c.Restart((survivor + 1) % 3)
	c.WaitReady(survivor)
	if got, err := get(ctx, s, "bkt", "k"); err != nil || string(got) != "v" {
		t.Fatalf("get after recovery: %q %v", got, err)
	}
}

func TestClusterGrowsAndShrinks(t *testing.T) {
	c := StartCluster(t, 3)
	leader := c.WaitLeader()
	ctx := context.Background()
	admin := c.Admin((leader + 1) % 3)
	if _, err := client(c.Endpoint(0)).PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("bkt")}); err != nil {
		t.Fatal(err)
	}
	if err := put(ctx, client(c.Endpoint(0)), "bkt", "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	added := []int{c.AddNode(), c.AddNode()}
	for _, i := range added {
		nd := c.Node(i)
		if err := admin.AddMember(ctx, nd.ID, nd.PeerAddr); err != nil {
			t.Fatalf("add %s: %v", nd.ID, err)
		}
		c.WaitReady(i)
		if got, err := get(ctx, client(c.Endpoint(i)), "bkt", "k"); err != nil || string(got) != "v" {
			t.Fatalf("new node %s reads: %q %v", nd.ID, got, err)
		}
	}
	st, err := c.Admin(added[1]).ClusterStatus(ctx)
	if err != nil || len(st.Members) != 5 {
		t.Fatalf("status with five: %+v %v", st, err)
	}
	if left, err := admin.DrainMember(ctx, c.Node(added[0]).ID); err != nil || left != 0 {
		t.Fatalf("drain: %d left, %v", left, err)
	}
	if err := admin.AddMember(ctx, "bad", "no-port"); !errors.Is(err, adminapi.ErrInvalidArgument) {
		t.Fatalf("add with a bad address: %v", err)
	}
	for _, i := range added {
		if err := admin.RemoveMember(ctx, c.Node(i).ID); err != nil {
			t.Fatalf("remove %s: %v", c.Node(i).ID, err)
		}
		c.Kill(i)
	}
	st, err = admin.ClusterStatus(ctx)
	if err != nil || len(st.Members) != 3 {
		t.Fatalf("status after shrinking: %+v %v", st, err)
	}
	if err := put(ctx, client(c.Endpoint(leader)), "bkt", "k2", []byte("v2")); err != nil {
		t.Fatal(err)
	}
}

func TestClusterBigObjectsFromAnyNode(t *testing.T) {
	c := StartCluster(t, 3)
	c.WaitLeader()
	ctx := context.Background()
	clients := make([]*v2.Client, c.Len())
	for i := range clients {
		clients[i] = client(c.Endpoint(i))
	}
	if _, err := clients[0].PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("bkt")}); err != nil {
		t.Fatal(err)
	}
	// Bigger than the inline threshold: the data is a blob on the node
	// that received it, fetched by the others when they serve it.
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
	if err := put(ctx, clients[0], "bkt", "big", big); err != nil {
		t.Fatal(err)
	}
	for i := range clients {
		got, err := get(ctx, clients[i], "bkt", "big")
		if err != nil || !bytes.Equal(got, big) {
			t.Fatalf("big object via node %d: %d bytes, %v", i, len(got), err)
		}
	}
	// An appendable object whose segments were received by different nodes.
	var want []byte
	for i := range clients {
		seg := bytes.Repeat([]byte{byte('a' + i)}, 100<<10)
		_, err := clients[i].AppendObject(ctx, &v2.AppendObjectRequest{
			Bucket: v2.Ptr("bkt"), Key: v2.Ptr("app"), Position: v2.Ptr(int64(len(want))), Body: bytes.NewReader(seg),
		})
		if err != nil {
			t.Fatalf("append via node %d: %v", i, err)
		}
		want = append(want, seg...)
	}
	for i := range clients {
		got, err := get(ctx, clients[i], "bkt", "app")
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("appendable object via node %d: %d bytes, %v", i, len(got), err)
		}
	}
	// Blobs are on three nodes: the one that received it going down
	// changes nothing for readers.
	if err := put(ctx, clients[1], "bkt", "only-on-1", big); err != nil {
		t.Fatal(err)
	}
	c.Kill(1)
	if got, err := get(ctx, clients[2], "bkt", "only-on-1"); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("object whose receiving node is down: %d bytes, %v", len(got), err)
	}
	c.Restart(1)
	if got, err := get(ctx, clients[2], "bkt", "only-on-1"); err != nil || !bytes.Equal(got, big) {
		t.Fatalf("after its holder returned: %d bytes, %v", len(got), err)
	}
}
