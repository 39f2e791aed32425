package object

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/meta"
)

// replicaChunk is the unit the write path hands to replicas.
const replicaChunk = 256 << 10

// errDropped ends a replica's stream when the write drops it.
var errDropped = errors.New("object: replica dropped from the write")

// replState is the replication bookkeeping of a Store.
type replState struct {
	ctx    context.Context // ends at Close: background repairs stop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	repairing map[string]bool // "blob/node" repairs in flight
	sem       chan struct{}   // bounds concurrent background repairs
	rescan    chan struct{}   // asks the repair loop for a full pass

	// Counters for metrics (ReplicationStats).
	replicaFailures atomic.Uint64
	underWrites     atomic.Uint64
	readFailovers   atomic.Uint64
	repairs         atomic.Uint64
	repairFailures  atomic.Uint64
	scrubbed        atomic.Uint64
	scrubCorrupt    atomic.Uint64
}

func (r *replState) init() {
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.repairing = map[string]bool{}
	r.sem = make(chan struct{}, 2)
	r.rescan = make(chan struct{}, 1)
}

// goBackground runs fn unless the Store is closing; Close waits for it.
func (r *replState) goBackground(fn func(ctx context.Context)) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.wg.Go(func() { fn(r.ctx) })
	return true
}

func (r *replState) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

// ReplicationStats are counters of the replication machinery since start,
// plus the current number of under-replicated blobs.
type ReplicationStats struct {
	// UnderReplicated counts blobs with fewer than meta.ReplicationFactor
	// copies (as the metadata records them).
	UnderReplicated int64
	// ReplicaWriteFailures counts replicas that failed or were dropped
	// during writes; UnderReplicatedWrites the writes that succeeded with
	// fewer copies than wanted.
	ReplicaWriteFailures  uint64
	UnderReplicatedWrites uint64
	// ReadFailovers counts reads that switched to another replica.
	ReadFailovers uint64
	// Repairs and RepairFailures count copies made (or attempted) by the
	// repair loop, read repair and the scrubber.
	Repairs        uint64
	RepairFailures uint64
	// ScrubbedBlobs and ScrubCorrupt count blobs the scrubber verified and
	// found damaged.
	ScrubbedBlobs uint64
	ScrubCorrupt  uint64
}

// UnderReplicatedCounter is the part of MetaReader replication needs to
// report; *meta.FSM implements it.
type placementReader interface {
	GetPlacement(id string) (meta.Placement, bool, error)
	Placements(after string, max int, underOnly bool) ([]meta.Placement, error)
	UnderReplicatedCount() (int64, error)
}

// ReplicationStats returns the replication counters. UnderReplicated is
// read from this node's state machine (no barrier: metrics may lag).
func (s *Store) ReplicationStats() ReplicationStats {
	st := ReplicationStats{
		ReplicaWriteFailures:  s.repl.replicaFailures.Load(),
		UnderReplicatedWrites: s.repl.underWrites.Load(),
		ReadFailovers:         s.repl.readFailovers.Load(),
		Repairs:               s.repl.repairs.Load(),
		RepairFailures:        s.repl.repairFailures.Load(),
		ScrubbedBlobs:         s.repl.scrubbed.Load(),
		ScrubCorrupt:          s.repl.scrubCorrupt.Load(),
	}
	if pr, ok := s.meta.(placementReader); ok {
		st.UnderReplicated, _ = pr.UnderReplicatedCount()
	}
	return st
}

// UnderReplicated returns how many blobs have fewer copies than wanted,
// as this node's state machine records them.
func (s *Store) UnderReplicated() (int64, error) {
	pr, ok := s.meta.(placementReader)
	if !ok {
		return 0, nil
	}
	return pr.UnderReplicatedCount()
}

