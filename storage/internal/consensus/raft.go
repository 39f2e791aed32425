package consensus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"github.com/koss-io/koss/storage/internal/consensus/hcslog"
	"github.com/koss-io/koss/storage/internal/consensus/raftlog"
	"github.com/koss-io/koss/storage/internal/peer"
)

// Errors of the raft proposer. ErrNoQuorum is what a node that cannot reach
// a leader backed by a majority returns for writes and linearizable reads;
// the object layer turns it into 503 ServiceUnavailable.
var (
	ErrNoQuorum = errors.New("consensus: no leader with a quorum reachable")
	// ErrNotLeader is returned by operations that only the leader may run
	// when leadership moved while they ran.
	ErrNotLeader = errors.New("consensus: not the leader")
	// ErrNotMember is reported by Ready while this node is not (yet, or
	// any more) in the cluster's configuration.
	ErrNotMember = errors.New("consensus: node is not a member of the cluster")
	// ErrStateMismatch is returned by NewRaft when the state machine holds
	// data but the raft directory is empty: replaying a new log over it
	// would skip (lose) commands.
	ErrStateMismatch = errors.New("consensus: state machine has data but the raft log is empty")
)

// errNotApplied marks a failure that certainly had no effect (the command
// never reached a leader's log), so the operation may be retried.
var errNotApplied = errors.New("consensus: not applied")

// ResultCodec encodes state-machine results so that a follower can return
// the leader's result for a forwarded command (meta.ResultCodec).
type ResultCodec interface {
	EncodeResult(v any) ([]byte, error)
	DecodeResult(b []byte) (any, error)
}

// RaftConfig configures a Raft proposer.
type RaftConfig struct {
	// NodeID is this node's raft server id; it never changes for a data
	// directory.
	NodeID string
	// Dir holds the raft log and stable store (a WAL, package raftlog) and snapshots.
	// It may sit on another disk than the blobs: big blob writes then do
	// not stall the log's fsyncs.
	Dir string
	// Peer is the node's peer server: raft's stream layer and the HTTP
	// endpoints for forwarding are registered on it, and its advertise
	// address is this node's raft address. One Raft per Server.
	Peer *peer.Server
	// InitialCluster lists the voters a new cluster starts with, this
	// node included. A node with no raft state that is listed bootstraps
	// the cluster with exactly this list (every listed node does the
	// same); one that is not listed waits to be added with AddVoter. A
	// node with raft state ignores it and rejoins from its stored
	// configuration.
	InitialCluster []Peer
	// FSM receives committed commands.
	FSM IndexedFSM
	// Codec carries results of forwarded commands.
	Codec ResultCodec
	// Logger receives operational messages; nil discards them.
	Logger *slog.Logger

	// HeartbeatTimeout is how long a follower waits without hearing from
	// the leader before it starts an election (randomized up to twice as
	// long); the leader heartbeats ten times as often.
	HeartbeatTimeout time.Duration
	// ElectionTimeout is how long a candidate waits for votes (randomized
	// up to twice as long).
	ElectionTimeout time.Duration
	// LeaderLeaseTimeout is how long a leader stays leader without
	// hearing from a quorum; it must not exceed HeartbeatTimeout.
	LeaderLeaseTimeout time.Duration
	// CommitTimeout is how long (randomized up to twice as long) a
	// follower may wait to learn a new commit index when nothing else is
	// sent: the leader then sends an empty append. An idle cluster pays
	// one such message per follower per period, so it is long; a read
	// barrier on a follower right after a write does not wait for it but
	// asks the leader for a nudge (nudge.go). It still bounds that wait
	// when the leader does not nudge.
	CommitTimeout time.Duration
	// MaxAppendEntries caps the entries in one replication message (and
	// one FSM batch).
	MaxAppendEntries int
	// SnapshotInterval is how often raft checks SnapshotThreshold.
	SnapshotInterval time.Duration
	// SnapshotThreshold is how many new log entries trigger a snapshot.
	SnapshotThreshold uint64
	// TrailingLogs is how many entries a snapshot leaves in the log, so
	// that a slightly lagging follower catches up from the log.
	TrailingLogs uint64
	// RetainSnapshots is how many snapshots are kept on disk.
	RetainSnapshots int
	// TransportTimeout is the I/O deadline of raft's network messages.
	TransportTimeout time.Duration
	// RequestTimeout bounds Propose, Barrier and membership changes when
	// the caller's context allows longer: without a leader and a quorum
	// they fail with ErrNoQuorum after this long instead of hanging.
	RequestTimeout time.Duration
	// MaxCommandSize is the largest command a follower may forward.
	MaxCommandSize int64
	// LeaseReads lets the leader answer read barriers without a round of
	// heartbeats for LeaseDuration after a round that a quorum answered
	// (see "Leases" in the package doc); false confirms leadership for
	// every round.
	LeaseReads bool
}

