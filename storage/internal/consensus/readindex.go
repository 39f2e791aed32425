package consensus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Barrier makes the reads that follow it linearizable: it returns once
// this node's state machine has applied every command committed before
// Barrier was called, anywhere in the cluster. It runs raft's ReadIndex
// protocol, in this order: get the leader's commit index (locally on the
// leader, over the peer port on a follower), have the leader confirm with a
// quorum that it is still the leader (VerifyLeader), then wait until the
// local state machine has applied up to that index. Concurrent calls share
// rounds of the protocol. Without a leader backed by a quorum it fails with
// an error wrapping ErrNoQuorum within RequestTimeout (or with ctx.Err() if
// ctx ends first).
func (r *Raft) Barrier(ctx context.Context) error {
	if r.isClosed() {
		return ErrClosed
	}
	bctx, cancel := r.bound(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		_, id, err := r.leader(bctx)
		if err != nil {
			return r.fail(ctx, "read barrier", err)
		}
		var idx uint64
		waitFor := r.waitApplied
		if string(id) == r.id {
			idx, err = r.localReads.get(bctx)
		} else {
			idx, err = r.fwdReads.get(bctx)
			waitFor = r.waitAppliedNudging // nudge.go
		}
		if err == nil {
			if err := waitFor(bctx, idx); err != nil {
				return r.fail(ctx, "read barrier", err)
			}
			return nil
		}
		// A read changes nothing, so every failure may be retried until
		// the deadline.
		if errors.Is(err, ErrClosed) || bctx.Err() != nil {
			return r.fail(ctx, "read barrier", err)
		}
		if perr := r.pause(bctx, attempt); perr != nil {
			return r.fail(ctx, "read barrier", err)
		}
	}
}

// localReadIndex is one ReadIndex round on the leader. It returns the
// index the state machine must reach (see fsmTarget).
func (r *Raft) localReadIndex(ctx context.Context) (uint64, error) {
	if r.raft.State() != raft.Leader {
		return 0, fmt.Errorf("%w: %w", errNotApplied, ErrNotLeader)
	}
	// A new leader's commit index is only trustworthy once an entry of its
	// own term is committed (raft thesis 6.4); a barrier entry, once per
	// term, makes sure of that.
	term := r.raft.CurrentTerm()
	if r.termReady.Load() != term {
		if err := wait(ctx, r.raft.Barrier(r.cfg.RequestTimeout)); err != nil {
			return 0, err
		}
		r.termReady.Store(term)
	}
	if r.cfg.LeaseReads && r.lease.valid(term, time.Now()) {
		// No other leader can exist yet (see "Leases" in the package doc),
		// so every write acknowledged anywhere is in this commit index.
		return r.fsmTarget(r.raft.CommitIndex()), nil
	}
	start := time.Now()
	commit := r.raft.CommitIndex()
	r.verifications.Add(1)
	if err := wait(ctx, r.raft.VerifyLeader()); err != nil {
		return 0, err
	}
	if r.cfg.LeaseReads {
		// The heartbeats a quorum answered were sent after start.
		r.lease.extend(term, start.Add(r.cfg.LeaseDuration()))
	}
	return r.fsmTarget(commit), nil
}

// fsmTarget returns the index the state machine's AppliedIndex must reach
// for every entry up to commit to be applied. The state machine only sees
// commands and configuration entries (raft keeps no-ops and barriers to
// itself), so its applied index may never equal commit; the target is the
// last entry at or below commit that it does see, found by walking back
// from commit to what the leader's own state machine has applied (entries
// above a snapshot are always in the log).
func (r *Raft) fsmTarget(commit uint64) uint64 {
	applied := r.fsm.AppliedIndex()
	var l raft.Log
	for i := commit; i > applied; i-- {
		if err := r.logs.GetLog(i, &l); err != nil {
			return i
		}
		if l.Type == raft.LogCommand || l.Type == raft.LogConfiguration {
			return i
		}
	}
	return min(commit, applied)
}

