package replica_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/background"
	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/consensus/singlenode"
	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/object/objecttest"
	"github.com/koss-io/koss/storage/internal/peer"
	"github.com/koss-io/koss/storage/internal/replica"
)

// region is n nodes, each an object Store over its own replica.Set, that
// share one state machine (as raft would make them) but each have their
// own blob store and peer port, so blobs really travel between them over
// loopback HTTP.
type region struct {
	t   *testing.T
	fsm *meta.FSM
	// crash, when set, makes the object layers' proposals fail as a crash
	// between a write's data and its command would (replication's own
	// proposals go through).
	crash  atomic.Pointer[error]
	nodes  []*rnode
	mu     sync.Mutex
	leader string
}

type rnode struct {
	r     *region
	id    string
	addr  string
	disk  *blob.Disk
	store *object.Store
	data  *replica.Set
	bg    *background.Group
	peers *peer.BlobClient

	mu      sync.Mutex
	srv     *peer.Server
	removed bool // no longer a member
}

// regionCluster is one node's replica.Cluster view of the region.
type regionCluster struct {
	r    *region
	self string
}

func (c regionCluster) Self() string { return c.self }

func (c regionCluster) IsLeader() bool {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	return c.r.leader == c.self
}

func (c regionCluster) Members(context.Context) ([]replica.Node, error) {
	var out []replica.Node
	for _, n := range c.r.nodes {
		n.mu.Lock()
		if !n.removed {
			out = append(out, replica.Node{ID: n.id, Addr: n.addr, Voter: true, Alive: n.srv != nil})
		}
		n.mu.Unlock()
	}
	return out, nil
}

var testSecret = peer.DeriveSecret("replication-test")

// crashable is the object layer's proposer of a region node: it fails every
// proposal while the region's crash error is set.
type crashable struct {
	object.Proposer
	crash *atomic.Pointer[error]
}

func (c crashable) Propose(ctx context.Context, cmd []byte) (any, error) {
	if err := c.crash.Load(); err != nil {
		return nil, *err
	}
	return c.Proposer.Propose(ctx, cmd)
}

func newRegion(t *testing.T, n int, tweak func(i int, c *replica.Config), otweak ...func(*object.Config)) *region {
	t.Helper()
	fsm, err := meta.New(meta.Config{Path: filepath.Join(t.TempDir(), "meta.db")})
	if err != nil {
		t.Fatal(err)
	}
	prop, err := singlenode.New(singlenode.Config{FSM: fsm})
	if err != nil {
		t.Fatal(err)
	}
	r := &region{t: t, fsm: fsm, leader: "n1"}
	t.Cleanup(func() {
		for _, nd := range r.nodes {
			nd.bg.Stop()
			nd.stop()
			nd.disk.Close()
		}
		prop.Close()
		fsm.Close()
	})
	for i := range n {
		nd := &rnode{r: r, id: fmt.Sprintf("n%d", i+1)}
		if nd.disk, err = blob.New(blob.Config{Dir: t.TempDir()}); err != nil {
			t.Fatal(err)
		}
		nd.start("127.0.0.1:0")
		r.nodes = append(r.nodes, nd)
	}
	for i, nd := range r.nodes {
		cfg := replica.DefaultConfig()
		cfg.Local, cfg.Meta, cfg.Proposer = nd.disk, fsm, prop
		cfg.Cluster = regionCluster{r: r, self: nd.id}
		peers := nd.peers
		cfg.Remote = func(addr string) blob.Replica { return peers.Remote(addr) }
		cfg.MemberRefresh = 20 * time.Millisecond
		cfg.StallTimeout = 500 * time.Millisecond
		cfg.ReplicaGrace = 2 * time.Second
		cfg.RepairInterval = 50 * time.Millisecond
		cfg.ScrubInterval = 0
		cfg.ReplicaBuffer = 256 << 10
		if tweak != nil {
			tweak(i, &cfg)
		}
		if nd.data, err = replica.New(cfg); err != nil {
			t.Fatal(err)
		}
		ocfg := object.DefaultConfig()
		ocfg.Data, ocfg.Meta, ocfg.Proposer, ocfg.Clock = nd.data, fsm, crashable{prop, &r.crash}, cfg.Clock
		for _, f := range otweak {
			f(&ocfg)
		}
		if nd.store, err = object.New(ocfg); err != nil {
			t.Fatal(err)
		}
		nd.bg = background.New()
		nd.data.Start(nd.bg)
	}
	return r
}