// LeaseDuration is how long a quorum's answer keeps the leader's reads
// valid: half the heartbeat timeout, the least time any follower that
// answered waits before it may vote for another leader. The other half is
// the margin for clocks that run at different rates.
func (c RaftConfig) LeaseDuration() time.Duration { return c.HeartbeatTimeout / 2 }

// DefaultRaftConfig returns a RaftConfig with defaults for everything but
// NodeID, Dir, Peer, InitialCluster, FSM and Codec. The timeouts are in
// seconds rather than raft's default milliseconds: a leader must survive a
// slow, shared disk without flapping.
func DefaultRaftConfig() RaftConfig {
	return RaftConfig{
		HeartbeatTimeout:   1500 * time.Millisecond,
		ElectionTimeout:    1500 * time.Millisecond,
		LeaderLeaseTimeout: time.Second,
		CommitTimeout:      500 * time.Millisecond,
		MaxAppendEntries:   128,
		SnapshotInterval:   2 * time.Minute,
		SnapshotThreshold:  8192,
		TrailingLogs:       10240,
		RetainSnapshots:    2,
		TransportTimeout:   10 * time.Second,
		RequestTimeout:     5 * time.Second,
		MaxCommandSize:     16 << 20,
		LeaseReads:         true,
	}
}

// Validate reports whether the configuration is usable.
func (c RaftConfig) Validate() error {
	var errs []error
	if c.NodeID == "" {
		errs = append(errs, errors.New("node id (NodeID) is required"))
	}
	if c.Dir == "" {
		errs = append(errs, errors.New("raft directory (Dir) is required"))
	}
	if c.Peer == nil {
		errs = append(errs, errors.New("peer server (Peer) is required"))
	}
	if c.FSM == nil {
		errs = append(errs, errors.New("state machine (FSM) is required"))
	}
	if c.Codec == nil {
		errs = append(errs, errors.New("result codec (Codec) is required"))
	}
	if len(c.InitialCluster) > 0 {
		if err := validatePeers(c.InitialCluster); err != nil {
			errs = append(errs, err)
		} else if c.Peer != nil {
			for _, p := range c.InitialCluster {
				if p.ID == c.NodeID && p.Address != c.Peer.Advertise() {
					errs = append(errs, fmt.Errorf("InitialCluster gives node %s address %s but its peer address is %s", p.ID, p.Address, c.Peer.Advertise()))
				}
			}
		}
	}
	if c.HeartbeatTimeout <= 0 || c.ElectionTimeout <= 0 || c.LeaderLeaseTimeout <= 0 || c.CommitTimeout <= 0 {
		errs = append(errs, errors.New("timeouts must be positive"))
	}
	if c.RequestTimeout <= 0 || c.TransportTimeout <= 0 {
		errs = append(errs, errors.New("request and transport timeouts must be positive"))
	}
	if c.RetainSnapshots < 1 {
		errs = append(errs, errors.New("at least one snapshot must be retained (RetainSnapshots)"))
	}
	if c.MaxCommandSize < 1 {
		errs = append(errs, errors.New("the maximum command size must be positive"))
	}
	if len(errs) == 0 {
		if err := raft.ValidateConfig(c.raftConfig(nil)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("consensus: config: %w", err)
	}
	return nil
}

// raftConfig is the hashicorp/raft configuration for c.
func (c RaftConfig) raftConfig(lg hclog.Logger) *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(c.NodeID)
	rc.HeartbeatTimeout = c.HeartbeatTimeout
	rc.ElectionTimeout = c.ElectionTimeout
	rc.LeaderLeaseTimeout = c.LeaderLeaseTimeout
	rc.CommitTimeout = c.CommitTimeout
	rc.MaxAppendEntries = c.MaxAppendEntries
	rc.SnapshotInterval = c.SnapshotInterval
	rc.SnapshotThreshold = c.SnapshotThreshold
	rc.TrailingLogs = c.TrailingLogs
	// Leader batches concurrent Applys into one log write.
	rc.BatchApplyCh = true
	// The state machine is durable and skips entries at or below its
	// applied index; restoring the last snapshot at every start would
	// throw that away for older state. An empty one (a store discarded
	// after a machine restart, meta's deferred sync) restores the
	// snapshot, and raft replays the log after it.
	rc.NoSnapshotRestoreOnStart = c.FSM.AppliedIndex() > 0
	// A removed node stays a (silent) follower, so it can be added again
	// without a restart; it does not start elections while it is not in
	// the configuration.
	rc.ShutdownOnRemove = false
	if lg != nil {
		rc.Logger = lg
	}
	return rc
}

