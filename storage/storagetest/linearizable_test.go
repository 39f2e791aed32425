package storagetest

import (
	"context"
	"sync"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/storagetest/lincheck"
)

// TestClusterLinearizableUnderFailures records operations on a few keys
// through every node while the leader and then a follower are killed and
// restarted, and checks the history with lincheck (porcupine). The
// real-process version, with SIGKILL, is test/storage.
func TestClusterLinearizableUnderFailures(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load with failovers")
	}
	c := StartCluster(t, 3)
	c.WaitLeader()
	ctx := context.Background()
	if _, err := client(c.Endpoint(0)).PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("lin")}); err != nil {
		t.Fatal(err)
	}
	// Half the clients use a non-root key granted the bucket: while nodes
	// die and restart, its lookups must answer 503 or the truth, never 403.
	key, err := c.Admin(0).CreateAccessKey(ctx, adminapi.CreateKeyRequest{Grants: []adminapi.Grant{{Bucket: "lin", Access: "readwrite"}}})
	if err != nil {
		t.Fatal(err)
	}
	// Many keys keep each partition of the history small enough to check.
	keys := []string{"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"}
	rec := lincheck.NewRecorder()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const clients = 6
	for id := range clients {
		cl := client(c.Endpoint(id % c.Len()))
		if id%2 == 1 {
			cl = keyClient(c.Endpoint(id%c.Len()), key.AccessKeyID, key.AccessKeySecret)
		}
		w := &lincheck.Worker{ID: id, OSS: cl, Bucket: "lin", Keys: keys, Rec: rec, BigPercent: 5}
		wg.Go(func() { w.Run(ctx, stop) })
	}

	// Failures: the leader dies and returns, then a follower does.
	pause := func(d time.Duration) { time.Sleep(d) }
	pause(3 * time.Second)
	leader := c.WaitLeader()
	t.Logf("killing leader %s", c.Node(leader).ID)
	c.Kill(leader)
	pause(3 * time.Second)
	c.Restart(leader)
	pause(2 * time.Second)
	l2 := c.WaitLeader()
	follower := (l2 + 1) % c.Len()
	t.Logf("killing follower %s", c.Node(follower).ID)
	c.Kill(follower)
	pause(3 * time.Second)
	c.Restart(follower)
	pause(2 * time.Second)
	close(stop)
	wg.Wait()

	c.WaitLeader()
	var all []*v2.Client
	for i := range c.Len() {
		all = append(all, client(c.Endpoint(i)))
	}
	lincheck.FinalReads(ctx, rec, clients, all, "lin", keys)
	rec.Check(t, 100, 2*time.Minute)
}

// keyClient is client() signing with another key.
func keyClient(endpoint, id, secret string) *v2.Client {
	return v2.NewClient(v2.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret)).
		WithRegion(Region).
		WithEndpoint(endpoint).
		WithRetryMaxAttempts(1).
		WithReadWriteTimeout(20 * time.Second))
}