// start (re)opens the node's peer port on addr.
func (nd *rnode) start(addr string) {
	nd.r.t.Helper()
	cfg := peer.DefaultConfig()
	cfg.Listen, cfg.Secret, cfg.NodeID = addr, testSecret, nd.id
	var srv *peer.Server
	var err error
	for attempt := 0; ; attempt++ {
		if srv, err = peer.New(cfg); err == nil || attempt == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		nd.r.t.Fatal(err)
	}
	peer.ServeBlobs(srv, nd.disk)
	nd.mu.Lock()
	nd.srv, nd.addr = srv, srv.Advertise()
	if nd.peers == nil {
		// The client of the first server outlives restarts.
		nd.peers = peer.NewBlobClient(srv.Client())
	}
	nd.mu.Unlock()
}

// stop closes the node's peer port: it is down as far as its peers know.
func (nd *rnode) stop() {
	nd.mu.Lock()
	srv := nd.srv
	nd.srv = nil
	nd.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (nd *rnode) restart() {
	nd.mu.Lock()
	addr := nd.addr
	nd.mu.Unlock()
	nd.start(addr)
}

func (nd *rnode) address() string {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.addr
}

// blobPath is where the node's disk keeps blob id.
func (nd *rnode) blobPath(id string) string {
	return filepath.Join(nd.disk.Dir(), "blobs", id[0:2], id[2:4], id)
}

func eventually(t *testing.T, timeout time.Duration, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: after %s: %v", what, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func bigData(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 7))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func put(t *testing.T, s *object.Store, key string, data []byte) (object.ObjectInfo, error) {
	t.Helper()
	return s.PutObject(context.Background(), "bkt", key, bytes.NewReader(data), int64(len(data)), object.PutOptions{})
}

func getAll(s *object.Store, key string, rng *object.Range) ([]byte, error) {
	_, rc, err := s.GetObject(context.Background(), "bkt", key, object.Fixed(rng))
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// blobOf returns the blob id and replica list of an object's only segment.
func (r *region) blobOf(key string) (string, []string) {
	r.t.Helper()
	o, err := r.fsm.GetObject("bkt", key)
	if err != nil || len(o.Segments) != 1 || o.Segments[0].Inline() {
		r.t.Fatalf("object %s: %+v, %v", key, o, err)
	}
	return o.Segments[0].Blob, o.Segments[0].Replicas
}

func (r *region) underReplicated() int64 {
	r.t.Helper()
	n, err := r.fsm.UnderReplicatedCount()
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

func (r *region) mkBucket() {
	r.t.Helper()
	if err := r.nodes[0].store.CreateBucket(context.Background(), "bkt", object.BucketOptions{}); err != nil {
		r.t.Fatal(err)
	}
}

func TestReplicatedLayerConformance(t *testing.T) {
	objecttest.Run(t, func(t *testing.T) object.Layer {
		r := newRegion(t, 3, nil, func(c *object.Config) { c.InlineThreshold = 0 })
		return r.nodes[1].store
	})
}

func TestReplicatedWriteAndRead(t *testing.T) {
	r := newRegion(t, 4, nil)
	r.mkBucket()
	data := bigData(3<<20 + 12345)
	if _, err := put(t, r.nodes[0].store, "k", data); err != nil {
		t.Fatal(err)
	}
	id, replicas := r.blobOf("k")
	if len(replicas) != 3 || replicas[0] != "n1" {
		t.Fatalf("replicas %v: want 3 with the receiving node first", replicas)
	}
	for _, nd := range r.nodes {
		err := nd.disk.Verify(context.Background(), id)
		if slices.Contains(replicas, nd.id) != (err == nil) {
			t.Fatalf("%s: verify = %v, replicas %v", nd.id, err, replicas)
		}
	}
	if n := r.underReplicated(); n != 0 {
		t.Fatalf("under-replicated = %d", n)
	}
	// Every node reads it, whole and in ranges; the one without a copy
	// reads it from the others.
	for _, nd := range r.nodes {
		if got, err := getAll(nd.store, "k", nil); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s: %d bytes, %v", nd.id, len(got), err)
		}
		rng := &object.Range{Start: 70000, Length: 1 << 20}
		if got, err := getAll(nd.store, "k", rng); err != nil || !bytes.Equal(got, data[70000:70000+1<<20]) {
			t.Fatalf("%s range: %d bytes, %v", nd.id, len(got), err)
		}
	}
	// A node holding a replica goes down: reads go on.
	holder := r.nodes[slices.IndexFunc(r.nodes, func(n *rnode) bool { return n.id == replicas[1] })]
	holder.stop()
	for _, nd := range r.nodes {
		if got, err := getAll(nd.store, "k", nil); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%s with %s down: %d bytes, %v", nd.id, holder.id, len(got), err)
		}
	}
}

func TestUnderReplicatedWritesAreRepaired(t *testing.T) {
	r := newRegion(t, 3, nil)
	r.mkBucket()
	down := r.nodes[2]
	down.stop()
	data := bigData(1 << 20)
	for i := range 3 {
		if _, err := put(t, r.nodes[i%2].store, fmt.Sprint("k", i), data); err != nil {
			t.Fatalf("put with one node down: %v", err)
		}
	}
	if n := r.underReplicated(); n != 3 {
		t.Fatalf("under-replicated = %d, want 3", n)
	}
	if st := r.nodes[0].data.Stats(); st.UnderReplicated != 3 || st.UnderReplicatedWrites == 0 {
		t.Fatalf("stats %+v", st)
	}
	down.restart()
	eventually(t, 30*time.Second, "repair", func() error {
		if n := r.underReplicated(); n != 0 {
			return fmt.Errorf("%d under-replicated", n)
		}
		return nil
	})
	for i := range 3 {
		id, replicas := r.blobOf(fmt.Sprint("k", i))
		if len(replicas) != 3 {
			t.Fatalf("replicas %v", replicas)
		}
		if err := down.disk.Verify(context.Background(), id); err != nil {
			t.Fatalf("repaired copy: %v", err)
		}
	}
}

func TestWriteWithoutQuorumFails(t *testing.T) {
	r := newRegion(t, 3, nil)
	r.mkBucket()
	r.nodes[1].stop()
	r.nodes[2].stop()
	_, err := put(t, r.nodes[0].store, "k", bigData(1<<20))
	if !errors.Is(err, object.ErrUnavailable) {
		t.Fatalf("put with two nodes down: %v, want ErrUnavailable", err)
	}
	if _, err := r.nodes[0].store.HeadObject(context.Background(), "bkt", "k"); !errors.Is(err, object.ErrObjectNotFound) {
		t.Fatalf("failed put visible: %v", err)
	}
	n := 0
	if err := r.nodes[0].disk.Walk(context.Background(), func(blob.Entry) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("failed put left %d local blobs", n)
	}
}

// stallingReplica never reads what it is asked to store while stall is
// set.
type stallingReplica struct {
	blob.Replica
	stall *atomic.Bool
}

func (r stallingReplica) Create(ctx context.Context, id string, body io.Reader, opts blob.CreateOptions) (blob.Info, error) {
	if !r.stall.Load() {
		return r.Replica.Create(ctx, id, body, opts)
	}
	<-ctx.Done()
	return blob.Info{}, ctx.Err()
}

func TestSlowReplicaIsDropped(t *testing.T) {
	var r *region
	var stall atomic.Bool
	stall.Store(true)
	r = newRegion(t, 3, func(i int, c *replica.Config) {
		if i == 0 {
			remote := c.Remote
			c.Remote = func(addr string) blob.Replica {
				if addr == r.nodes[2].address() {
					return stallingReplica{Replica: remote(addr), stall: &stall}
				}
				return remote(addr)
			}
		}
	})
	r.mkBucket()
	data := bigData(4 << 20) // far more than ReplicaBuffer
	start := time.Now()
	if _, err := put(t, r.nodes[0].store, "k", data); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("write took %s", d)
	}
	_, replicas := r.blobOf("k")
	if slices.Contains(replicas, "n3") || len(replicas) != 2 {
		t.Fatalf("replicas %v, want the stalled node dropped", replicas)
	}
	if st := r.nodes[0].data.Stats(); st.ReplicaWriteFailures == 0 {
		t.Fatalf("stats %+v", st)
	}
	// The node catches up; the repair loop adds the third copy.
	stall.Store(false)
	eventually(t, 30*time.Second, "repair", func() error {
		if _, replicas := r.blobOf("k"); len(replicas) != 3 {
			return fmt.Errorf("replicas %v", replicas)
		}
		return nil
	})
	if got, err := getAll(r.nodes[2].store, "k", nil); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read: %d bytes, %v", len(got), err)
	}
}