// remoteReadIndex asks the leader for a read index, over the read-index
// stream when the leader serves it (readstream.go), else over HTTP.
func (r *Raft) remoteReadIndex(ctx context.Context) (uint64, error) {
	addr, id, err := r.leader(ctx)
	if err != nil {
		return 0, err
	}
	if string(id) == r.id {
		return 0, fmt.Errorf("%w: this node became the leader", errNotApplied)
	}
	idx, err := r.readClient.readIndex(ctx, string(addr))
	if !errors.Is(err, errStreamUnsupported) {
		return idx, err
	}
	r.lg.Debug("Leader refused the read-index stream; asking over HTTP", "leader", string(addr), "error", err)
	resp, err := r.client.Do(ctx, http.MethodPost, string(addr), pathReadIndex, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, remoteError(resp, body)
	}
	idx, err = strconv.ParseUint(strings.TrimSpace(string(body)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("consensus: read index from leader %s: %w", addr, err)
	}
	return idx, nil
}

func (r *Raft) handleReadIndex(w http.ResponseWriter, req *http.Request) {
	if r.raft.State() != raft.Leader {
		writeError(w, http.StatusMisdirectedRequest, reasonNotLeader, ErrNotLeader)
		return
	}
	r.httpRounds.Add(1)
	ctx, cancel := r.bound(req.Context())
	defer cancel()
	idx, err := r.localReads.get(ctx)
	if err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
			err = fmt.Errorf("%w: %w", errNotApplied, err)
		}
		r.writeRaftError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, strconv.FormatUint(idx, 10))
}

// waitApplied waits until the state machine has applied idx.
func (r *Raft) waitApplied(ctx context.Context, idx uint64) error {
	for {
		ch := r.fsm.applied.wait()
		if r.fsm.AppliedIndex() >= idx {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting to apply index %d (applied %d): %w", idx, r.fsm.AppliedIndex(), ctx.Err())
		case <-r.closed:
			return ErrClosed
		}
	}
}

// readBatcher runs rounds of a read-index function one at a time and lets
// every caller that arrives while a round runs share the next one. A
// caller never joins a round that started before it arrived: that round's
// commit index might predate a write the caller has already seen.
type readBatcher struct {
	fn      func(ctx context.Context) (uint64, error)
	base    context.Context
	timeout time.Duration

	mu      sync.Mutex
	next    *readRound
	running bool
}

type readRound struct {
	done chan struct{}
	idx  uint64
	err  error
}

func newReadBatcher(base context.Context, timeout time.Duration, fn func(ctx context.Context) (uint64, error)) *readBatcher {
	return &readBatcher{fn: fn, base: base, timeout: timeout}
}

// get joins the next round and waits for its result or ctx's end.
func (b *readBatcher) get(ctx context.Context) (uint64, error) {
	b.mu.Lock()
	if b.next == nil {
		b.next = &readRound{done: make(chan struct{})}
	}
	rd := b.next
	if !b.running {
		b.running = true
		go b.loop()
	}
	b.mu.Unlock()
	select {
	case <-rd.done:
		return rd.idx, rd.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (b *readBatcher) loop() {
	for {
		b.mu.Lock()
		rd := b.next
		b.next = nil
		if rd == nil {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		ctx, cancel := context.WithTimeout(b.base, b.timeout)
		rd.idx, rd.err = b.fn(ctx)
		cancel()
		close(rd.done)
	}
}

// leaderLease is how long this leader's reads need no round of heartbeats:
// until a time, within one term. Giving leadership away revokes it for the
// rest of the term (a transfer makes the target start an election at once,
// without waiting for its heartbeat timeout).
type leaderLease struct {
	mu      sync.Mutex
	term    uint64
	until   time.Time
	revoked uint64 // term in which the lease may no longer be extended
}

func (l *leaderLease) valid(term uint64, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.term == term && l.revoked != term && now.Before(l.until)
}

func (l *leaderLease) extend(term uint64, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.revoked == term {
		return
	}
	if l.term != term || until.After(l.until) {
		l.term, l.until = term, until
	}
}

// revoke ends the lease of term for good.
func (l *leaderLease) revoke(term uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.revoked = term
	l.until = time.Time{}
}
