package consensus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// NodeStatus is one node's own view of raft.
type NodeStatus struct {
	ID      string `json:"id"`
	Address string `json:"address"`
	// State is Leader, Follower, Candidate or Shutdown.
	State         string `json:"state"`
	LeaderID      string `json:"leaderID,omitempty"`
	LeaderAddress string `json:"leaderAddress,omitempty"`
	Term          uint64 `json:"term"`
	CommitIndex   uint64 `json:"commitIndex"`
	// AppliedIndex is the state machine's applied index.
	AppliedIndex uint64 `json:"appliedIndex"`
	LastIndex    uint64 `json:"lastIndex"`
	// LastContact is when a follower last heard from the leader (zero on
	// the leader and before any contact).
	LastContact time.Time `json:"lastContact,omitzero"`
	// Members is the number of servers in the latest configuration this
	// node knows (0 when it could not be read in time).
	Members int `json:"members"`
}

// Member is one server of the cluster configuration with the state it
// reported when asked.
type Member struct {
	ID      string `json:"id"`
	Address string `json:"address"`
	// Suffrage is Voter, Nonvoter or Staging.
	Suffrage string `json:"suffrage"`
	// State is what the member reports (Leader, Follower, Candidate,
	// Shutdown), or Unreachable when it did not answer.
	State        string `json:"state"`
	Term         uint64 `json:"term,omitempty"`
	CommitIndex  uint64 `json:"commitIndex,omitempty"`
	AppliedIndex uint64 `json:"appliedIndex,omitempty"`
	LastIndex    uint64 `json:"lastIndex,omitempty"`
	// Error says why an Unreachable member did not answer.
	Error string `json:"error,omitempty"`
}

// StateUnreachable is the Member.State of a member that did not answer.
const StateUnreachable = "Unreachable"

// Status is this node's view of the cluster.
type Status struct {
	NodeStatus
	Members []Member `json:"members"`
}

// LocalStatus returns this node's view of raft without asking anyone.
func (r *Raft) LocalStatus() NodeStatus {
	addr, id := r.raft.LeaderWithID()
	s := NodeStatus{
		ID:            r.id,
		Address:       r.addr,
		State:         r.raft.State().String(),
		LeaderID:      string(id),
		LeaderAddress: string(addr),
		Term:          r.raft.CurrentTerm(),
		CommitIndex:   r.raft.CommitIndex(),
		AppliedIndex:  r.fsm.AppliedIndex(),
		LastIndex:     r.raft.LastIndex(),
	}
	if s.State != raft.Leader.String() {
		s.LastContact = r.raft.LastContact()
	}
	ctx, cancel := context.WithTimeout(r.base, time.Second)
	defer cancel()
	if cfg, err := r.configuration(ctx); err == nil {
		s.Members = len(cfg.Servers)
	}
	return s
}

// Status returns this node's view of the cluster: its own raft state and
// every member of the latest configuration with the state that member
// reports over the peer port (asked in parallel, each within a couple of
// seconds; members that do not answer are Unreachable).
//
// When a quorum answers, the view is current: a read barrier first makes
// this node catch up with everything committed, so a member change that
// was acknowledged on another node shows. Without a quorum (within
// statusBarrierTimeout) it is this node's possibly stale view, which is
// what an operator needs to see then.
func (r *Raft) Status(ctx context.Context) (Status, error) {
	if _, id := r.raft.LeaderWithID(); id != "" {
		bctx, cancel := context.WithTimeout(ctx, statusBarrierTimeout)
		_ = r.Barrier(bctx) // best effort, see above
		cancel()
	}
	st := Status{NodeStatus: r.LocalStatus()}
	f := r.raft.GetConfiguration()
	if err := wait(ctx, f); err != nil {
		return st, fmt.Errorf("consensus: configuration: %w", err)
	}
	servers := f.Configuration().Servers
	st.Members = make([]Member, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		m := &st.Members[i]
		*m = Member{ID: string(s.ID), Address: string(s.Address), Suffrage: s.Suffrage.String()}
		if m.ID == r.id {
			m.fill(st.NodeStatus)
			continue
		}
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			ns, err := r.remoteStatus(cctx, m.Address)
			if err != nil {
				m.State, m.Error = StateUnreachable, err.Error()
				return
			}
			m.fill(ns)
		})
	}
	wg.Wait()
	return st, nil
}

