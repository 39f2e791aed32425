package consensus

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc64"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/peer"
	"github.com/koss-io/koss/storage/internal/peer/peertest"
)

// testRaftConfig tightens the production timeouts a little so failovers
// take a few seconds, not tens, while staying well clear of flapping on a
// loaded 2-core machine running -race.
func testRaftConfig() RaftConfig {
	c := DefaultRaftConfig()
	c.HeartbeatTimeout = 700 * time.Millisecond
	c.ElectionTimeout = 700 * time.Millisecond
	c.LeaderLeaseTimeout = 500 * time.Millisecond
	c.RequestTimeout = 3 * time.Second
	c.TransportTimeout = 5 * time.Second
	return c
}

// testNode is one in-process node: peer server, meta FSM and Raft over its
// own directory and a fixed peer address (so a restart keeps its identity).
type testNode struct {
	id   string
	dir  string
	addr string
	ln   net.Listener // reserved listener for the next start

	peer *peer.Server
	fsm  *meta.FSM
	raft *Raft
}

type testCluster struct {
	t       *testing.T
	base    string // holds the node directories
	net     *peertest.Network
	secret  []byte
	nodes   map[string]*testNode
	order   []string
	initial []Peer
	mod     func(*RaftConfig)
	logs    *logBuffer
	lg      *slog.Logger
}

// logBuffer keeps the cluster's logs and prints them if the test fails.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newCluster starts n voters that bootstrap together.
func newCluster(t *testing.T, n int, mod func(*RaftConfig)) *testCluster {
	t.Helper()
	logs := &logBuffer{}
	// The node directories live under one made before the cleanup that stops
	// the nodes is registered: cleanups run last-registered first, so the
	// directories are removed only after every node stopped writing to them
	// (a t.TempDir per node, made later, was removed under running nodes).
	base := t.TempDir()
	c := &testCluster{
		base:   base,
		t:      t,
		net:    peertest.NewNetwork(),
		secret: peer.DeriveSecret("test-root-secret"),
		nodes:  make(map[string]*testNode),
		mod:    mod,
		logs:   logs,
		lg:     slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	t.Cleanup(func() {
		for _, id := range c.order {
			c.stop(id)
		}
		if t.Failed() {
			t.Logf("cluster logs:\n%s", logs.String())
		}
	})
	for i := range n {
		nd := c.reserve(fmt.Sprintf("n%d", i+1))
		c.initial = append(c.initial, Peer{ID: nd.id, Address: nd.addr})
	}
	for _, id := range c.order {
		c.start(id, c.initial)
	}
	return c
}

// reserve creates a node's directory and address without starting it.
func (c *testCluster) reserve(id string) *testNode {
	c.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		c.t.Fatal(err)
	}
	dir, err := os.MkdirTemp(c.base, id+"-")
	if err != nil {
		c.t.Fatal(err)
	}
	nd := &testNode{id: id, dir: dir, addr: ln.Addr().String(), ln: ln}
	c.nodes[id] = nd
	c.order = append(c.order, id)
	c.net.Register(id, nd.addr)
	return nd
}

// start opens the node on its directory; initial is its InitialCluster.
func (c *testCluster) start(id string, initial []Peer) *testNode {
	c.t.Helper()
	nd := c.nodes[id]
	if nd.ln == nil {
		ln, err := net.Listen("tcp", nd.addr)
		if err != nil {
			c.t.Fatalf("relisten %s: %v", nd.addr, err)
		}
		nd.ln = ln
	}
	lg := c.lg.With("node", id)
	fcfg := meta.DefaultConfig()
	fcfg.Path = filepath.Join(nd.dir, "meta.db")
	fcfg.Logger = lg
	fcfg.DeferSync = true // as a Region member's
	fsm, err := meta.New(fcfg)
	if err != nil {
		c.t.Fatal(err)
	}
	pcfg := peer.DefaultConfig()
	pcfg.Listener = nd.ln
	pcfg.Secret = c.secret
	pcfg.NodeID = id
	pcfg.Dial = c.net.Dialer(id)
	pcfg.Logger = lg
	p, err := peer.New(pcfg)
	if err != nil {
		c.t.Fatal(err)
	}
	nd.ln = nil
	rcfg := testRaftConfig()
	rcfg.NodeID = id
	rcfg.Dir = filepath.Join(nd.dir, "raft")
	rcfg.Peer = p
	rcfg.InitialCluster = initial
	rcfg.FSM = fsm
	rcfg.Codec = record.ResultCodec{}
	rcfg.Logger = lg
	if c.mod != nil {
		c.mod(&rcfg)
	}
	r, err := NewRaft(rcfg)
	if err != nil {
		p.Close()
		fsm.Close()
		c.t.Fatal(err)
	}
	nd.peer, nd.fsm, nd.raft = p, fsm, r
	return nd
}

