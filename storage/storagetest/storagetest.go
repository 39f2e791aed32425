package storagetest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/storage/server"
)

// Root credentials of every cluster started here.
const (
	RootAccessKeyID     = "KOSSTESTROOT000000001"
	RootAccessKeySecret = "kossTestRootSecret00000000000000000001"
	Region              = "local"
)

// Options adjust a cluster.
type Options struct {
	// Raft overrides the consensus timeouts; zero fields get Tuning's
	// values (a little tighter than production, still seconds).
	Raft server.RaftTuning
	// Configure, when set, edits each node's configuration before it
	// starts (for example to set PeerDialer).
	Configure func(i int, cfg *server.Config)
	// Logs receives every node's logs; nil keeps them in memory and
	// prints them if the test fails.
	Logs io.Writer
	// TLSCAFile, when set, says the nodes serve HTTPS (Configure gives
	// them their certificates): Endpoint is then https:// and the
	// cluster's own clients (Admin, WaitReady, HTTPClient) trust this CA.
	TLSCAFile string
}

// Tuning is the raft tuning clusters use unless Options says otherwise:
// failovers take a few seconds, without flapping on a loaded machine.
var Tuning = server.RaftTuning{
	HeartbeatTimeout:   700 * time.Millisecond,
	ElectionTimeout:    700 * time.Millisecond,
	LeaderLeaseTimeout: 500 * time.Millisecond,
	RequestTimeout:     3 * time.Second,
}

// Cluster is a Region of real kossd nodes (server.Server instances in this
// process), each with its own data directory and its own loopback address
// (127.x.y.z, so its ports stay free for restarts).
type Cluster struct {
	t     testing.TB
	opts  Options
	lg    *slog.Logger
	logs  *syncBuffer
	nodes []*Node
}

// Node is one member of a Cluster.
type Node struct {
	// ID is the node id (n1, n2, ...).
	ID string
	// DataDir is the node's data directory, kept across restarts.
	DataDir string
	// Addr is host:port of the OSS API; PeerAddr of the peer port.
	Addr, PeerAddr string

	cfg    server.Config
	mu     sync.Mutex
	srv    *server.Server
	cancel context.CancelFunc
	done   chan error
}

// StartCluster starts n nodes that form one Region and waits until every
// one is ready (a member with a known leader). Everything stops when the
// test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	return StartClusterWith(t, n, Options{})
}

// StartClusterWith is StartCluster with options.
func StartClusterWith(t testing.TB, n int, opts Options) *Cluster {
	t.Helper()
	if n < 1 {
		t.Fatalf("storagetest: cluster of %d nodes", n)
	}
	c := &Cluster{t: t, opts: opts, logs: &syncBuffer{}}
	var w io.Writer = c.logs
	if opts.Logs != nil {
		w = opts.Logs
	}
	c.lg = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	t.Cleanup(func() {
		for i := range c.nodes {
			c.Kill(i)
		}
		if t.Failed() && opts.Logs == nil {
			t.Logf("cluster logs:\n%s", c.logs.String())
		}
	})
	var members []string
	for i := range n {
		nd := c.newNode(i)
		members = append(members, nd.ID+"="+nd.PeerAddr)
	}
	for i, nd := range c.nodes {
		nd.cfg.InitialCluster = strings.Join(members, ",")
		if opts.Configure != nil {
			opts.Configure(i, &nd.cfg)
		}
	}
	for i := range c.nodes {
		c.start(i)
	}
	for i := range c.nodes {
		c.WaitReady(i)
	}
	return c
}

// newNode picks a loopback address and a data directory for node i.
func (c *Cluster) newNode(i int) *Node {
	c.t.Helper()
	ip := fmt.Sprintf("127.%d.%d.%d", 1+rand.IntN(254), rand.IntN(256), 1+rand.IntN(254))
	addr, peerAddr := freePort(c.t, ip), freePort(c.t, ip)
	nd := &Node{ID: "n" + strconv.Itoa(i+1), DataDir: c.t.TempDir(), Addr: addr, PeerAddr: peerAddr}
	cfg := server.DefaultConfig()
	cfg.DataDir = nd.DataDir
	cfg.Listen = addr
	cfg.PeerListen = peerAddr
	cfg.NodeID = nd.ID
	cfg.Region = Region
	cfg.RootAccessKeyID, cfg.RootAccessKeySecret = RootAccessKeyID, RootAccessKeySecret
	cfg.Raft = c.opts.Raft
	if cfg.Raft == (server.RaftTuning{}) {
		cfg.Raft = Tuning
	}
	cfg.Logger = c.lg.With("node", nd.ID)
	nd.cfg = cfg
	c.nodes = append(c.nodes, nd)
	return nd
}

