package object

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/meta"
)

// Proposer orders state-machine commands: consensus.Local on a single node,
// the raft proposer in a Region. Propose returns the state machine's result
// for cmd once it is committed and applied; Barrier returns once every
// command committed before the call is applied locally, so that a read that
// follows it is linearizable.
type Proposer interface {
	Propose(ctx context.Context, cmd []byte) (any, error)
	Barrier(ctx context.Context) error
}

// MetaReader is the read side of the metadata state machine (*meta.FSM).
type MetaReader interface {
	GetBucket(name string) (meta.Bucket, error)
	ListBuckets(prefix, marker string, max int) ([]meta.Bucket, bool, error)
	GetObject(bucket, key string) (meta.Object, error)
	ListObjects(bucket string, o meta.ListOptions) (meta.ListResult, error)
	GetKey(id string) (meta.AccessKey, error)
	ListKeys() ([]meta.AccessKey, error)
	RefCounts(ids []string) ([]uint64, error)
	Garbage(max int) ([]string, error)
	ForgetGarbage(ids []string) error
}

var _ MetaReader = (*meta.FSM)(nil)

// Config wires a Store to its dependencies.
type Config struct {
	// Blobs holds object data above InlineThreshold.
	Blobs blob.Store
	// Meta reads the state machine the Proposer's commands are applied to.
	Meta MetaReader
	// Proposer orders and applies commands.
	Proposer Proposer
	// Logger receives operational messages; nil discards them.
	Logger *slog.Logger
	// InlineThreshold is the largest object (and, for appendable objects,
	// the largest length after an append) whose bytes ride inside the
	// metadata command instead of a blob. 0 stores every non-empty object
	// in a blob.
	InlineThreshold int64
	// Clock gives modification times and the age of blobs; nil means time.Now.
	Clock func() time.Time
	// SweepGrace is how old an unreferenced blob must be before the orphan
	// sweeper deletes it. It must exceed the longest time a write can spend
	// between finishing its blob and committing its command.
	SweepGrace time.Duration
	// SweepInterval is the time between orphan sweeps.
	SweepInterval time.Duration
	// GCInterval is the time between garbage collections when no delete
	// triggers one sooner.
	GCInterval time.Duration
	// DeleteRate caps blob deletions per second by the collector and the
	// sweeper together; 0 means unlimited.
	DeleteRate int

	// Cluster, when set, makes the Store keep each blob on up to
	// meta.ReplicationFactor voting members (see "Replication" in the
	// package doc); Peers must be set with it. Nil keeps blobs local.
	Cluster Cluster
	// Peers moves blobs between nodes.
	Peers Peers
	// MemberRefresh is how often the member list is refreshed.
	MemberRefresh time.Duration
	// ReplicaBuffer bounds how far (in bytes) one replica of a write may
	// lag behind the body being read.
	ReplicaBuffer int
	// StallTimeout is how long a write waits for a lagging replica to take
	// more data before dropping it from the write.
	StallTimeout time.Duration
	// ReplicaGrace is how long a write that has its quorum of copies
	// still waits for the other replicas to confirm theirs.
	ReplicaGrace time.Duration
	// ReplicaTimeout bounds the wait for the replicas' answers after the
	// whole body was handed to them (their fsyncs); replicas that have
	// not answered by then count as failed.
	ReplicaTimeout time.Duration
	// RepairInterval is the time between passes of the repair loop over
	// under-replicated blobs (on the leader).
	RepairInterval time.Duration
	// RescanInterval is the time between full passes over every blob's
	// placement (which also re-place copies held by removed members); one
	// also runs soon after the voting members change.
	RescanInterval time.Duration
	// ScrubInterval is the time between scrubs of the local blobs (and
	// checks that this node holds every blob placed on it); 0 disables
	// the scrubber.
	ScrubInterval time.Duration
	// ScrubRate caps the scrubber's read rate in bytes per second.
	ScrubRate int64
}