// Raft is the replicated proposer: hashicorp/raft over a raft-wal log,
// file snapshots and the peer port, feeding the state machine. Any node
// accepts Propose and Barrier: followers forward to the leader. It is safe
// for concurrent use.
type Raft struct {
	cfg    RaftConfig
	lg     *slog.Logger
	id     string
	addr   string
	client *peer.Client

	fsm      *notifyingFSM
	raft     *raft.Raft
	trans    *raft.NetworkTransport
	store    *raftlog.Store
	logs     raft.LogStore
	observer *raft.Observer

	changes    *broadcast // leader or state changed
	localReads *readBatcher
	fwdReads   *readBatcher
	readStream *peer.StreamListener // the leader's read-index stream (readstream.go)
	readClient *readIndexClient     // a follower's connection to it
	termReady  atomic.Uint64        // term in which this leader committed an entry
	lease      leaderLease
	// verifications counts the rounds that confirmed leadership with a
	// quorum for read barriers (tests count them).
	verifications atomic.Uint64
	// streamRounds and httpRounds count the read-index rounds this leader
	// answered for followers, by transport (tests count them).
	streamRounds, httpRounds atomic.Uint64
	// askNudge sends a follower's nudges, giveNudge proposes a leader's
	// (nudge.go); nudges counts those this leader was asked for (tests
	// count them).
	askNudge, giveNudge *nudger
	nudges              atomic.Uint64

	base      context.Context // ends at Close
	cancel    context.CancelFunc
	closed    chan struct{}
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
}

