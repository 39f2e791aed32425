package storage

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/storage/storagetest/lincheck"
	"github.com/koss-io/koss/test/kossdproc"
)

// TestRegionLinearizableUnderSIGKILL runs a 3-process Region and, in the
// middle of concurrent PUT/GET/APPEND/DELETE load from several clients
// spread over every node (half of them with the root key, half with a
// non-root key granted readwrite on the bucket), kills the raft leader
// with SIGKILL, restarts it, then kills and restarts a follower. Some
// writes are larger than 64 KiB, so blob replication is exercised along
// with small objects carried in the raft entry. lincheck (porcupine)
// then checks that
//   - the history of every key is linearizable, requests that timed out
//     or failed in flight counting as unknown; final reads through every
//     node once the Region is whole again are part of the history, so an
//     acknowledged write that was lost fails it;
//   - no read ever returned a partial object (every body must decode into
//     whole writes);
//   - no request was answered 403 or NoSuchBucket: unavailability must
//     be a 5xx, never a verdict.
func TestRegionLinearizableUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-process Region and kills members")
	}
	ctx := context.Background()
	// Under workDir, which TestMain keeps (with the kossd logs) when a
	// test fails.
	dir, err := os.MkdirTemp(workDir, "linearizable-")
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := kossdproc.StartRegion(ctx, 3, kossdproc.Options{Binary: kossdBin, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for i, p := range nodes {
			if t.Failed() {
				t.Logf("--- node-%d log tail (%s) ---\n%s", i, p.LogPath(), p.Tail(30))
			}
			p.Stop()
		}
	}()
	r := &procRegion{t: t, nodes: nodes, running: []bool{true, true, true}}

	root := func(i int) *oss.Client {
		return linClient(nodes[i].Endpoint(), kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
	}
	bucket := newBucketName(t)
	r.eventually(time.Minute, func() error {
		_, err := root(0).PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(bucket)})
		return err
	})
	var key adminapi.AccessKey
	r.eventually(time.Minute, func() error {
		key, err = r.admin(0).CreateAccessKey(ctx, adminapi.CreateKeyRequest{Grants: []adminapi.Grant{{Bucket: bucket, Access: "readwrite"}}})
		return err
	})
	keys := []string{"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"}
	const workers = 6
	clients := make([]*oss.Client, workers)
	for id := range clients {
		ep := nodes[id%len(nodes)].Endpoint()
		if id%2 == 0 {
			clients[id] = linClient(ep, kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
		} else {
			clients[id] = linClient(ep, key.AccessKeyID, key.AccessKeySecret)
		}
	}
	// Every client can reach the bucket before the load starts.
	for id, cl := range clients {
		r.eventually(time.Minute, func() error {
			_, err := lincheck.Read(ctx, cl, bucket, "k0")
			if err != nil {
				return fmt.Errorf("client %d: %w", id, err)
			}
			return nil
		})
	}

	rec := lincheck.NewRecorder()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for id, cl := range clients {
		w := &lincheck.Worker{ID: id, OSS: cl, Bucket: bucket, Keys: keys, Rec: rec, BigPercent: 8, Timeout: 15 * time.Second}
		wg.Go(func() { w.Run(ctx, stop) })
	}
	stopped := false
	stopLoad := func() {
		if !stopped {
			stopped = true
			close(stop)
			wg.Wait()
		}
	}
	defer stopLoad()

	began := time.Now()
	// The load runs unharmed for a while, then each failure lasts a few
	// seconds of load and the restarted node gets a few more to catch up.
	// The sleeps set the pace of the scenario; nothing waits on them.
	time.Sleep(6 * time.Second)
	leader := r.waitLeader()
	t.Logf("%s: SIGKILL leader node-%d", time.Since(began).Round(time.Millisecond), leader)
	r.kill(leader)
	time.Sleep(6 * time.Second)
	r.restart(leader)
	t.Logf("%s: node-%d restarted", time.Since(began).Round(time.Millisecond), leader)
	time.Sleep(3 * time.Second)
	l2 := r.waitLeader()
	// A follower other than the node just restarted, when there is one.
	follower := (l2 + 1) % len(nodes)
	if follower == leader {
		follower = (l2 + 2) % len(nodes)
	}
	t.Logf("%s: SIGKILL follower node-%d (leader node-%d)", time.Since(began).Round(time.Millisecond), follower, l2)
	r.kill(follower)
	time.Sleep(6 * time.Second)
	r.restart(follower)
	t.Logf("%s: node-%d restarted", time.Since(began).Round(time.Millisecond), follower)
	time.Sleep(3 * time.Second)
	stopLoad()
	t.Logf("%s: load stopped", time.Since(began).Round(time.Millisecond))

	r.waitLeader()
	var all []*oss.Client
	for i := range nodes {
		all = append(all, root(i))
	}
	lincheck.FinalReads(ctx, rec, workers, all, bucket, keys)
	rec.Check(t, 200, 3*time.Minute)
}

// linClient is an OSS client that sends every request once (each recorded
// operation is one request) with timeouts generous enough for a loaded
// machine; a dial to a dead node fails fast.
func linClient(endpoint, id, secret string) *oss.Client {
	return oss.NewClient(oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret)).
		WithRegion(kossdproc.Region).
		WithEndpoint(endpoint).
		WithUsePathStyle(true).
		WithRetryMaxAttempts(1).
		WithConnectTimeout(2 * time.Second).
		WithReadWriteTimeout(20 * time.Second))
}

// procRegion tracks which processes of a Region run.
type procRegion struct {
	t       *testing.T
	nodes   []*kossdproc.Process
	running []bool
}

func (r *procRegion) admin(i int) *adminclient.Client {
	a, err := adminclient.New(r.nodes[i].Endpoint(), kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
	if err != nil {
		r.t.Fatal(err)
	}
	return a
}

func (r *procRegion) kill(i int) {
	r.nodes[i].Kill()
	r.running[i] = false
}

func (r *procRegion) restart(i int) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := r.nodes[i].Restart(ctx); err != nil {
		r.t.Fatalf("restart node-%d: %v", i, err)
	}
	r.running[i] = true
}

// waitLeader waits until every running node names the same running node
// as leader (through the admin API's ClusterStatus) and returns its index.
func (r *procRegion) waitLeader() int {
	r.t.Helper()
	leader := -1
	r.eventually(2*time.Minute, func() error {
		leader = -1
		id := ""
		for i := range r.nodes {
			if !r.running[i] {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			st, err := r.admin(i).ClusterStatus(ctx)
			cancel()
			if err != nil {
				return fmt.Errorf("node-%d: %w", i, err)
			}
			if st.Leader == "" {
				return fmt.Errorf("node-%d knows no leader", i)
			}
			if id != "" && st.Leader != id {
				return fmt.Errorf("nodes disagree on the leader: %s vs %s", id, st.Leader)
			}
			id = st.Leader
		}
		for i := range r.nodes {
			if fmt.Sprintf("node-%d", i) == id && r.running[i] {
				leader = i
				return nil
			}
		}
		return fmt.Errorf("leader %q is not a running node", id)
	})
	return leader
}

// eventually polls fn until it succeeds, failing the test after timeout.
func (r *procRegion) eventually(timeout time.Duration, fn func() error) {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
