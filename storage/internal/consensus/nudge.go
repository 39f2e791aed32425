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

// Commit nudges.
//
// A follower learns that an entry is committed from the next append the
// leader sends it: hashicorp/raft's heartbeats carry no commit index. When
// no write follows, that next append is the empty one the leader sends every
// CommitTimeout. A read barrier on a follower right after a write (the
// follower forwarded a PUT, then serves the GET that follows it) waits for
// it. A short CommitTimeout keeps that wait short, but an idle Region then
// pays one empty append per follower every few milliseconds, which was most
// of an idle leader's CPU.
//
// So CommitTimeout is long, and a follower whose barrier has waited
// nudgeGrace without reaching its index asks the leader to nudge (POST
// /-/peer/v1/raft/nudge with the index in the body). The leader appends a
// barrier entry (raft's own kind, which no state machine sees), and the
// append that carries it also carries a commit index at or above the one
// asked for, since that index was committed before the follower asked.
// Under load the appends of other writes arrive within the grace and no
// nudge is sent. Nudges are coalesced on both sides: a follower sends one
// at a time, for the highest index waited for; a leader proposes one
// barrier at a time, and none for an index an earlier nudge of its term
// already covered. A nudge that fails changes nothing: the barrier still
// ends at the next append, at most twice CommitTimeout later. A leader that
// does not know the path (an older kossd during a rolling upgrade) answers
// 404, which is the same; and an older follower never nudges, so during an
// upgrade its barriers after a write may wait that long.
const (
	pathNudge = "/-/peer/v1/raft/nudge"
	// nudgeGrace is how long a follower's barrier waits for its index
	// before it asks for a nudge: longer than a round of replication on a
	// busy Region, far shorter than CommitTimeout.
	nudgeGrace = 2 * time.Millisecond
)

// waitAppliedNudging is waitApplied for a follower: past nudgeGrace it asks
// the leader for a nudge and keeps waiting.
func (r *Raft) waitAppliedNudging(ctx context.Context, idx uint64) error {
	if r.fsm.AppliedIndex() >= idx {
		return nil
	}
	gctx, cancel := context.WithTimeout(ctx, nudgeGrace)
	err := r.waitApplied(gctx, idx)
	cancel()
	if err == nil || ctx.Err() != nil || errors.Is(err, ErrClosed) {
		return err
	}
	r.askNudge.request(r.raft.CurrentTerm(), idx)
	return r.waitApplied(ctx, idx)
}

// sendNudge asks the leader to nudge idx.
func (r *Raft) sendNudge(ctx context.Context, idx uint64) error {
	addr, id, err := r.leader(ctx)
	if err != nil {
		return err
	}
	if string(id) == r.id {
		return nil // this node leads now: its own barriers need no nudge
	}
	resp, err := r.client.Do(ctx, http.MethodPost, string(addr), pathNudge, []byte(strconv.FormatUint(idx, 10)))
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusNoContent {
		return remoteError(resp, body)
	}
	return nil
}

func (r *Raft) handleNudge(w http.ResponseWriter, req *http.Request) {
	if r.raft.State() != raft.Leader {
		writeError(w, http.StatusMisdirectedRequest, reasonNotLeader, ErrNotLeader)
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, 64))
	if err != nil {
		writeError(w, http.StatusBadRequest, "", err)
		return
	}
	idx, err := strconv.ParseUint(strings.TrimSpace(string(body)), 10, 64)
	if err != nil {
		writeError(w, http.StatusBadRequest, "", fmt.Errorf("consensus: nudge index: %w", err))
		return
	}
	r.nudges.Add(1)
	r.giveNudge.request(r.raft.CurrentTerm(), idx)
	w.WriteHeader(http.StatusNoContent)
}

// proposeNudge appends a barrier entry, whose replication tells every
// follower the commit index; idx is at or below it already.
func (r *Raft) proposeNudge(ctx context.Context, _ uint64) error {
	if r.raft.State() != raft.Leader {
		return ErrNotLeader
	}
	return wait(ctx, r.raft.Barrier(r.cfg.RequestTimeout))
}

// nudger runs send for the highest index requested, one call at a time,
// and never again for an index a call of the same term has covered.
type nudger struct {
	send    func(ctx context.Context, idx uint64) error
	base    context.Context
	timeout time.Duration

	mu      sync.Mutex
	term    uint64
	covered uint64 // highest index sent (or being sent) in term
	want    uint64 // highest index requested while a call ran
	busy    bool
}

func newNudger(base context.Context, timeout time.Duration, send func(context.Context, uint64) error) *nudger {
	return &nudger{send: send, base: base, timeout: timeout}
}

// request asks for idx to be nudged; it never blocks.
func (n *nudger) request(term, idx uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if term != n.term {
		n.term, n.covered, n.want = term, 0, 0
	}
	if idx <= n.covered {
		return
	}
	if n.busy {
		n.want = max(n.want, idx)
		return
	}
	n.busy, n.covered = true, idx
	go n.run(term, idx)
}

func (n *nudger) run(term, idx uint64) {
	for {
		ctx, cancel := context.WithTimeout(n.base, n.timeout)
		err := n.send(ctx, idx)
		cancel()
		n.mu.Lock()
		if err != nil && n.term == term && n.covered == idx {
			// Not covered after all: let the next request try again.
			n.covered = 0
		}
		if n.want > n.covered {
			// Asked for more while this call ran (in n.term, which
			// request keeps current).
			term, idx = n.term, n.want
			n.covered, n.want = idx, 0
			n.mu.Unlock()
			continue
		}
		n.busy = false
		n.mu.Unlock()
		return
	}
}