// NewRaft opens the raft state in cfg.Dir, bootstraps a new cluster when
// cfg says so, and starts participating. It returns before a leader is
// known; use WaitLeader or Ready to find out.
func NewRaft(cfg RaftConfig) (*Raft, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	lg = lg.With("component", "consensus")
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("consensus: %w", err)
	}
	hl := hcslog.New(lg, "raft")

	store, err := raftlog.Open(cfg.Dir, lg, hl)
	if err != nil {
		return nil, err
	}
	cleanup := []func(){func() { _ = store.Close() }}
	fail := func(err error) (*Raft, error) {
		for _, f := range slices.Backward(cleanup) {
			f()
		}
		return nil, err
	}
	logs, err := raft.NewLogCache(512, store)
	if err != nil {
		return fail(fmt.Errorf("consensus: %w", err))
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, cfg.RetainSnapshots, hl.Named("snapshot"))
	if err != nil {
		return fail(fmt.Errorf("consensus: snapshot store: %w", err))
	}
	hasState, err := raft.HasExistingState(logs, store, snaps)
	if err != nil {
		return fail(fmt.Errorf("consensus: %w", err))
	}
	if !hasState && cfg.FSM.AppliedIndex() > 0 {
		return fail(fmt.Errorf("%w (applied index %d, raft dir %s): a node keeps its state machine and raft directory together; start it with both or with neither",
			ErrStateMismatch, cfg.FSM.AppliedIndex(), cfg.Dir))
	}

	stream, err := cfg.Peer.Stream(peer.KindRaft)
	if err != nil {
		return fail(fmt.Errorf("consensus: %w", err))
	}
	cleanup = append(cleanup, func() { _ = stream.Close() })
	readStream, err := cfg.Peer.Stream(peer.KindReadIndex)
	if err != nil {
		return fail(fmt.Errorf("consensus: %w", err))
	}
	cleanup = append(cleanup, func() { _ = readStream.Close() })
	trans := raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  streamLayer{stream},
		MaxPool: 3,
		Timeout: cfg.TransportTimeout,
		Logger:  hl.Named("net"),
	})
	cleanup = append(cleanup, func() { _ = trans.Close() })

	base, cancel := context.WithCancel(context.Background())
	r := &Raft{
		cfg:     cfg,
		lg:      lg,
		id:      cfg.NodeID,
		addr:    cfg.Peer.Advertise(),
		client:  cfg.Peer.Client(),
		trans:   trans,
		store:   store,
		logs:    logs,
		changes: newBroadcast(),
		base:    base,
		cancel:  cancel,
		closed:  make(chan struct{}),
	}
	r.fsm = &notifyingFSM{IndexedFSM: cfg.FSM, applied: newBroadcast()}
	r.localReads = newReadBatcher(base, cfg.RequestTimeout, r.localReadIndex)
	r.fwdReads = newReadBatcher(base, cfg.RequestTimeout, r.remoteReadIndex)
	r.askNudge = newNudger(base, cfg.RequestTimeout, r.sendNudge)
	r.giveNudge = newNudger(base, cfg.RequestTimeout, r.proposeNudge)
	r.readStream = readStream
	r.readClient = &readIndexClient{listener: readStream, timeout: cfg.RequestTimeout}

	ra, err := raft.NewRaft(cfg.raftConfig(hl), r.fsm, logs, store, snaps, trans)
	if err != nil {
		cancel()
		return fail(fmt.Errorf("consensus: %w", err))
	}
	r.raft = ra

	if !hasState {
		if slices.ContainsFunc(cfg.InitialCluster, func(p Peer) bool { return p.ID == r.id }) {
			servers := make([]raft.Server, len(cfg.InitialCluster))
			for i, p := range cfg.InitialCluster {
				servers[i] = raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Address)}
			}
			lg.Info("Bootstrapping a new cluster", "members", FormatInitialCluster(cfg.InitialCluster))
			if err := ra.BootstrapCluster(raft.Configuration{Servers: servers}).Error(); err != nil {
				_ = ra.Shutdown().Error()
				cancel()
				return fail(fmt.Errorf("consensus: bootstrap: %w", err))
			}
		} else {
			lg.Info("No raft state and not in the initial cluster: waiting to be added by the leader", "address", r.addr)
		}
	} else {
		lg.Info("Rejoining the cluster from stored raft state", "lastIndex", ra.LastIndex(), "appliedIndex", cfg.FSM.AppliedIndex())
	}

	obs := make(chan raft.Observation, 64)
	r.observer = raft.NewObserver(obs, false, func(o *raft.Observation) bool {
		switch o.Data.(type) {
		case raft.LeaderObservation, raft.RaftState:
			return true
		}
		return false
	})
	ra.RegisterObserver(r.observer)
	r.wg.Add(2)
	go func() {
		defer r.wg.Done()
		r.watch(obs)
	}()
	go func() {
		defer r.wg.Done()
		r.serveReadIndexStream(readStream)
	}()
	r.registerHandlers()
	return r, nil
}

// watch wakes up waiters on every leader or state change and logs leader
// changes.
func (r *Raft) watch(obs <-chan raft.Observation) {
	for {
		select {
		case o := <-obs:
			if l, ok := o.Data.(raft.LeaderObservation); ok {
				r.lg.Info("Leader changed", "leaderID", string(l.LeaderID), "leaderAddress", string(l.LeaderAddr), "term", r.raft.CurrentTerm())
			}
			r.changes.notify()
		case <-r.closed:
			return
		}
	}
}

// ID returns this node's id.
func (r *Raft) ID() string { return r.id }

// Address returns this node's raft (peer advertise) address.
func (r *Raft) Address() string { return r.addr }

// Leader returns the current leader's id and address, or empty strings
// when none is known.
func (r *Raft) Leader() (id, address string) {
	addr, lid := r.raft.LeaderWithID()
	return string(lid), string(addr)
}

// IsLeader reports whether this node is the leader right now.
func (r *Raft) IsLeader() bool { return r.raft.State() == raft.Leader }

// WaitLeader waits until a leader is known, or ctx ends.
func (r *Raft) WaitLeader(ctx context.Context) error {
	_, _, err := r.leader(ctx)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Ready returns nil when this node is a member of a cluster with a known
// leader: the condition for serving clients. Otherwise it says why not.
func (r *Raft) Ready() error {
	if r.isClosed() {
		return ErrClosed
	}
	if id, _ := r.Leader(); id == "" {
		return fmt.Errorf("%w: no leader known", ErrNoQuorum)
	}
	f := r.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return fmt.Errorf("consensus: %w", err)
	}
	for _, s := range f.Configuration().Servers {
		if string(s.ID) == r.id {
			return nil
		}
	}
	return ErrNotMember
}