// statusBarrierTimeout bounds the read barrier of Status.
const statusBarrierTimeout = 3 * time.Second

func (m *Member) fill(ns NodeStatus) {
	m.State, m.Term, m.CommitIndex, m.AppliedIndex, m.LastIndex = ns.State, ns.Term, ns.CommitIndex, ns.AppliedIndex, ns.LastIndex
}

func (r *Raft) remoteStatus(ctx context.Context, addr string) (NodeStatus, error) {
	var ns NodeStatus
	resp, err := r.client.Do(ctx, http.MethodGet, addr, pathStatus, nil)
	if err != nil {
		return ns, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return ns, err
	}
	if resp.StatusCode != http.StatusOK {
		return ns, remoteError(resp, body)
	}
	err = json.Unmarshal(body, &ns)
	return ns, err
}

func (r *Raft) handleStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(r.LocalStatus())
}

// ErrBadMember is returned for an invalid member id or address.
var ErrBadMember = errors.New("consensus: bad member")

// AddVoter adds a voting member with the given id and peer address, or
// changes the address of an existing member; adding a member that is
// already there is a no-op. It runs on the leader (forwarded from a
// follower). The new node must run with no raft state and not bootstrap
// (it is not in its own initial cluster, or it has an empty one); it
// catches up from the leader's log or snapshot.
func (r *Raft) AddVoter(ctx context.Context, id, address string) error {
	if id == "" {
		return fmt.Errorf("%w: empty id", ErrBadMember)
	}
	if err := validateAddress(address); err != nil {
		return fmt.Errorf("%w: %w", ErrBadMember, err)
	}
	body, _ := json.Marshal(Peer{ID: id, Address: address})
	return r.onLeader(ctx, "add voter "+id,
		func(ctx context.Context) error { return r.addVoterLocal(ctx, id, address) },
		func(ctx context.Context, leader string) error {
			return r.call(ctx, http.MethodPost, leader, pathMembers, body)
		})
}

// RemoveServer removes a member from the cluster; removing an absent member
// is a no-op. It runs on the leader (forwarded from a follower); when the
// leader removes itself it first hands leadership to another voter, which
// then removes it, so the cluster does not wait an election timeout for a
// new leader. The removed node keeps running as a silent follower until it
// is stopped (or added again).
func (r *Raft) RemoveServer(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty id", ErrBadMember)
	}
	return r.onLeader(ctx, "remove server "+id,
		func(ctx context.Context) error { return r.removeServerLocal(ctx, id) },
		func(ctx context.Context, leader string) error {
			return r.call(ctx, http.MethodDelete, leader, pathMembers+"/"+url.PathEscape(id), nil)
		})
}

// onLeader runs local on the leader or remote against it, retrying while
// leadership moves, within RequestTimeout.
func (r *Raft) onLeader(ctx context.Context, op string, local func(context.Context) error, remote func(context.Context, string) error) error {
	if r.isClosed() {
		return ErrClosed
	}
	bctx, cancel := r.bound(ctx)
	defer cancel()
	for attempt := 0; ; attempt++ {
		addr, id, err := r.leader(bctx)
		if err != nil {
			return r.fail(ctx, op, err)
		}
		if string(id) == r.id {
			err = local(bctx)
		} else {
			err = remote(bctx, string(addr))
		}
		if err == nil {
			return nil
		}
		if errors.Is(err, ErrBadMember) {
			return err
		}
		if !errors.Is(err, errNotApplied) {
			return r.fail(ctx, op, err)
		}
		if perr := r.pause(bctx, attempt); perr != nil {
			return r.fail(ctx, op, err)
		}
	}
}

// configuration returns the latest configuration.
func (r *Raft) configuration(ctx context.Context) (raft.Configuration, error) {
	f := r.raft.GetConfiguration()
	if err := wait(ctx, f); err != nil {
		return raft.Configuration{}, err
	}
	return f.Configuration(), nil
}

func (r *Raft) addVoterLocal(ctx context.Context, id, address string) error {
	cfg, err := r.configuration(ctx)
	if err != nil {
		return err
	}
	for _, s := range cfg.Servers {
		if string(s.ID) == id && string(s.Address) == address && s.Suffrage == raft.Voter {
			return nil
		}
		if string(s.ID) != id && string(s.Address) == address {
			return fmt.Errorf("%w: address %s belongs to member %s", ErrBadMember, address, s.ID)
		}
	}
	r.lg.Info("Adding voter", "id", id, "address", address)
	return leaderFutureErr(wait(ctx, r.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(address), 0, r.cfg.RequestTimeout)))
}