// DefaultConfig returns a Config with defaults for everything but Blobs,
// Meta and Proposer.
func DefaultConfig() Config {
	return Config{
		InlineThreshold: 64 << 10,
		SweepGrace:      10 * time.Minute,
		SweepInterval:   10 * time.Minute,
		GCInterval:      30 * time.Second,
		DeleteRate:      1000,
		MemberRefresh:   2 * time.Second,
		ReplicaBuffer:   8 << 20,
		StallTimeout:    10 * time.Second,
		ReplicaGrace:    5 * time.Second,
		ReplicaTimeout:  2 * time.Minute,
		RepairInterval:  5 * time.Second,
		RescanInterval:  10 * time.Minute,
		ScrubInterval:   6 * time.Hour,
		ScrubRate:       32 << 20,
	}
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	var errs []error
	if c.Blobs == nil {
		errs = append(errs, errors.New("a blob store is required"))
	}
	if c.Meta == nil {
		errs = append(errs, errors.New("a metadata reader is required"))
	}
	if c.Proposer == nil {
		errs = append(errs, errors.New("a proposer is required"))
	}
	if c.InlineThreshold < 0 || c.InlineThreshold > 1<<20 {
		errs = append(errs, fmt.Errorf("InlineThreshold %d out of range (0..1 MiB)", c.InlineThreshold))
	}
	if c.SweepGrace <= 0 || c.SweepInterval <= 0 || c.GCInterval <= 0 {
		errs = append(errs, errors.New("SweepGrace, SweepInterval and GCInterval must be positive"))
	}
	if c.DeleteRate < 0 {
		errs = append(errs, errors.New("DeleteRate must not be negative"))
	}
	if (c.Cluster == nil) != (c.Peers == nil) {
		errs = append(errs, errors.New("cluster and peers go together"))
	}
	if c.Cluster != nil {
		if c.MemberRefresh <= 0 || c.StallTimeout <= 0 || c.ReplicaGrace <= 0 || c.ReplicaTimeout <= 0 || c.RepairInterval <= 0 || c.RescanInterval <= 0 {
			errs = append(errs, errors.New("the member refresh, stall timeout, replica grace and timeout, repair and rescan intervals must be positive"))
		}
		if c.ReplicaBuffer < replicaChunk {
			errs = append(errs, fmt.Errorf("the replica buffer must be at least %d bytes", replicaChunk))
		}
		if c.ScrubInterval < 0 || c.ScrubRate < 0 {
			errs = append(errs, errors.New("the scrub interval and rate must not be negative"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("object: config: %w", err)
	}
	return nil
}

// Store implements Layer and KeyStore over a blob store and the metadata
// state machine. Create it with New, start its background loops with Start
// and stop them with Close.
type Store struct {
	cfg   Config
	blobs blob.Store
	meta  MetaReader
	prop  Proposer
	lg    *slog.Logger
	now   func() time.Time

	// mu guards inflight and pins, and is held while the collector or
	// sweeper deletes a blob, so that checking a blob is unused and
	// deleting it are one step as far as writers and readers can tell.
	mu       sync.Mutex
	inflight map[string]int // blob ids being written, not yet committed
	pins     map[string]int // blob ids open for reading

	limiter limiter
	gcKick  chan struct{}

	// Replication (nil cluster: single node).
	cluster  Cluster
	peers    Peers
	members  *memberView
	repl     replState
	stop     chan struct{}
	wg       sync.WaitGroup
	startMu  sync.Mutex
	started  bool
	stopOnce sync.Once
}

var (
	_ Layer    = (*Store)(nil)
	_ KeyStore = (*Store)(nil)
)

// New returns a Store. It does not start the background loops; call Start.
func New(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	now := cfg.Clock
	if now == nil {
		now = time.Now
	}
	s := &Store{
		cfg:      cfg,
		blobs:    cfg.Blobs,
		meta:     cfg.Meta,
		prop:     cfg.Proposer,
		lg:       lg.With("component", "object"),
		now:      now,
		inflight: map[string]int{},
		pins:     map[string]int{},
		limiter:  limiter{rate: cfg.DeleteRate},
		gcKick:   make(chan struct{}, 1),
		stop:     make(chan struct{}),
		cluster:  cfg.Cluster,
		peers:    cfg.Peers,
	}
	s.repl.init()
	if s.cluster != nil {
		s.members = newMemberView(s.cluster, cfg.MemberRefresh)
	}
	return s, nil
}

// Start launches the garbage collector and the orphan sweeper. It sweeps
// once at once, then every SweepInterval; it collects garbage every
// GCInterval and soon after deletes.
func (s *Store) Start() {
	s.startMu.Lock()
	defer s.startMu.Unlock()
	if s.started {
		return
	}
	s.started = true
	ctx, cancel := context.WithCancel(context.Background())
	s.wg.Go(func() {
		<-s.stop
		cancel()
	})
	s.wg.Go(func() { s.gcLoop(ctx) })
	s.wg.Go(func() { s.sweepLoop(ctx) })
	if s.cluster != nil {
		s.wg.Go(func() { s.memberLoop(ctx) })
		s.wg.Go(func() { s.repairLoop(ctx) })
		if s.cfg.ScrubInterval > 0 {
			s.wg.Go(func() { s.scrubLoop(ctx) })
		}
	}
}

// Close stops the background loops and waits for them. It does not close
// the blob store, the proposer or the state machine, which the caller owns
// (close them after the Store, proposer before state machine).
func (s *Store) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	s.wg.Wait()
	s.repl.close()
	return nil
}

// apply proposes c and returns the state machine's result. An error means
// the outcome is unknown (the command may still commit); a domain rejection
// is in the result.
func (s *Store) apply(ctx context.Context, c meta.Command) (*meta.Result, error) {
	v, err := s.prop.Propose(ctx, meta.Encode(c))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	r, ok := v.(*meta.Result)
	if !ok || r == nil {
		return nil, fmt.Errorf("object: unexpected state machine result %T", v)
	}
	return r, nil
}

// barrier makes the reads that follow linearizable.
func (s *Store) barrier(ctx context.Context) error {
	if err := s.prop.Barrier(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// metaErrors is the one table from state-machine errors to Layer errors.
var metaErrors = []struct{ from, to error }{
	{meta.ErrBucketNotFound, ErrBucketNotFound},
	{meta.ErrBucketExists, ErrBucketAlreadyExists},
	{meta.ErrBucketNotEmpty, ErrBucketNotEmpty},
	{meta.ErrObjectNotFound, ErrObjectNotFound},
	{meta.ErrObjectExists, ErrObjectAlreadyExists},
	{meta.ErrNotAppendable, ErrObjectNotAppendable},
	{meta.ErrPositionNotEqual, ErrPositionNotEqual},
	{meta.ErrPreconditionFailed, ErrPreconditionFailed},
	{meta.ErrKeyNotFound, ErrKeyNotFound},
	{meta.ErrKeyConflict, ErrKeyConflict},
	{meta.ErrInvalidArgument, ErrInvalidArgument},
	{meta.ErrClosed, ErrUnavailable},
}

// toLayerErr maps a state-machine error to the Layer's sentinel; other
// errors pass through.
func toLayerErr(err error) error {
	if err == nil {
		return nil
	}
	for _, m := range metaErrors {
		if errors.Is(err, m.from) {
			return m.to
		}
	}
	return err
}