// sink is one replica of a write: the pump queues chunks of the body for it
// and its consumer (blob.Store.Create or a peer PUT) reads them.
type sink struct {
	node   Node
	local  bool
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
func (s *Store) writeReplicated(ctx context.Context, id string, body io.Reader, size int64, wantMD5 []byte) (blob.Info, []string, error) {
	nodes, err := s.members.get(ctx)
	if err != nil {
		return blob.Info{}, nil, err
	}
	targets := placeNew(id, s.cluster.Self(), nodes, meta.ReplicationFactor)
	need := quorum(meta.ReplicationFactor, len(voters(nodes)))
	if len(targets) < need {
		return blob.Info{}, nil, fmt.Errorf("%w: %d voting members, a write needs %d", ErrUnavailable, len(targets), need)
	}

	wctx, cancelAll := context.WithCancel(ctx)
	defer cancelAll()
	depth := max(1, s.cfg.ReplicaBuffer/replicaChunk)
	sinks := make([]*sink, len(targets))
	results := make(chan *sink, len(targets))
	for i, nd := range targets {
		kctx, cancel := context.WithCancel(wctx)
		k := &sink{
			node: nd, local: nd.ID == s.cluster.Self(), live: true,
			queue: make(chan []byte, depth), abort: make(chan struct{}), done: make(chan struct{}), cancel: cancel,
		}
		sinks[i] = k
		go func() {
			defer func() {
				close(k.done)
				results <- k
			}()
			if k.local {
				k.info, k.err = s.blobs.Create(kctx, id, k, blob.CreateOptions{Size: size, MD5: wantMD5})
			} else {
				k.info, k.err = s.peers.Put(kctx, nd.Addr, id, k, size, wantMD5)
			}
		}()
	}

	perr := s.pump(ctx, body, size, sinks, need)
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
			if k.local && k.err == nil {
				if derr := s.blobs.Delete(id); derr != nil {
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
		s.repl.replicaFailures.Add(uint64(len(failed)))
		// A wrong Content-MD5 or a short body fails every replica alike.
		for _, k := range sinks {
			if k.finished() && errors.Is(k.err, blob.ErrDigestMismatch) {
				return fail(ErrBadDigest)
			}
		}
		s.lg.Warn("Too few replicas stored a blob", "blob", id, "stored", len(ok), "need", need, "err", errors.Join(failed...))
		return fail(fmt.Errorf("%w: blob stored on %d of %d nodes (need %d): %w", ErrUnavailable, len(ok), len(sinks), need, errors.Join(failed...)))
	}
	if len(failed) > 0 {
		s.repl.replicaFailures.Add(uint64(len(failed)))
		s.lg.Warn("Blob stored under-replicated", "blob", id, "stored", len(ok), "err", errors.Join(failed...))
	}
	if len(ok) < meta.ReplicationFactor {
		s.repl.underWrites.Add(1)
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
// every live sink. A sink whose queue stays full for StallTimeout is dropped;
// a sink whose consumer ended is no longer fed. When fewer than need sinks
// are left the write cannot succeed and pump stops.
func (s *Store) pump(ctx context.Context, body io.Reader, size int64, sinks []*sink, need int) error {
	liveCount := func() int {
		n := 0
		for _, k := range sinks {
			if k.live && !k.finished() {
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
				return fmt.Errorf("%w: got fewer than %d bytes", ErrIncompleteBody, size)
			}
			return err
		}
		sent += int64(len(c))
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
func (s *Store) tooFewReplicas(sinks []*sink, need int) error {
	var errs []error
	for _, k := range sinks {
		switch {
		case k.finished() && k.err != nil:
			if errors.Is(k.err, blob.ErrDigestMismatch) {
				return ErrBadDigest
			}
			errs = append(errs, fmt.Errorf("%s: %w", k.node.ID, k.err))
		case !k.live:
			errs = append(errs, fmt.Errorf("%s: fell behind", k.node.ID))
		}
	}
	s.repl.replicaFailures.Add(uint64(len(errs)))
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
func (s *Store) awaitReplicas(ctx context.Context, sinks []*sink, results <-chan *sink, need int, streamed bool) {
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
