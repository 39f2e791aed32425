package consensus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/raft"

	"github.com/koss-io/koss/storage/internal/peer"
)

// Peer HTTP endpoints of the raft proposer.
const (
	pathPropose   = "/-/peer/v1/raft/propose"
	pathReadIndex = "/-/peer/v1/raft/readindex"
	pathStatus    = "/-/peer/v1/raft/status"
	pathMembers   = "/-/peer/v1/raft/members"
)

// headerError says why a peer raft request failed, one of the reason*
// values; the HTTP status alone cannot tell "not applied, retry" from
// "outcome unknown".
const headerError = "X-Koss-Raft-Error"

const (
	reasonNotLeader = "not-leader" // certainly not applied: ask the leader
	reasonNoQuorum  = "no-quorum"  // outcome unknown
	reasonClosed    = "closed"     // the node is shutting down
	reasonBad       = "bad-request"
)

func (r *Raft) registerHandlers() {
	p := r.cfg.Peer
	p.HandleFunc("POST "+pathPropose, r.handlePropose)
	p.HandleFunc("POST "+pathReadIndex, r.handleReadIndex)
	p.HandleFunc("POST "+pathNudge, r.handleNudge)
	p.HandleFunc("GET "+pathStatus, r.handleStatus)
	p.HandleFunc("POST "+pathMembers, r.handleAddVoter)
	p.HandleFunc("DELETE "+pathMembers+"/{id}", r.handleRemoveServer)
}

// Propose replicates cmd through the leader's log and returns the state
// machine's result once the command is committed and applied on the
// leader. On a follower the command is forwarded to the leader over the
// peer port and the leader's result is returned. Without a leader backed
// by a quorum it fails with an error wrapping ErrNoQuorum within
// RequestTimeout (or ctx's deadline, if sooner; then ctx.Err()). An error
// means the command may or may not take effect; Propose never sends a
// command twice unless the first attempt certainly did not reach a
// leader's log. The caller must not modify cmd afterwards.
func (r *Raft) Propose(ctx context.Context, cmd []byte) (any, error) {
	if r.isClosed() {
		return nil, ErrClosed
	}
	bctx, cancel := r.bound(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		addr, id, err := r.leader(bctx)
		if err != nil {
			return nil, r.fail(ctx, "propose", err)
		}
		var res any
		if string(id) == r.id {
			res, err = r.applyLocal(bctx, cmd)
		} else {
			res, err = r.forwardPropose(bctx, string(addr), cmd)
		}
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, errNotApplied) {
			return nil, r.fail(ctx, "propose", err)
		}
		if perr := r.pause(bctx, attempt); perr != nil {
			return nil, r.fail(ctx, "propose", err)
		}
	}
}

// applyLocal appends cmd to this leader's log and waits for its result.
func (r *Raft) applyLocal(ctx context.Context, cmd []byte) (any, error) {
	timeout := r.cfg.RequestTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = max(time.Until(dl), time.Millisecond)
	}
	f := r.raft.Apply(cmd, timeout)
	if err := wait(ctx, f); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrEnqueueTimeout):
			// Never reached the log.
			return nil, fmt.Errorf("%w: %w", errNotApplied, err)
		case errors.Is(err, raft.ErrRaftShutdown):
			return nil, ErrClosed
		}
		return nil, err
	}
	return f.Response(), nil
}

// forwardPropose sends cmd to the leader at addr.
func (r *Raft) forwardPropose(ctx context.Context, addr string, cmd []byte) (any, error) {
	resp, err := r.client.Do(ctx, http.MethodPost, addr, pathPropose, cmd)
	if err != nil {
		if peer.IsDialError(err) {
			return nil, fmt.Errorf("%w: %w", errNotApplied, err)
		}
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, r.cfg.MaxCommandSize))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, remoteError(resp, body)
	}
	res, err := r.cfg.Codec.DecodeResult(body)
	if err != nil {
		return nil, fmt.Errorf("consensus: result from leader %s: %w", addr, err)
	}
	return res, nil
}

// remoteError turns a failed peer raft response into an error.
func remoteError(resp *http.Response, body []byte) error {
	msg := strings.TrimSpace(string(body))
	switch resp.Header.Get(headerError) {
	case reasonNotLeader:
		return fmt.Errorf("%w: %w: %s", errNotApplied, ErrNotLeader, msg)
	case reasonNoQuorum:
		return fmt.Errorf("%w: leader: %s", ErrNoQuorum, msg)
	case reasonClosed:
		return fmt.Errorf("%w: leader is shutting down: %s", ErrNoQuorum, msg)
	}
	return fmt.Errorf("consensus: peer answered %s: %s", resp.Status, msg)
}

func (r *Raft) handlePropose(w http.ResponseWriter, req *http.Request) {
	cmd, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.cfg.MaxCommandSize))
	if err != nil {
		writeError(w, http.StatusBadRequest, reasonBad, err)
		return
	}
	if r.raft.State() != raft.Leader {
		writeError(w, http.StatusMisdirectedRequest, reasonNotLeader, ErrNotLeader)
		return
	}
	ctx, cancel := r.bound(req.Context())
	defer cancel()
	res, err := r.applyLocal(ctx, cmd)
	if err != nil {
		r.writeRaftError(w, err)
		return
	}
	b, err := r.cfg.Codec.EncodeResult(res)
	if err != nil {
		// The command is applied; only its answer is lost.
		writeError(w, http.StatusInternalServerError, reasonNoQuorum, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(b)
}

// writeRaftError answers a failed leader-side operation.
func (r *Raft) writeRaftError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errNotApplied):
		writeError(w, http.StatusMisdirectedRequest, reasonNotLeader, err)
	case errors.Is(err, ErrClosed) || r.isClosed():
		writeError(w, http.StatusServiceUnavailable, reasonClosed, err)
	default:
		writeError(w, http.StatusServiceUnavailable, reasonNoQuorum, err)
	}
}

func writeError(w http.ResponseWriter, status int, reason string, err error) {
	w.Header().Set(headerError, reason)
	http.Error(w, err.Error(), status)
}
