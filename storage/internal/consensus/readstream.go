package consensus

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"github.com/koss-io/koss/storage/internal/peer"
)

// The read-index stream. Every read barrier on a follower needs the
// leader's read index, and under load followers ask for one round after
// another. Asked over the peer HTTP API, each round costs a signed request,
// its verification, and HTTP framing on both nodes, which on a small
// machine was a tenth of a follower GET's CPU. The stream pays for
// authentication once, at the handshake (peer.KindReadIndex), and then
// carries one byte out and nine bytes back per round.
//
// A follower keeps one connection to the leader it last asked, and asks
// over it one round at a time (the follower's readBatcher runs rounds one
// after another), so requests and answers need no ids. Any failure closes
// the connection; Barrier retries within its deadline. When the leader
// does not speak the stream (an older kossd during a rolling upgrade, so
// the handshake fails) the round goes over HTTP instead.
//
// Frames:
//
//	request:  'R'
//	answer:   0x00 <index, uint64 big-endian>     the leader's read index
//	          0x01 <uvarint n> <n bytes message>  not the leader (any more)
//	          0x02 <uvarint n> <n bytes message>  any other failure
const (
	readRequest       = 'R'
	readAnswerIndex   = 0x00
	readAnswerNotLead = 0x01
	readAnswerFailed  = 0x02
	maxReadMessage    = 4096
)

// serveReadIndexStream accepts read-index connections until l closes.
func (r *Raft) serveReadIndexStream(l *peer.StreamListener) {
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			r.serveReadIndexConn(c)
		}()
	}
}

// serveReadIndexConn answers one follower's rounds until it hangs up or
// this node closes.
func (r *Raft) serveReadIndexConn(c net.Conn) {
	stop := context.AfterFunc(r.base, func() { _ = c.Close() })
	defer stop()
	defer func() { _ = c.Close() }()
	br := bufio.NewReader(c)
	var out []byte
	for {
		b, err := br.ReadByte()
		if err != nil || b != readRequest {
			return
		}
		r.streamRounds.Add(1)
		out = r.answerReadIndex(out[:0])
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// answerReadIndex runs one leader round for a follower and appends its
// answer frame to out.
func (r *Raft) answerReadIndex(out []byte) []byte {
	if r.raft.State() != raft.Leader {
		return appendReadFailure(out, readAnswerNotLead, ErrNotLeader.Error())
	}
	ctx, cancel := context.WithTimeout(r.base, r.cfg.RequestTimeout)
	defer cancel()
	idx, err := r.localReads.get(ctx)
	switch {
	case err == nil:
		return binary.BigEndian.AppendUint64(append(out, readAnswerIndex), idx)
	case errors.Is(err, ErrNotLeader), errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost):
		return appendReadFailure(out, readAnswerNotLead, err.Error())
	default:
		return appendReadFailure(out, readAnswerFailed, err.Error())
	}
}

func appendReadFailure(out []byte, kind byte, msg string) []byte {
	if len(msg) > maxReadMessage {
		msg = msg[:maxReadMessage]
	}
	out = binary.AppendUvarint(append(out, kind), uint64(len(msg)))
	return append(out, msg...)
}

// readIndexClient is a follower's connection to the leader's read-index
// stream.
type readIndexClient struct {
	listener *peer.StreamListener
	timeout  time.Duration

	mu   sync.Mutex
	addr string // the leader conn is connected to
	conn net.Conn
	br   *bufio.Reader
}

// errStreamUnsupported reports that the leader refused the stream's
// handshake; the caller asks over HTTP instead.
var errStreamUnsupported = errors.New("consensus: leader does not serve the read-index stream")

// readIndex asks the leader at addr for its read index.
func (c *readIndexClient) readIndex(ctx context.Context, addr string) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil && c.addr != addr {
		c.closeLocked()
	}
	if c.conn == nil {
		conn, err := c.listener.Dial(addr, c.timeout)
		if err != nil {
			if peer.IsDialError(err) {
				return 0, err
			}
			return 0, fmt.Errorf("%w: %w", errStreamUnsupported, err)
		}
		c.addr, c.conn, c.br = addr, conn, bufio.NewReaderSize(conn, 64)
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(c.timeout)
	}
	_ = c.conn.SetDeadline(deadline)
	idx, err := c.round()
	if err != nil {
		c.closeLocked()
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, err
	}
	return idx, nil
}

// round sends one request and reads its answer.
func (c *readIndexClient) round() (uint64, error) {
	if _, err := c.conn.Write([]byte{readRequest}); err != nil {
		return 0, fmt.Errorf("consensus: read index from %s: %w", c.addr, err)
	}
	kind, err := c.br.ReadByte()
	if err != nil {
		return 0, fmt.Errorf("consensus: read index from %s: %w", c.addr, err)
	}
	if kind == readAnswerIndex {
		var b [8]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return 0, fmt.Errorf("consensus: read index from %s: %w", c.addr, err)
		}
		return binary.BigEndian.Uint64(b[:]), nil
	}
	n, err := binary.ReadUvarint(c.br)
	if err != nil || n > maxReadMessage {
		return 0, fmt.Errorf("consensus: read index from %s: malformed answer", c.addr)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(c.br, msg); err != nil {
		return 0, fmt.Errorf("consensus: read index from %s: %w", c.addr, err)
	}
	switch kind {
	case readAnswerNotLead:
		return 0, fmt.Errorf("%w: %w: leader %s: %s", errNotApplied, ErrNotLeader, c.addr, msg)
	case readAnswerFailed:
		return 0, fmt.Errorf("consensus: read index from leader %s: %s", c.addr, msg)
	default:
		return 0, fmt.Errorf("consensus: read index from %s: unknown answer %#x", c.addr, kind)
	}
}

func (c *readIndexClient) closeLocked() {
	if c.conn != nil {
		_ = c.conn.Close()
	}
	c.addr, c.conn, c.br = "", nil, nil
}

// close drops the connection (at Close).
func (c *readIndexClient) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked()
}