func freePort(t testing.TB, ip string) string {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("storagetest: listen on %s: %v", ip, err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

func (c *Cluster) start(i int) {
	c.t.Helper()
	nd := c.nodes[i]
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.srv != nil {
		c.t.Fatalf("storagetest: node %s is running", nd.ID)
	}
	var srv *server.Server
	var err error
	// The ports were free a moment ago and only this node uses its
	// address; a restart may still find the old socket closing.
	for attempt := 0; ; attempt++ {
		srv, err = server.New(nd.cfg)
		if err == nil || attempt == 50 || !strings.Contains(err.Error(), "address already in use") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		c.t.Fatalf("storagetest: start %s: %v", nd.ID, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	nd.srv, nd.cancel, nd.done = srv, cancel, done
}

// AddNode starts one more node, outside the initial cluster: it runs but is
// not ready until a member adds it (Admin(i).AddMember(n.ID, n.PeerAddr)).
// It returns the new node's index.
func (c *Cluster) AddNode() int {
	c.t.Helper()
	initial := c.nodes[0].cfg.InitialCluster
	nd := c.newNode(len(c.nodes))
	nd.cfg.InitialCluster = initial
	i := len(c.nodes) - 1
	if c.opts.Configure != nil {
		c.opts.Configure(i, &nd.cfg)
	}
	c.start(i)
	return i
}

// Len returns the number of nodes.
func (c *Cluster) Len() int { return len(c.nodes) }

// Node returns node i (0-based).
func (c *Cluster) Node(i int) *Node { return c.nodes[i] }

// Endpoint returns the OSS endpoint of node i, e.g. http://127.4.5.6:40123
// (https with Options.TLSCAFile).
func (c *Cluster) Endpoint(i int) string {
	if c.opts.TLSCAFile != "" {
		return "https://" + c.nodes[i].Addr
	}
	return "http://" + c.nodes[i].Addr
}

// HTTPClient returns a client for the nodes' endpoints: one that trusts
// Options.TLSCAFile when it is set.
func (c *Cluster) HTTPClient() *http.Client {
	c.t.Helper()
	if c.opts.TLSCAFile == "" {
		return &http.Client{Timeout: 30 * time.Second}
	}
	pem, err := os.ReadFile(c.opts.TLSCAFile)
	if err != nil {
		c.t.Fatalf("storagetest: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		c.t.Fatalf("storagetest: %s holds no certificate", c.opts.TLSCAFile)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Timeout: 30 * time.Second, Transport: tr}
}

// Endpoints returns every node's OSS endpoint.
func (c *Cluster) Endpoints() []string {
	out := make([]string, len(c.nodes))
	for i := range c.nodes {
		out[i] = c.Endpoint(i)
	}
	return out
}

// Running reports whether node i is running.
func (c *Cluster) Running(i int) bool {
	nd := c.nodes[i]
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.srv != nil
}

// Admin returns an admin API client for node i, signed with the root key.
func (c *Cluster) Admin(i int) *adminclient.Client {
	c.t.Helper()
	a, err := adminclient.New(c.Endpoint(i), RootAccessKeyID, RootAccessKeySecret, adminclient.WithHTTPClient(c.HTTPClient()))
	if err != nil {
		c.t.Fatal(err)
	}
	return a
}

// Kill stops node i at once (without waiting for requests in flight); its
// directories stay for Restart. Killing a stopped node does nothing.
func (c *Cluster) Kill(i int) {
	nd := c.nodes[i]
	nd.mu.Lock()
	defer nd.mu.Unlock()
	if nd.srv == nil {
		return
	}
	nd.cancel()
	if err := nd.srv.Close(); err != nil {
		c.t.Errorf("storagetest: close %s: %v", nd.ID, err)
	}
	if err := <-nd.done; err != nil {
		c.t.Logf("storagetest: %s stopped: %v", nd.ID, err)
	}
	nd.srv, nd.cancel, nd.done = nil, nil, nil
}

// Restart starts a killed node again on its directories and addresses and
// waits until it is ready.
func (c *Cluster) Restart(i int) {
	c.t.Helper()
	c.start(i)
	c.WaitReady(i)
}

// WaitReady waits until node i answers /-/readyz with 200.
func (c *Cluster) WaitReady(i int) {
	c.t.Helper()
	url := c.Endpoint(i) + server.PathReadyz
	client := c.HTTPClient()
	client.Timeout = 2 * time.Second
	c.eventually(60*time.Second, func() error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %d %s", url, resp.StatusCode, bytes.TrimSpace(body))
		}
		return nil
	})
}

// WaitLeader waits until every running node names the same running
// leader and returns that leader's index.
func (c *Cluster) WaitLeader() int {
	c.t.Helper()
	leader := -1
	c.eventually(60*time.Second, func() error {
		leader = -1
		var id string
		for i := range c.nodes {
			if !c.Running(i) {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			st, err := c.Admin(i).ClusterStatus(ctx)
			cancel()
			if err != nil {
				return fmt.Errorf("%s: %w", c.nodes[i].ID, err)
			}
			if st.Leader == "" {
				return fmt.Errorf("%s knows no leader", c.nodes[i].ID)
			}
			if id != "" && st.Leader != id {
				return fmt.Errorf("nodes disagree on the leader: %s vs %s", id, st.Leader)
			}
			id = st.Leader
		}
		for i, nd := range c.nodes {
			if nd.ID == id && c.Running(i) {
				leader = i
				return nil
			}
		}
		return fmt.Errorf("leader %q is not a running node", id)
	})
	return leader
}

func (c *Cluster) eventually(timeout time.Duration, fn func() error) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("storagetest: after %s: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
