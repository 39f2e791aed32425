package storagetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/koss-io/koss/storage/internal/blob"
)

// bigObject returns n bytes that do not compress or repeat, larger than the
// inline threshold so that they become a blob.
func bigObject(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 1))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// blobFiles returns the paths of the blob files in node i's data directory.
func (c *Cluster) blobFiles(i int) []string {
	c.t.Helper()
	var out []string
	root := filepath.Join(c.Node(i).DataDir, "blob", "blobs")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && blob.ValidID(d.Name()) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		c.t.Fatal(err)
	}
	return out
}

// underReplicated returns the count node i reports in the cluster status.
func (c *Cluster) underReplicated(i int) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.Admin(i).ClusterStatus(ctx)
	return st.UnderReplicated, err
}

func (c *Cluster) waitFor(timeout time.Duration, fn func() error) { c.eventually(timeout, fn) }

func mustBucket(t *testing.T, cl *v2.Client) {
	t.Helper()
	if _, err := cl.PutBucket(context.Background(), &v2.PutBucketRequest{Bucket: v2.Ptr("bkt")}); err != nil {
		t.Fatal(err)
	}
}

func TestReplicatedBlobsSurviveANode(t *testing.T) {
	c := StartCluster(t, 3)
	c.WaitLeader()
	ctx := context.Background()
	mustBucket(t, client(c.Endpoint(0)))
	big := bigObject(3<<20 + 777)
	if err := put(ctx, client(c.Endpoint(0)), "bkt", "big", big); err != nil {
		t.Fatal(err)
	}
	// Every node holds a copy and serves the object.
	for i := range c.Len() {
		if n := len(c.blobFiles(i)); n != 1 {
			t.Fatalf("node %d holds %d blob files, want 1", i, n)
		}
		got, err := get(ctx, client(c.Endpoint(i)), "bkt", "big")
		if err != nil || !bytes.Equal(got, big) {
			t.Fatalf("GET via node %d: %d bytes, %v", i, len(got), err)
		}
	}
	if n, err := c.underReplicated(1); err != nil || n != 0 {
		t.Fatalf("under-replicated = %d, %v", n, err)
	}
	// The cluster status counts the object's bytes on each of the three members.
	st, err := c.Admin(2).ClusterStatus(ctx)
	if err != nil || len(st.Members) != 3 {
		t.Fatalf("cluster status = %+v, %v", st, err)
	}
	for _, m := range st.Members {
		if m.Bytes != int64(len(big)) {
			t.Fatalf("member %s holds %d bytes, want %d", m.ID, m.Bytes, len(big))
		}
		// And /-/metrics says the same.
		resp, err := http.Get(c.Endpoint(1) + "/-/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		prefix := fmt.Sprintf("koss_node_bytes{node=%q} ", m.ID)
		var got float64
		for _, line := range strings.Split(string(metrics), "\n") {
			if v, ok := strings.CutPrefix(line, prefix); ok {
				_, _ = fmt.Sscan(v, &got)
			}
		}
		if got != float64(len(big)) {
			t.Fatalf("/-/metrics: %s%v, want %d", prefix, got, len(big))
		}
	}
	// The node that received the object goes down: the others still serve
	// it, from their own copies.
	c.Kill(0)
	c.WaitLeader()
	for _, i := range []int{1, 2} {
		got, err := get(ctx, client(c.Endpoint(i)), "bkt", "big")
		if err != nil || !bytes.Equal(got, big) {
			t.Fatalf("GET via node %d with node 0 down: %d bytes, %v", i, len(got), err)
		}
	}
}

func TestUnderReplicatedWritesDrainWhenTheNodeReturns(t *testing.T) {
	c := StartCluster(t, 3)
	leader := c.WaitLeader()
	ctx := context.Background()
	down := (leader + 1) % 3
	up := (leader + 2) % 3
	mustBucket(t, client(c.Endpoint(up)))
	c.Kill(down)
	big := bigObject(1 << 20)
	const n = 4
	for k := range n {
		via := []int{leader, up}[k%2]
		if err := put(ctx, client(c.Endpoint(via)), "bkt", fmt.Sprint("k", k), big); err != nil {
			t.Fatalf("PUT via node %d with one node down: %v", via, err)
		}
	}
	// Status and metrics read the node's state machine without a barrier:
	// the last write may take a moment to be applied there.
	c.waitFor(30*time.Second, func() error {
		if got, err := c.underReplicated(up); err != nil || got != n {
			return fmt.Errorf("under-replicated with a node down = %d (%w); want %d", got, err, n)
		}
		if got := metric(t, c.Endpoint(leader), "koss_blobs_under_replicated"); got != fmt.Sprint(n) {
			return fmt.Errorf("koss_blobs_under_replicated = %q, want %d", got, n)
		}
		return nil
	})
	start := time.Now()
	c.Restart(down)
	// The returned node's own count means nothing until it has caught up:
	// ask the others too, and look at its files.
	c.waitFor(120*time.Second, func() error {
		for _, i := range []int{up, leader, down} {
			got, err := c.underReplicated(i)
			if err != nil {
				return err
			}
			if got != 0 {
				return fmt.Errorf("node %d: %d blobs still under-replicated", i, got)
			}
		}
		if files := len(c.blobFiles(down)); files != n {
			return fmt.Errorf("returned node holds %d blob files, want %d", files, n)
		}
		return nil
	})
	t.Logf("under-replicated count drained %s after the node returned", time.Since(start).Round(time.Millisecond))
	// Its copies are good.
	c.Kill(down)
	verifyBlobs(t, c, down)
}

// verifyBlobs checks every blob file of node i, which must be stopped (a
// blob store opened on a directory clears its tmp/, which would break
// writes of a running node).
func verifyBlobs(t *testing.T, c *Cluster, i int) {
	t.Helper()
	d, err := blob.New(blob.Config{Dir: filepath.Join(c.Node(i).DataDir, "blob")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, p := range c.blobFiles(i) {
		if err := d.Verify(context.Background(), filepath.Base(p)); err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
	}
}

// metric returns the value of an unlabelled metric on a node's /-/metrics.
func metric(t *testing.T, endpoint, name string) string {
	t.Helper()
	resp, err := http.Get(endpoint + "/-/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}

func TestWriteWithTwoNodesDownFails(t *testing.T) {
	c := StartCluster(t, 3)
	leader := c.WaitLeader()
	ctx := context.Background()
	survivor := (leader + 1) % 3
	s := client(c.Endpoint(survivor))
	mustBucket(t, s)
	for i := range c.Len() {
		if i != survivor {
			c.Kill(i)
		}
	}
	if err := put(ctx, s, "bkt", "k", bigObject(1<<20)); status(err) != http.StatusServiceUnavailable {
		t.Fatalf("PUT with two nodes down: %v, want 503", err)
	}
	for i := range c.Len() {
		if i != survivor {
			c.Restart(i)
		}
	}
	c.WaitLeader()
	for i := range c.Len() {
		if _, err := get(ctx, client(c.Endpoint(i)), "bkt", "k"); status(err) != http.StatusNotFound {
			t.Fatalf("failed PUT visible via node %d after recovery: %v", i, err)
		}
	}
}

func TestCorruptBlobIsServedRightAndRepaired(t *testing.T) {
	c := StartCluster(t, 3)
	c.WaitLeader()
	ctx := context.Background()
	mustBucket(t, client(c.Endpoint(0)))
	big := bigObject(2 << 20)
	if err := put(ctx, client(c.Endpoint(1)), "bkt", "big", big); err != nil {
		t.Fatal(err)
	}
	const victim = 2
	files := c.blobFiles(victim)
	if len(files) != 1 {
		t.Fatalf("node %d holds %d blob files", victim, len(files))
	}
	before, err := os.Stat(files[0])
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(files[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := bytes.Repeat([]byte{0xEE}, 64)
	if _, err := f.WriteAt(junk, 1<<20+100); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// The node reads its own copy first, finds the damage and serves the
	// bytes from another replica.
	got, err := get(ctx, client(c.Endpoint(victim)), "bkt", "big")
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("GET over a corrupt copy: %d bytes, %v", len(got), err)
	}
	// ...and rewrites its copy in the background: a new file replaces the
	// damaged one.
	c.waitFor(60*time.Second, func() error {
		if got := metric(t, c.Endpoint(victim), "koss_blob_repairs_total"); got == "" || got == "0" {
			return fmt.Errorf("koss_blob_repairs_total = %q", got)
		}
		return nil
	})
	now, err := os.Stat(files[0])
	if err != nil || os.SameFile(before, now) {
		t.Fatalf("copy not replaced: %v", err)
	}
	c.Kill(victim)
	verifyBlobs(t, c, victim)
}
