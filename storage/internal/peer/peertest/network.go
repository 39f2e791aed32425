package peertest

import (
	"context"
	"net"
	"sync"

	"github.com/koss-io/koss/storage/internal/peer"
)

// Network tracks the connections nodes open to each other and cuts them on
// demand. A cut behaves like a network that drops packets: established
// connections stop delivering bytes (writes are swallowed, reads wait for
// more data or a deadline) and new connections never complete (the dial
// waits until its context ends), so timeouts, not connection errors, are
// what the nodes see. The zero value is not usable; use NewNetwork.
type Network struct {
	mu       sync.Mutex
	addrs    map[string]string // advertise address -> node id
	isolated map[string]bool
	links    map[*link]struct{}
}

// NewNetwork returns a network with no faults.
func NewNetwork() *Network {
	return &Network{addrs: make(map[string]string), isolated: make(map[string]bool), links: make(map[*link]struct{})}
}

// Register tells the network that node id is reached at addr, so that dials
// to addr count as traffic to id.
func (n *Network) Register(id, addr string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.addrs[addr] = id
}

// Dialer returns the dial function for node from.
func (n *Network) Dialer(from string) peer.DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		n.mu.Lock()
		to := n.addrs[addr]
		cut := n.isolated[from] || n.isolated[to]
		n.mu.Unlock()
		if cut {
			<-ctx.Done()
			return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		l := &link{from: from, to: to, real: c}
		local, remote := net.Pipe()
		l.pipe = remote
		n.mu.Lock()
		n.links[l] = struct{}{}
		l.cut = n.isolated[from] || n.isolated[to]
		n.mu.Unlock()
		go l.pump(n, remote, c) // node -> real
		go l.pump(n, c, remote) // real -> node
		return &pipeConn{Conn: local, real: c}, nil
	}
}

// Isolate cuts every connection to and from node id, present and future.
func (n *Network) Isolate(id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.isolated[id] = true
	for l := range n.links {
		if l.from == id || l.to == id {
			l.cut = true
		}
	}
}

// Heal removes every fault. Connections that were cut stay cut (their
// peers have timed out on them); new ones work.
func (n *Network) Heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.isolated)
}

// link is one connection from node from to node to: a pipe on the node's
// side, the real TCP connection on the other, and two pumps between them.
type link struct {
	from, to string
	real     net.Conn
	pipe     net.Conn
	cut      bool // guarded by Network.mu
	once     sync.Once
}

func (l *link) isCut(n *Network) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return l.cut
}

// pump copies src to dst until either ends, dropping bytes while cut.
func (l *link) pump(n *Network, src, dst net.Conn) {
	defer l.close(n)
	buf := make([]byte, 32<<10)
	for {
		k, err := src.Read(buf)
		if k > 0 && !l.isCut(n) {
			if _, werr := dst.Write(buf[:k]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (l *link) close(n *Network) {
	l.once.Do(func() {
		n.mu.Lock()
		cut := l.cut
		delete(n.links, l)
		n.mu.Unlock()
		_ = l.real.Close()
		if !cut {
			// A cut link tells the node nothing: its end stays open and
			// silent until the node's own timeout closes it.
			_ = l.pipe.Close()
		}
	})
}

// pipeConn is the node's end of a link; closing it closes the real
// connection too. It reports the real connection's addresses.
type pipeConn struct {
	net.Conn
	real net.Conn
}

func (c *pipeConn) LocalAddr() net.Addr  { return c.real.LocalAddr() }
func (c *pipeConn) RemoteAddr() net.Addr { return c.real.RemoteAddr() }
func (c *pipeConn) Close() error {
	err := c.Conn.Close()
	_ = c.real.Close()
	return err
}