// Close leaves the cluster's conversation (without leaving its
// membership: a restart on the same directory rejoins), stops the raft
// transport and closes the log. It does not close the FSM or the peer
// server, which the caller owns.
func (r *Raft) Close() error {
	r.closeOnce.Do(func() {
		close(r.closed)
		r.cancel()
		err := r.raft.Shutdown().Error()
		r.raft.DeregisterObserver(r.observer)
		_ = r.trans.Close()
		_ = r.readStream.Close()
		r.readClient.close()
		r.wg.Wait()
		r.closeErr = errors.Join(err, r.store.Close())
	})
	return r.closeErr
}

func (r *Raft) isClosed() bool {
	select {
	case <-r.closed:
		return true
	default:
		return false
	}
}

// leader waits for a known leader.
func (r *Raft) leader(ctx context.Context) (raft.ServerAddress, raft.ServerID, error) {
	for {
		ch := r.changes.wait()
		addr, id := r.raft.LeaderWithID()
		if addr != "" && id != "" {
			return addr, id, nil
		}
		select {
		case <-ch:
		// Observations may be dropped when raft is busy; look again now
		// and then rather than rely on every one arriving.
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return "", "", fmt.Errorf("%w: no leader known", ErrNoQuorum)
		case <-r.closed:
			return "", "", ErrClosed
		}
	}
}

// bound returns a context that ends at ctx's deadline, after
// RequestTimeout, or at Close, whichever comes first.
func (r *Raft) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.RequestTimeout)
	stop := context.AfterFunc(r.base, cancel)
	return ctx, func() { stop(); cancel() }
}

// fail returns the error a caller sees when an operation gives up: the
// caller's own context error if that context ended, ErrClosed after
// Close, otherwise err as an ErrNoQuorum (unless it already is one of the
// package's errors).
func (r *Raft) fail(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if r.isClosed() || errors.Is(err, ErrClosed) || errors.Is(err, raft.ErrRaftShutdown) {
		return ErrClosed
	}
	if errors.Is(err, ErrNoQuorum) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w: gave up after %s", op, ErrNoQuorum, r.cfg.RequestTimeout)
	}
	return fmt.Errorf("%s: %w: %w", op, ErrNoQuorum, err)
}

// pause waits before a retry: until the leader changes, a short backoff
// passes, or ctx ends.
func (r *Raft) pause(ctx context.Context, attempt int) error {
	d := min(time.Duration(attempt+1)*20*time.Millisecond, 250*time.Millisecond)
	select {
	case <-r.changes.wait():
	case <-time.After(d):
	case <-ctx.Done():
		return ctx.Err()
	case <-r.closed:
		return ErrClosed
	}
	return nil
}

// wait waits for a raft future without outliving ctx. The future itself
// always resolves (commit, leadership loss or shutdown), so the goroutine
// that waits for it ends.
func wait(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// streamLayer adapts the peer port's raft stream to raft.StreamLayer.
type streamLayer struct{ *peer.StreamListener }

func (s streamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return s.StreamListener.Dial(string(address), timeout)
}

// notifyingFSM wakes up readers waiting for the applied index to advance.
type notifyingFSM struct {
	IndexedFSM
	applied *broadcast
}

func (f *notifyingFSM) Apply(l *raft.Log) any {
	res := f.IndexedFSM.Apply(l)
	f.applied.notify()
	return res
}

func (f *notifyingFSM) ApplyBatch(logs []*raft.Log) []any {
	res := f.IndexedFSM.ApplyBatch(logs)
	f.applied.notify()
	return res
}

func (f *notifyingFSM) Restore(rc io.ReadCloser) error {
	err := f.IndexedFSM.Restore(rc)
	f.applied.notify()
	return err
}

// broadcast is a condition that many goroutines can wait for with select:
// wait returns a channel that notify closes.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

func newBroadcast() *broadcast { return &broadcast{ch: make(chan struct{})} }

func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ch
}

func (b *broadcast) notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.ch)
	b.ch = make(chan struct{})
}
