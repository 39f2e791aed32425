package replica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"time"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

// replicaReader reads part of a blob from its replicas: this node's copy
// first when it holds one, then the others (live ones first, in random
// order to spread load). When a copy fails — missing, corrupt, unreachable,
// or cut off mid-stream — it goes on from the same offset with the next
// one; every byte it returns was verified against its block checksum. The
// copies found missing or corrupt are repaired in the background after the
// read.
type replicaReader struct {
	s     *Set
	ctx   context.Context
	seg   record.Segment
	off   int64 // of the next byte to return, within the blob
	left  int64
	cands []Node
	next  int
	cur   io.ReadCloser
	// bad are the nodes whose copy was missing or corrupt.
	bad []string
	// damaged counts failures that were missing or corrupt copies, as
	// opposed to nodes that could not be reached.
	errs    []error
	damaged int
	closed  bool
}

// openReplicated starts a verified read of n bytes at off of seg's blob,
// failing over between its replicas.
func (s *Set) openReplicated(ctx context.Context, seg record.Segment, off, n int64) (*replicaReader, error) {
	r := &replicaReader{s: s, ctx: ctx, seg: seg, off: off, left: n}
	nodes, err := s.members.get(ctx)
	if err != nil {
		return nil, err
	}
	r.cands = readOrder(s.cluster.Self(), seg, nodes, s.members.isDown)
	if len(r.cands) < len(seg.Replicas) {
		// A replica our cached member list does not know: a member removed
		// since the write, or (on a node that joined a moment ago) a view
		// older than the configuration. Look again before giving up on it.
		if fresh, err := s.members.refreshAtMostEvery(ctx, unknownReplicaRefresh); err == nil {
			r.cands = readOrder(s.cluster.Self(), seg, fresh, s.members.isDown)
		}
	}
	if err := r.open(); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

// unknownReplicaRefresh bounds how often reads that find a replica the
// member list does not know refresh the list: often enough that a node
// that joined a moment ago reads at once, rarely enough that a placement
// still naming a removed member costs little.
const unknownReplicaRefresh = 100 * time.Millisecond

// readOrder lists the nodes to read a segment from. A segment without a
// replica list (written before placement) may be on any member.
func readOrder(self string, seg record.Segment, nodes []Node, down func(string) bool) []Node {
	members := byID(nodes)
	ids := seg.Replicas
	if len(ids) == 0 {
		for _, n := range nodes {
			ids = append(ids, n.ID)
		}
	}
	var local, live, dead []Node
	for _, id := range ids {
		n, ok := members[id]
		if !ok {
			continue // removed from the cluster
		}
		switch {
		case id == self:
			local = append(local, n)
		case n.Alive && !down(id):
			live = append(live, n)
		default:
			dead = append(dead, n)
		}
	}
	rand.Shuffle(len(live), func(i, j int) { live[i], live[j] = live[j], live[i] })
	return slices.Concat(local, live, dead)
}

// open opens the next candidate that works, from r.off.
func (r *replicaReader) open() error {
	for r.next < len(r.cands) {
		nd := r.cands[r.next]
		r.next++
		rc, err := r.openOn(nd)
		if err == nil {
			r.cur = rc
			return nil
		}
		r.failed(nd, err)
	}
	return r.exhausted()
}

func (r *replicaReader) openOn(nd Node) (io.ReadCloser, error) {
	rc, info, err := r.s.replicaOn(nd).ReadRange(r.ctx, r.seg.Blob, r.off, r.left)
	if err != nil {
		return nil, err
	}
	if info.Size != r.seg.Size || info.CRC64 != r.seg.CRC64 {
		_ = rc.Close()
		return nil, fmt.Errorf("%w: %s: the copy on %s does not match its record", blob.ErrCorrupt, r.seg.Blob, nd.ID)
	}
	return rc, nil
}

// failed records why a copy could not be read.
func (r *replicaReader) failed(nd Node, err error) {
	r.errs = append(r.errs, fmt.Errorf("%s: %w", nd.ID, err))
	switch {
	case errors.Is(err, blob.ErrCorrupt) || errors.Is(err, blob.ErrNotFound):
		r.damaged++
		r.bad = append(r.bad, nd.ID)
		r.s.lg.Error("A replica failed verification", "blob", r.seg.Blob, "node", nd.ID, "err", err)
	case isDialError(err):
		r.s.members.markDown(nd.ID)
	}
}

// exhausted is the error once no candidate is left: the data is damaged
// when every copy was, unavailable when some could not be reached.
func (r *replicaReader) exhausted() error {
	err := errors.Join(r.errs...)
	if r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	if len(r.errs) > 0 && r.damaged == len(r.errs) {
		r.s.lg.Error("Every copy of a blob is damaged", "blob", r.seg.Blob, "err", err)
		return fmt.Errorf("%w: blob %s: every copy is damaged: %w", ErrDamaged, r.seg.Blob, err)
	}
	r.s.lg.Warn("No reachable copy of a blob", "blob", r.seg.Blob, "err", err)
	return fmt.Errorf("%w: blob %s: no readable copy: %w", ErrUnavailable, r.seg.Blob, err)
}

func (r *replicaReader) Read(p []byte) (int, error) {
	for {
		if r.left == 0 {
			return 0, io.EOF
		}
		if r.cur == nil {
			return 0, r.exhausted()
		}
		if int64(len(p)) > r.left {
			p = p[:r.left]
		}
		n, err := r.cur.Read(p)
		r.off += int64(n)
		r.left -= int64(n)
		if err == nil || (errors.Is(err, io.EOF) && r.left == 0) {
			if n == 0 && err == nil {
				continue
			}
			return n, nil
		}
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("%w: copy ended %d bytes early", io.ErrUnexpectedEOF, r.left)
		}
		if r.ctx.Err() != nil {
			return n, r.ctx.Err()
		}
		// Go on with the next copy from where this one stopped.
		_ = r.cur.Close()
		r.cur = nil
		r.failed(r.cands[r.next-1], err)
		r.s.stats.readFailovers.Add(1)
		if oerr := r.open(); oerr != nil {
			return n, oerr
		}
		if n > 0 {
			return n, nil
		}
	}
}

// Close ends the read and schedules repairs of the damaged copies found.
func (r *replicaReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	if r.cur != nil {
		_ = r.cur.Close()
		r.cur = nil
	}
	if len(r.bad) > 0 {
		r.s.repairCopies(r.seg, r.bad)
	}
	return nil
}

// isDialError reports whether err happened while connecting to a node (it
// is down or cut off), as opposed to a failure of its copy.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