func (r *Raft) removeServerLocal(ctx context.Context, id string) error {
	cfg, err := r.configuration(ctx)
	if err != nil {
		return err
	}
	found, otherVoters := false, 0
	for _, s := range cfg.Servers {
		found = found || string(s.ID) == id
		if string(s.ID) != id && s.Suffrage == raft.Voter {
			otherVoters++
		}
	}
	if !found {
		return nil
	}
	if otherVoters == 0 {
		return fmt.Errorf("%w: %s is the last voter", ErrBadMember, id)
	}
	if id == r.id {
		r.lg.Info("Transferring leadership before removing this node")
		// The target will not wait for its heartbeat timeout: this
		// leader's reads must confirm leadership from now on.
		r.lease.revoke(r.raft.CurrentTerm())
		if err := wait(ctx, r.raft.LeadershipTransfer()); err != nil {
			return fmt.Errorf("%w: leadership transfer: %w", errNotApplied, err)
		}
		// The new leader removes us on the next attempt.
		return fmt.Errorf("%w: leadership transferred", errNotApplied)
	}
	r.lg.Info("Removing server", "id", id)
	return leaderFutureErr(wait(ctx, r.raft.RemoveServer(raft.ServerID(id), 0, r.cfg.RequestTimeout)))
}

// leaderFutureErr marks raft's "not the leader" answers as retryable.
func leaderFutureErr(err error) error {
	if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrEnqueueTimeout) {
		return fmt.Errorf("%w: %w", errNotApplied, err)
	}
	if errors.Is(err, raft.ErrRaftShutdown) {
		return ErrClosed
	}
	return err
}

// call sends a membership request to the leader.
func (r *Raft) call(ctx context.Context, method, addr, path string, body []byte) error {
	resp, err := r.client.Do(ctx, method, addr, path, body)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.Header.Get(headerError) == reasonBad:
		return fmt.Errorf("%w: %s", ErrBadMember, msg)
	}
	return remoteError(resp, msg)
}

func (r *Raft) handleAddVoter(w http.ResponseWriter, req *http.Request) {
	var p Peer
	if err := json.NewDecoder(http.MaxBytesReader(w, req.Body, 4096)).Decode(&p); err != nil {
		writeError(w, http.StatusBadRequest, reasonBad, err)
		return
	}
	if p.ID == "" || validateAddress(p.Address) != nil {
		writeError(w, http.StatusBadRequest, reasonBad, fmt.Errorf("%w: %q=%q", ErrBadMember, p.ID, p.Address))
		return
	}
	r.serveMembership(w, req, func(ctx context.Context) error { return r.addVoterLocal(ctx, p.ID, p.Address) })
}

func (r *Raft) handleRemoveServer(w http.ResponseWriter, req *http.Request) {
	id := req.PathValue("id")
	r.serveMembership(w, req, func(ctx context.Context) error { return r.removeServerLocal(ctx, id) })
}

func (r *Raft) serveMembership(w http.ResponseWriter, req *http.Request, op func(context.Context) error) {
	if r.raft.State() != raft.Leader {
		writeError(w, http.StatusMisdirectedRequest, reasonNotLeader, ErrNotLeader)
		return
	}
	ctx, cancel := r.bound(req.Context())
	defer cancel()
	switch err := op(ctx); {
	case err == nil:
		w.WriteHeader(http.StatusOK)
	case errors.Is(err, ErrBadMember):
		writeError(w, http.StatusBadRequest, reasonBad, err)
	default:
		r.writeRaftError(w, err)
	}
}

// PeerAddresses returns the peer addresses of the other members of the
// latest configuration this node knows.
func (r *Raft) PeerAddresses(ctx context.Context) ([]string, error) {
	cfg, err := r.configuration(ctx)
	if err != nil {
		return nil, fmt.Errorf("consensus: configuration: %w", err)
	}
	var out []string
	for _, s := range cfg.Servers {
		if string(s.ID) != r.id {
			out = append(out, string(s.Address))
		}
	}
	return out, nil
}