func TestBadDigestAndShortBodyReplicated(t *testing.T) {
	r := newRegion(t, 3, nil)
	r.mkBucket()
	data := bigData(600 << 10)
	wrong := md5.Sum([]byte("x"))
	_, err := r.nodes[0].store.PutObject(context.Background(), "bkt", "k", bytes.NewReader(data), int64(len(data)), object.PutOptions{ContentMD5: wrong[:]})
	if !errors.Is(err, object.ErrBadDigest) {
		t.Fatalf("wrong md5: %v", err)
	}
	_, err = r.nodes[0].store.PutObject(context.Background(), "bkt", "k", bytes.NewReader(data[:1000]), int64(len(data)), object.PutOptions{})
	if !errors.Is(err, object.ErrIncompleteBody) {
		t.Fatalf("short body: %v", err)
	}
}

func flip(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 16)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] ^= 0xA5
	}
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptCopyIsReadAroundAndRepaired(t *testing.T) {
	r := newRegion(t, 4, nil)
	r.mkBucket()
	data := bigData(2 << 20)
	if _, err := put(t, r.nodes[0].store, "k", data); err != nil {
		t.Fatal(err)
	}
	id, replicas := r.blobOf("k")
	// Damage the reading node's own copy, and for a node without a copy
	// another replica's.
	flip(t, r.nodes[0].blobPath(id), 1<<20+5)
	if got, err := getAll(r.nodes[0].store, "k", nil); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read over a local corrupt copy: %d bytes, %v", len(got), err)
	}
	eventually(t, 30*time.Second, "local repair", func() error { return r.nodes[0].disk.Verify(context.Background(), id) })

	var outsider *rnode
	for _, nd := range r.nodes {
		if !slices.Contains(replicas, nd.id) {
			outsider = nd
		}
	}
	for _, id2 := range replicas[1:] {
		nd := r.nodes[slices.IndexFunc(r.nodes, func(n *rnode) bool { return n.id == id2 })]
		flip(t, nd.blobPath(id), 100)
	}
	// Two of three copies damaged: the reader still gets the right bytes,
	// and each damaged copy it comes across is repaired from the third
	// (reads try replicas in random order, so keep reading until both
	// were met).
	eventually(t, 60*time.Second, "remote repair", func() error {
		if got, err := getAll(outsider.store, "k", nil); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("remote read over corrupt copies: %d bytes, %v", len(got), err)
		}
		for _, id2 := range replicas[1:] {
			nd := r.nodes[slices.IndexFunc(r.nodes, func(n *rnode) bool { return n.id == id2 })]
			if err := nd.disk.Verify(context.Background(), id); err != nil {
				return err
			}
		}
		return nil
	})
	if st := outsider.data.Stats(); st.Repairs == 0 || st.ReadFailovers == 0 {
		t.Fatalf("stats %+v", st)
	}
	// Every copy damaged: an error, never wrong bytes.
	for _, nd := range r.nodes {
		if slices.Contains(replicas, nd.id) {
			flip(t, nd.blobPath(id), 1000)
		}
	}
	if got, err := getAll(outsider.store, "k", nil); !errors.Is(err, object.ErrChecksumMismatch) {
		t.Fatalf("all copies damaged: %d bytes, %v", len(got), err)
	}
}

