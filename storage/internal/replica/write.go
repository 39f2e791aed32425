package replica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/replica/bodydigest"
)

// replicaChunk is the unit the write path hands to replicas.
const replicaChunk = 256 << 10

// errDropped ends a replica's stream when the write drops it.
var errDropped = errors.New("object: replica dropped from the write")

// sink is one replica of a write: the pump queues chunks of the body for it
// and its consumer (the replica's Create, local or remote alike) reads them.
type sink struct {
	node   Node
	to     blob.Replica
	queue  chan []byte
	abort  chan struct{} // closed when the write drops this replica
	done   chan struct{} // closed when the consumer returned
	cancel context.CancelFunc
	live   bool // the pump still feeds it (pump goroutine only)

	cur []byte // reader side
	pos int

	info blob.Info // consumer's result, valid after done
	err  error
}

// Read implements io.Reader for the consumer.
func (k *sink) Read(p []byte) (int, error) {
	for k.pos == len(k.cur) {
		select {
		case c, ok := <-k.queue:
			if !ok {
				return 0, io.EOF
			}
			k.cur, k.pos = c, 0
		case <-k.abort:
			return 0, errDropped
		}
	}
	n := copy(p, k.cur[k.pos:])
	k.pos += n
	return n, nil
}

func (k *sink) drop() {
	if k.live {
		k.live = false
		close(k.abort)
		k.cancel()
	}
}

// finished reports whether the consumer has returned.
func (k *sink) finished() bool {
	select {
	case <-k.done:
		return true
	default:
		return false
	}
}

// writeReplicated streams exactly size bytes of body to the blob's replicas
// at once (this node's blob store and peers), reading the body once, and
// returns the blob's info with the ids of the nodes that hold a durable copy
// (at least a quorum, else ErrUnavailable and nothing is referenced).
func (s *Set) writeReplicated(ctx context.Context, id string, body io.Reader, size int64, wantMD5 []byte) (blob.Info, []string, error) {
	nodes, err := s.members.get(ctx)
	if err != nil {
		return blob.Info{}, nil, err
	}
	self := s.cluster.Self()
	targets := placeNew(id, self, nodes, record.ReplicationFactor)
	need := quorum(record.ReplicationFactor, len(voters(nodes)))
	if len(targets) < need {
		return blob.Info{}, nil, fmt.Errorf("%w: %d voting members, a write needs %d", ErrUnavailable, len(targets), need)
	}

	wctx, cancelAll := context.WithCancel(ctx)
	defer cancelAll()
	depth := max(1, s.cfg.ReplicaBuffer/replicaChunk)
	// The body is hashed once, here, for every copy (package bodydigest).
	dg := bodydigest.New(depth)
	sinks := make([]*sink, len(targets))
	results := make(chan *sink, len(targets))
	for i, nd := range targets {
		kctx, cancel := context.WithCancel(wctx)
		k := &sink{
			node: nd, to: s.replicaOn(nd), live: true,
			queue: make(chan []byte, depth), abort: make(chan struct{}), done: make(chan struct{}), cancel: cancel,
		}
		sinks[i] = k
		go func() {
			defer func() {
				close(k.done)
				results <- k
			}()
			k.info, k.err = k.to.Create(kctx, id, k, blob.CreateOptions{Size: size, MD5: wantMD5, Digest: dg.Wait})
		}()
	}

	perr := s.pump(ctx, body, size, sinks, need, dg)
	// Before the replicas can read their last byte: each asks for the
	// digest then.
	dg.End(perr)
	for _, k := range sinks {
		if perr != nil {
			k.drop()
		} else if k.live {
			close(k.queue)
		}
	}
	s.awaitReplicas(ctx, sinks, results, need, perr == nil)

	var ok []*sink
	var failed []error
	for _, k := range sinks {
		switch {
		case k.finished() && k.err == nil && k.info.Size == size:
			ok = append(ok, k)
		case k.finished() && k.err != nil:
			failed = append(failed, fmt.Errorf("%s: %w", k.node.ID, k.err))
		default:
			failed = append(failed, fmt.Errorf("%s: no answer in time", k.node.ID))
		}
	}
	// Copies that disagree with the first good one cannot be: they read the
	// same bytes. Refuse rather than reference a blob whose copies differ.
	for _, k := range ok[min(1, len(ok)):] {
		if k.info.MD5 != ok[0].info.MD5 || k.info.CRC64 != ok[0].info.CRC64 {
			perr = errors.Join(perr, fmt.Errorf("object: replicas of blob %s disagree", id))
		}
	}
	fail := func(err error) (blob.Info, []string, error) {
		cancelAll()
		for _, k := range sinks {
			<-k.done
			if k.node.ID == self && k.err == nil {
				if derr := s.local.Delete(id); derr != nil {
					s.lg.Warn("Deleting the local copy of a failed write failed", "blob", id, "err", derr)
				}
			}
		}
		// Copies on peers are unreferenced: their sweepers delete them.
		return blob.Info{}, nil, err
	}
	if perr != nil {
		return fail(perr)
	}
	if len(ok) < need {
		s.stats.replicaFailures.Add(uint64(len(failed)))
		// A wrong Content-MD5 fails every replica alike.
		for _, k := range sinks {
			if k.finished() && errors.Is(k.err, blob.ErrDigestMismatch) {
				return fail(k.err)
			}
		}
		s.lg.Warn("Too few replicas stored a blob", "blob", id, "stored", len(ok), "need", need, "err", errors.Join(failed...))
		return fail(fmt.Errorf("%w: blob stored on %d of %d nodes (need %d): %w", ErrUnavailable, len(ok), len(sinks), need, errors.Join(failed...)))
	}
	if len(failed) > 0 {
		s.stats.replicaFailures.Add(uint64(len(failed)))
		s.lg.Warn("Blob stored under-replicated", "blob", id, "stored", len(ok), "err", errors.Join(failed...))
	}
	if len(ok) < record.ReplicationFactor {
		s.stats.underWrites.Add(1)
	}
	replicas := make([]string, len(ok))
	for i, k := range ok {
		replicas[i] = k.node.ID
	}
	info := ok[0].info
	info.ID = id
	return info, replicas, nil
}

