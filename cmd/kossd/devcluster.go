package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// devNode is one child process of a dev Region.
type devNode struct {
	id       string
	dataDir  string
	addr     string // OSS API, 127.0.0.x:port
	peerAddr string
	args     []string
	ready    atomic.Bool

	mu  sync.Mutex
	cmd *exec.Cmd
}

// devCluster runs a Region of child processes behind one endpoint.
type devCluster struct {
	self   string   // executable of the children
	env    []string // environment of the children (root key included)
	log    *slog.Logger
	stderr io.Writer
	nodes  []*devNode
	next   atomic.Uint64 // round robin of the endpoint
	outMu  sync.Mutex    // serializes children's output lines
}

// devChildEnv is added to the children's environment (tests use it to run
// their own binary as kossd).
var devChildEnv []string

// devNodeIP is the loopback address of node i: 127.0.0.2, .3, ... (the whole
// 127/8 is local on Linux).
func devNodeIP(i int) string { return fmt.Sprintf("127.0.0.%d", i+2) }

// runDevCluster runs n nodes, each its own `kossd server` process on its own
// loopback address, and one endpoint on listen that spreads connections over
// the ready nodes. It restarts nodes that crash and stops them all when ctx
// ends. ready is called once every node is ready (or the wait gave up).
func runDevCluster(ctx context.Context, n int, listen, dataDir, region, domain string, lf logFlags, creds devCredentials, stderr io.Writer, log *slog.Logger, ready func(endpoint string, nodes []string)) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("locate kossd: %w", err)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	defer func() { _ = ln.Close() }()
	port := ln.Addr().(*net.TCPAddr).Port
	if port+2 > 65535 {
		return fmt.Errorf("--listen port %d leaves no room for the nodes' ports (%d and %d)", port, port+1, port+2)
	}
	c := &devCluster{
		self:   self,
		env:    append(append(os.Environ(), devChildEnv...), "KOSS_ROOT_ACCESS_KEY_ID="+creds.AccessKeyID, "KOSS_ROOT_ACCESS_KEY_SECRET="+creds.AccessKeySecret),
		log:    log,
		stderr: stderr,
	}
	var members []string
	for i := range n {
		ip := devNodeIP(i)
		nd := &devNode{
			id:       "node-" + strconv.Itoa(i+1),
			addr:     net.JoinHostPort(ip, strconv.Itoa(port+1)),
			peerAddr: net.JoinHostPort(ip, strconv.Itoa(port+2)),
		}
		nd.dataDir = filepath.Join(dataDir, nd.id)
		members = append(members, nd.id+"="+nd.peerAddr)
		c.nodes = append(c.nodes, nd)
	}
	for _, nd := range c.nodes {
		nd.args = []string{"server",
			"--data", nd.dataDir, "--listen", nd.addr, "--peer-listen", nd.peerAddr,
			"--node-id", nd.id, "--initial-cluster", strings.Join(members, ","),
			"--region", region, "--domain", domain,
			"--log-level", lf.level, "--log-format", lf.format,
		}
	}

	var wg sync.WaitGroup
	for _, nd := range c.nodes {
		wg.Go(func() { c.supervise(ctx, nd) })
	}
	wg.Go(func() { c.watchReadiness(ctx) })
	wg.Go(func() { c.serveEndpoint(ctx, ln) })

	// Announce once every node is ready, or after a minute regardless.
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	for !c.allReady() && wait.Err() == nil {
		select {
		case <-wait.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	cancel()
	if ctx.Err() == nil {
		nodes := make([]string, len(c.nodes))
		for i, nd := range c.nodes {
			nodes[i] = nd.id + "  " + endpointURL(nd.addr)
		}
		ready(endpointURL(ln.Addr().String()), nodes)
	}
	<-ctx.Done()
	_ = ln.Close()
	wg.Wait()
	return nil
}

func (c *devCluster) allReady() bool {
	for _, nd := range c.nodes {
		if !nd.ready.Load() {
			return false
		}
	}
	return true
}

// supervise runs one node until ctx ends, restarting it when it exits on
// its own (with a growing pause, reset once it has run for a minute).
func (c *devCluster) supervise(ctx context.Context, nd *devNode) {
	backoff := time.Second
	for ctx.Err() == nil {
		started := time.Now()
		err := c.runNode(ctx, nd)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > time.Minute {
			backoff = time.Second
		}
		c.log.Warn("Node exited; restarting it", "node", nd.id, "error", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

// runNode starts the node's process and waits for it to exit. When ctx
// ends it asks the process to stop (SIGTERM) and kills it after 30 seconds.
func (c *devCluster) runNode(ctx context.Context, nd *devNode) error {
	cmd := exec.Command(c.self, nd.args...)
	cmd.Env = c.env
	// The children must not outlive the parent, even if it is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := os.MkdirAll(nd.dataDir, 0o750); err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	nd.mu.Lock()
	nd.cmd = cmd
	nd.mu.Unlock()
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		c.prefixLines(nd.id, out)
	}()
	exited := make(chan error, 1)
	go func() {
		<-copied
		exited <- cmd.Wait()
	}()
	select {
	case err := <-exited:
		nd.ready.Store(false)
		return err
	case <-ctx.Done():
	}
	nd.ready.Store(false)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		return err
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return <-exited
	}
}

// prefixLines copies a child's output to stderr, each line tagged with the
// node's id.
func (c *devCluster) prefixLines(id string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		c.outMu.Lock()
		fmt.Fprintf(c.stderr, "%-7s| %s\n", id, sc.Bytes())
		c.outMu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// watchReadiness polls every node's /-/readyz.
func (c *devCluster) watchReadiness(ctx context.Context) {
	hc := &http.Client{Timeout: time.Second}
	for {
		for _, nd := range c.nodes {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpointURL(nd.addr)+"/-/readyz", nil)
			resp, err := hc.Do(req)
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			if nd.ready.Swap(ok) != ok && ctx.Err() == nil {
				c.log.Info("Node readiness changed", "node", nd.id, "ready", ok)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// serveEndpoint accepts client connections and relays each one to a ready
// node, taking them in turn (any node serves the whole API); when none is
// ready it uses any, which answers 503 itself.
func (c *devCluster) serveEndpoint(ctx context.Context, ln net.Listener) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			c.log.Warn("Accept failed", "error", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		wg.Go(func() { c.relay(ctx, conn) })
	}
}

func (c *devCluster) pick() *devNode {
	start := c.next.Add(1)
	for k := range uint64(len(c.nodes)) {
		nd := c.nodes[(start+k)%uint64(len(c.nodes))]
		if nd.ready.Load() {
			return nd
		}
	}
	return c.nodes[start%uint64(len(c.nodes))]
}

func (c *devCluster) relay(ctx context.Context, client net.Conn) {
	defer func() { _ = client.Close() }()
	nd := c.pick()
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	backend, err := d.DialContext(dctx, "tcp", nd.addr)
	cancel()
	if err != nil {
		return
	}
	defer func() { _ = backend.Close() }()
	stop := context.AfterFunc(ctx, func() {
		_ = client.Close()
		_ = backend.Close()
	})
	defer stop()
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(backend, client)
		if tc, ok := backend.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(client, backend)
		if tc, ok := client.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}()
	<-done
	<-done
}