func TestScrubRepairsDamagedAndMissingCopies(t *testing.T) {
	r := newRegion(t, 3, nil)
	r.mkBucket()
	data := bigData(1 << 20)
	for _, k := range []string{"a", "b"} {
		if _, err := put(t, r.nodes[0].store, k, data); err != nil {
			t.Fatal(err)
		}
	}
	ida, _ := r.blobOf("a")
	idb, _ := r.blobOf("b")
	nd := r.nodes[1]
	flip(t, nd.blobPath(ida), 300)
	if err := os.Remove(nd.blobPath(idb)); err != nil {
		t.Fatal(err)
	}
	res, err := nd.data.Scrub(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Corrupt != 1 || res.Missing != 1 || res.Repaired != 2 {
		t.Fatalf("scrub %+v", res)
	}
	for _, id := range []string{ida, idb} {
		if err := nd.disk.Verify(context.Background(), id); err != nil {
			t.Fatalf("after scrub: %v", err)
		}
	}
}

func TestDrainReplacesCopies(t *testing.T) {
	r := newRegion(t, 4, nil)
	r.mkBucket()
	data := bigData(300 << 10)
	for i := range 6 {
		if _, err := put(t, r.nodes[i%4].store, fmt.Sprint("k", i), data); err != nil {
			t.Fatal(err)
		}
	}
	left, err := r.nodes[0].data.Drain(context.Background(), "n4")
	if err != nil || left != 0 {
		t.Fatalf("drain: %d left, %v", left, err)
	}
	for i := range 6 {
		_, replicas := r.blobOf(fmt.Sprint("k", i))
		if len(replicas) != 3 || slices.Contains(replicas, "n4") {
			t.Fatalf("k%d replicas %v after draining n4", i, replicas)
		}
	}
}

// TestUncommittedReplicasAreSwept: a write whose command never commits
// leaves copies on every replica, and each node's sweeper deletes its own
// once they are older than the grace period.
func TestUncommittedReplicasAreSwept(t *testing.T) {
	var mu sync.Mutex
	offset := time.Duration(0)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return time.Now().Add(offset)
	}
	r := newRegion(t, 3, func(_ int, c *replica.Config) { c.Clock = clock })
	r.mkBucket()
	errCrash := errors.New("crash")
	r.crash.Store(&errCrash)
	_, err := put(t, r.nodes[0].store, "k", bigData(1<<20))
	r.crash.Store(nil)
	if !errors.Is(err, errCrash) {
		t.Fatalf("put = %v", err)
	}
	count := func(nd *rnode) int {
		n := 0
		if err := nd.disk.Walk(context.Background(), func(blob.Entry) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, nd := range r.nodes {
		if n := count(nd); n != 1 {
			t.Fatalf("%s holds %d blobs before the sweep, want 1", nd.id, n)
		}
		if n, err := nd.data.SweepOrphans(context.Background()); err != nil || n != 0 {
			t.Fatalf("%s: early sweep deleted %d, %v", nd.id, n, err)
		}
	}
	mu.Lock()
	offset = time.Hour
	mu.Unlock()
	for _, nd := range r.nodes {
		if n, err := nd.data.SweepOrphans(context.Background()); err != nil || n != 1 {
			t.Fatalf("%s: sweep deleted %d, %v", nd.id, n, err)
		}
		if n := count(nd); n != 0 {
			t.Fatalf("%s holds %d blobs after the sweep", nd.id, n)
		}
	}
}

// TestRemovedMemberCopiesAreReplaced: once a member leaves the
// configuration, the leader's repair loop notices the change and gives every
// blob it held a third copy elsewhere.
func TestRemovedMemberCopiesAreReplaced(t *testing.T) {
	r := newRegion(t, 4, nil)
	r.mkBucket()
	data := bigData(200 << 10)
	const n = 8
	onN4 := 0
	for i := range n {
		if _, err := put(t, r.nodes[i%4].store, fmt.Sprint("k", i), data); err != nil {
			t.Fatal(err)
		}
		if _, replicas := r.blobOf(fmt.Sprint("k", i)); slices.Contains(replicas, "n4") {
			onN4++
		}
	}
	if onN4 == 0 {
		t.Fatal("no blob placed on n4; the test shows nothing")
	}
	gone := r.nodes[3]
	gone.mu.Lock()
	gone.removed = true
	gone.mu.Unlock()
	eventually(t, 60*time.Second, "re-placement", func() error {
		for i := range n {
			if _, replicas := r.blobOf(fmt.Sprint("k", i)); len(replicas) != 3 || slices.Contains(replicas, "n4") {
				return fmt.Errorf("k%d on %v", i, replicas)
			}
		}
		return nil
	})
	for i := range n {
		if got, err := getAll(r.nodes[i%3].store, fmt.Sprint("k", i), nil); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("k%d: %d bytes, %v", i, len(got), err)
		}
	}
}

// joiningCluster is a node's view of the Region that, while joining is set,
// knows only the node itself: the member list a node that was just added
// may cache before the configuration reaches it.
type joiningCluster struct {
	regionCluster
	joining *atomic.Bool
}

func (c joiningCluster) Members(ctx context.Context) ([]replica.Node, error) {
	nodes, err := c.regionCluster.Members(ctx)
	if err != nil || !c.joining.Load() {
		return nodes, err
	}
	return slices.DeleteFunc(nodes, func(n replica.Node) bool { return n.ID != c.self }), nil
}

// TestReadThroughANodeWithAStaleMemberView: a node whose cached member list
// predates the configuration (it joined a moment ago) still reads a blob
// whose copies are on members it did not know of. It used to answer 503
// "No reachable copy" until its next refresh (seen in the e2e suite right
// after a scale-up).
func TestReadThroughANodeWithAStaleMemberView(t *testing.T) {
	// Every node but the writer starts with a view of itself alone.
	joining := make([]atomic.Bool, 4)
	for i := 1; i < 4; i++ {
		joining[i].Store(true)
	}
	r := newRegion(t, 4, func(i int, c *replica.Config) {
		c.Cluster = joiningCluster{regionCluster: c.Cluster.(regionCluster), joining: &joining[i]}
		c.MemberRefresh = time.Hour // no background refresh during the test
	})
	r.mkBucket()
	data := bigData(300 << 10)
	if _, err := put(t, r.nodes[0].store, "k", data); err != nil {
		t.Fatal(err)
	}
	_, replicas := r.blobOf("k")
	i := slices.IndexFunc(r.nodes, func(n *rnode) bool { return !slices.Contains(replicas, n.id) })
	reader := r.nodes[i]

	// The configuration reaches the reader after it cached its view (reads
	// refresh the view of an unknown replica at most every 100 ms).
	joining[i].Store(false)
	time.Sleep(150 * time.Millisecond)

	if got, err := getAll(reader.store, "k", nil); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read through %s, whose view predates the copies on %v: %d bytes, %v", reader.id, replicas, len(got), err)
	}
}