// pump reads exactly size bytes of body in chunks and queues each chunk for
// the body digester and every live sink. A sink whose queue stays full for
// StallTimeout is dropped; a sink whose consumer ended is no longer fed.
// When fewer than need sinks are left the write cannot succeed and pump
// stops.
func (s *Set) pump(ctx context.Context, body io.Reader, size int64, sinks []*sink, need int, dg *bodydigest.Digester) error {
	// A sink still counts while its consumer runs, and once it has
	// returned successfully: a replica may finish as soon as it has the
	// last byte, before this loop checks.
	liveCount := func() int {
		n := 0
		for _, k := range sinks {
			if k.live && (!k.finished() || k.err == nil) {
				n++
			}
		}
		return n
	}
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for sent := int64(0); sent < size; {
		c := make([]byte, min(replicaChunk, size-sent))
		if _, err := io.ReadFull(body, c); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("%w: got fewer than %d bytes", blob.ErrSizeMismatch, size)
			}
			return err
		}
		sent += int64(len(c))
		if err := dg.Add(ctx, c); err != nil {
			return err
		}
		for _, k := range sinks {
			if !k.live {
				continue
			}
			select {
			case k.queue <- c:
				continue
			case <-k.done:
				k.live = false
				continue
			default:
			}
			if timer == nil {
				timer = time.NewTimer(s.cfg.StallTimeout)
			} else {
				timer.Reset(s.cfg.StallTimeout)
			}
			select {
			case k.queue <- c:
			case <-k.done:
				k.live = false
			case <-timer.C:
				s.lg.Warn("Dropping a replica that fell behind", "node", k.node.ID, "stalled", s.cfg.StallTimeout)
				k.drop()
			case <-ctx.Done():
				return ctx.Err()
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
		if liveCount() < need {
			return s.tooFewReplicas(sinks, need)
		}
	}
	return nil
}

// tooFewReplicas explains why a write lost its quorum mid-stream.
func (s *Set) tooFewReplicas(sinks []*sink, need int) error {
	var errs []error
	for _, k := range sinks {
		switch {
		case k.finished() && k.err != nil:
			if errors.Is(k.err, blob.ErrDigestMismatch) {
				return k.err
			}
			errs = append(errs, fmt.Errorf("%s: %w", k.node.ID, k.err))
		case !k.live:
			errs = append(errs, fmt.Errorf("%s: fell behind", k.node.ID))
		}
	}
	s.stats.replicaFailures.Add(uint64(len(errs)))
	return fmt.Errorf("%w: fewer than %d replicas could take the data: %w", ErrUnavailable, need, errors.Join(errs...))
}

// awaitReplicas waits for the replicas' answers (each consumer sends its
// sink on results once done): for all of them, but once need have
// succeeded only ReplicaGrace longer, and never more than ReplicaTimeout.
// Replicas that have not answered by then (or when ctx ends) are cancelled
// and count as failed; their copies,
// should they complete anyway, are extra and harmless. With streamed false
// every sink was dropped already and this only waits for the consumers to
// return.
func (s *Set) awaitReplicas(ctx context.Context, sinks []*sink, results <-chan *sink, need int, streamed bool) {
	var grace <-chan time.Time
	var ctxDone <-chan struct{}
	var limit <-chan time.Time
	if streamed {
		ctxDone = ctx.Done()
		t := time.NewTimer(s.cfg.ReplicaTimeout)
		defer t.Stop()
		limit = t.C
	}
	good := 0
	for pending := len(sinks); pending > 0; {
		if streamed && good >= need && grace == nil {
			t := time.NewTimer(s.cfg.ReplicaGrace)
			defer t.Stop()
			grace = t.C
		}
		select {
		case k := <-results:
			pending--
			if k.err == nil {
				good++
			}
			continue
		case <-grace:
		case <-limit:
		case <-ctxDone:
		}
		for _, k := range sinks {
			if !k.finished() {
				k.cancel()
			}
		}
		return
	}
}

// replicaOn returns the blob store of node n: this node's disk, or the
// node's across the network. Both are a blob.Replica, so the write and
// read paths never ask which.
func (s *Set) replicaOn(n Node) blob.Replica {
	if n.ID == s.cluster.Self() {
		return s.local
	}
	return s.cfg.Remote(n.Addr)
}