// stop shuts a node down (a crash as far as the others can tell).
func (c *testCluster) stop(id string) {
	nd := c.nodes[id]
	if nd.raft == nil {
		if nd.ln != nil {
			nd.ln.Close()
			nd.ln = nil
		}
		return
	}
	if err := nd.raft.Close(); err != nil {
		c.t.Errorf("close raft %s: %v", id, err)
	}
	nd.peer.Close()
	nd.fsm.Close()
	nd.raft, nd.peer, nd.fsm = nil, nil, nil
}

// node returns a running node.
func (c *testCluster) node(id string) *testNode {
	nd := c.nodes[id]
	if nd == nil || nd.raft == nil {
		c.t.Fatalf("node %s is not running", id)
	}
	return nd
}

// waitLeader waits until every running node in ids (all running nodes
// when empty) agrees on one leader among them, and returns it.
func (c *testCluster) waitLeader(ids ...string) string {
	c.t.Helper()
	if len(ids) == 0 {
		for _, id := range c.order {
			if c.nodes[id].raft != nil {
				ids = append(ids, id)
			}
		}
	}
	var leader string
	eventually(c.t, 30*time.Second, func() error {
		leader = ""
		for _, id := range ids {
			l, _ := c.node(id).raft.Leader()
			if l == "" {
				return fmt.Errorf("%s knows no leader", id)
			}
			if leader != "" && l != leader {
				return fmt.Errorf("nodes disagree on the leader: %s vs %s", leader, l)
			}
			leader = l
		}
		for _, id := range ids {
			if id == leader && c.node(id).raft.IsLeader() {
				return nil
			}
		}
		return fmt.Errorf("leader %s is not among %v or not leading yet", leader, ids)
	})
	return leader
}

func (c *testCluster) followers(leader string) []string {
	var f []string
	for _, id := range c.order {
		if id != leader && c.nodes[id].raft != nil {
			f = append(f, id)
		}
	}
	return f
}

// eventually polls fn until it succeeds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var ecma = crc64.MakeTable(crc64.ECMA)

func crc(data string) uint64 { return crc64.Checksum([]byte(data), ecma) }

func createBucket(name string) []byte {
	return record.Encode(&record.CreateBucket{Name: name, Created: 1})
}

func putInline(bucket, key, data string) []byte {
	return record.Encode(&record.PutObject{Bucket: bucket, Key: key, Object: record.Object{
		Size: int64(len(data)), Type: record.TypeNormal, MTime: 1,
		CRC64:    crc(data),
		Segments: []record.Segment{{Size: int64(len(data)), CRC64: crc(data), Data: []byte(data)}},
	}})
}

// propose proposes cmd on node id and returns the state machine's result,
// failing the test on an error.
func (c *testCluster) propose(id string, cmd []byte) *record.Result {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	v, err := c.node(id).raft.Propose(ctx, cmd)
	if err != nil {
		c.t.Fatalf("propose on %s: %v", id, err)
	}
	res, ok := v.(*record.Result)
	if !ok {
		c.t.Fatalf("propose on %s: result %T", id, v)
	}
	return res
}

// mustOK proposes cmd on id and fails unless the command succeeded.
func (c *testCluster) mustOK(id string, cmd []byte) *record.Result {
	c.t.Helper()
	res := c.propose(id, cmd)
	if res.Code != record.CodeOK {
		c.t.Fatalf("propose on %s: code %d (%v)", id, res.Code, res.Err())
	}
	return res
}

// putThroughEveryNode writes n small objects named prefix00.. into bucket,
// proposing on each node in turn, then waits until reader has them all.
func (c *testCluster) putThroughEveryNode(reader, bucket, prefix string, n int) {
	c.t.Helper()
	for i := range n {
		c.mustOK(c.order[i%len(c.order)], putInline(bucket, fmt.Sprintf("%s%02d", prefix, i), "v"))
	}
	if err := c.readBucket(reader, bucket); err != nil {
		c.t.Fatal(err)
	}
}

// readBucket runs a read barrier on id and then reads the bucket there.
func (c *testCluster) readBucket(id, bucket string) error {
	nd := c.node(id)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := nd.raft.Barrier(ctx); err != nil {
		return fmt.Errorf("barrier on %s: %w", id, err)
	}
	if _, err := nd.fsm.GetBucket(bucket); err != nil {
		return fmt.Errorf("bucket %s on %s after barrier: %w", bucket, id, err)
	}
	return nil
}

// startPeerOnly starts just the peer server of a stopped node.
func (c *testCluster) startPeerOnly(id string) *peer.Server {
	c.t.Helper()
	nd := c.nodes[id]
	pcfg := peer.DefaultConfig()
	pcfg.Listen = nd.addr
	pcfg.Secret = c.secret
	pcfg.NodeID = id
	pcfg.Dial = c.net.Dialer(id)
	p, err := peer.New(pcfg)
	if err != nil {
		c.t.Fatal(err)
	}
	return p
}
