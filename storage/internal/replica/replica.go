package replica

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/koss-io/koss/storage/internal/background"
	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

// Errors of replication. Callers test them with errors.Is; the errors of
// the body being written (blob.ErrSizeMismatch, blob.ErrDigestMismatch, or
// whatever the body's reader returned) come back wrapped as they are.
var (
	// ErrUnavailable means too few nodes (or copies) could be reached to
	// write or read the data now; retrying later may succeed.
	ErrUnavailable = errors.New("replica: not enough live nodes to serve the request")
	// ErrDamaged means every copy of the data that could be read failed
	// its checksum or is missing: the data is lost unless a copy returns.
	ErrDamaged = errors.New("replica: stored data failed its checksum")
)

// MetaReader is what replication reads from the metadata state machine
// (*meta.FSM): blob references, the garbage list and placements.
type MetaReader interface {
	RefCounts(ids []string) ([]uint64, error)
	Garbage(max int) ([]string, error)
	ForgetGarbage(ids []string) error
	GetPlacement(id string) (record.Placement, bool, error)
	Placements(after string, max int, underOnly bool) ([]record.Placement, error)
	UnderReplicatedCount() (int64, error)
}

var _ MetaReader = (*meta.FSM)(nil)

// Proposer orders state-machine commands (the object layer's proposer):
// replication proposes meta.UpdateReplicas after a repair, and waits for a
// read barrier before it decides from the metadata that a blob is unused.
type Proposer interface {
	Propose(ctx context.Context, cmd []byte) (any, error)
	Barrier(ctx context.Context) error
}

// Config wires a Set to its dependencies.
type Config struct {
	// Local is this node's blob store.
	Local blob.Store
	// Meta reads the state machine.
	Meta MetaReader
	// Proposer orders commands.
	Proposer Proposer
	// Logger receives operational messages; nil discards them.
	Logger *slog.Logger
	// Clock gives the age of blobs; nil means time.Now.
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

	// Cluster, when set, makes the Set keep each blob on up to
	// meta.ReplicationFactor voting members (see the package doc); Remote
	// must be set with it. Nil keeps blobs on Local only.
	Cluster Cluster
	// Remote returns the blob store of the node at a peer address
	// (peer.BlobClient.Remote).
	Remote func(addr string) blob.Replica
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

// DefaultConfig returns a Config with defaults for everything but Local,
// Meta, Proposer, Cluster and Remote.
func DefaultConfig() Config {
	return Config{
		SweepGrace:     10 * time.Minute,
		SweepInterval:  10 * time.Minute,
		GCInterval:     30 * time.Second,
		DeleteRate:     1000,
		MemberRefresh:  2 * time.Second,
		ReplicaBuffer:  8 << 20,
		StallTimeout:   10 * time.Second,
		ReplicaGrace:   5 * time.Second,
		ReplicaTimeout: 2 * time.Minute,
		RepairInterval: 5 * time.Second,
		RescanInterval: 10 * time.Minute,
		ScrubInterval:  6 * time.Hour,
		ScrubRate:      32 << 20,
	}
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	var errs []error
	if c.Local == nil {
		errs = append(errs, errors.New("a local blob store is required"))
	}
	if c.Meta == nil {
		errs = append(errs, errors.New("a metadata reader is required"))
	}
	if c.Proposer == nil {
		errs = append(errs, errors.New("a proposer is required"))
	}
	if c.SweepGrace <= 0 || c.SweepInterval <= 0 || c.GCInterval <= 0 {
		errs = append(errs, errors.New("SweepGrace, SweepInterval and GCInterval must be positive"))
	}
	if c.DeleteRate < 0 {
		errs = append(errs, errors.New("DeleteRate must not be negative"))
	}
	if (c.Cluster == nil) != (c.Remote == nil) {
		errs = append(errs, errors.New("cluster and remote go together"))
	}
	if c.Cluster != nil {
		if c.MemberRefresh <= 0 || c.StallTimeout <= 0 || c.ReplicaGrace <= 0 || c.ReplicaTimeout <= 0 || c.RepairInterval <= 0 || c.RescanInterval <= 0 {
			errs = append(errs, errors.New("the member refresh, stall timeout, replica grace and timeout, repair and rescan intervals must be positive"))
		}
		if c.ReplicaBuffer < replicaChunk {
			errs = append(errs, fmt.Errorf("the replica buffer must be at least %d bytes", replicaChunk))
		}
	}
	if c.ScrubInterval < 0 || c.ScrubRate < 0 {
		errs = append(errs, errors.New("the scrub interval and rate must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("replica: config: %w", err)
	}
	return nil
}

// Set keeps the data of objects: where each blob's copies go, writing them,
// reading them back with failover, repairing and scrubbing them, and
// deleting the ones nothing refers to any more. Create it with New and
// start its loops with Start.
type Set struct {
	cfg     Config
	local   blob.Store
	meta    MetaReader
	prop    Proposer
	lg      *slog.Logger
	now     func() time.Time
	cluster Cluster // nil: a single node
	members *memberView

	// bg runs the loops and the background repairs; nil until Start.
	bg atomic.Pointer[background.Group]

	// mu guards inflight, pins and deleting. Lock order: mu is a leaf; no
	// file I/O happens under it (a blob being deleted is marked, the file
	// is unlinked outside the lock).
	mu       sync.Mutex
	inflight map[string]int      // blob ids being written, not yet committed
	pins     map[string]int      // blob ids open for reading
	deleting map[string]struct{} // blob ids the collector or sweeper is unlinking

	limiter limiter
	gcKick  chan struct{}

	repairMu  sync.Mutex
	repairing map[string]bool // "blob/node" repairs in flight
	repairSem chan struct{}   // bounds concurrent background repairs
	rescan    chan struct{}   // asks the repair loop for a full pass

	stats counters
}

// counters are the replication counters behind Stats.
type counters struct {
	replicaFailures atomic.Uint64
	underWrites     atomic.Uint64
	readFailovers   atomic.Uint64
	repairs         atomic.Uint64
	repairFailures  atomic.Uint64
	scrubbed        atomic.Uint64
	scrubCorrupt    atomic.Uint64
}

// New returns a Set. It starts nothing; call Start.
func New(cfg Config) (*Set, error) {
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
	s := &Set{
		cfg:       cfg,
		local:     cfg.Local,
		meta:      cfg.Meta,
		prop:      cfg.Proposer,
		lg:        lg.With("component", "replica"),
		now:       now,
		cluster:   cfg.Cluster,
		inflight:  map[string]int{},
		pins:      map[string]int{},
		deleting:  map[string]struct{}{},
		limiter:   limiter{rate: cfg.DeleteRate},
		gcKick:    make(chan struct{}, 1),
		repairing: map[string]bool{},
		repairSem: make(chan struct{}, 2),
		rescan:    make(chan struct{}, 1),
	}
	if s.cluster != nil {
		s.members = newMemberView(s.cluster, cfg.MemberRefresh)
	}
	return s, nil
}

// Start runs the Set's loops in g until g stops: the garbage collector and
// the orphan sweeper on every node; in a Region also the member view, the
// repair loop (which acts on the leader only) and the scrubber. Background
// repairs found by reads run in g too. Call it once.
func (s *Set) Start(g *background.Group) {
	if !s.bg.CompareAndSwap(nil, g) {
		return
	}
	g.Go(s.gcLoop)
	g.Go(s.sweepLoop)
	if s.cfg.ScrubInterval > 0 {
		g.Go(s.scrubLoop)
	}
	if s.cluster != nil {
		g.Go(s.memberLoop)
		g.Go(s.repairLoop)
	}
}

// goBackground runs fn in the Set's background group; false when the Set
// is not started or stopping.
func (s *Set) goBackground(fn func(ctx context.Context)) bool {
	g := s.bg.Load()
	return g != nil && g.Go(fn)
}

// Stats are counters of the replication machinery since start, plus the
// current number of under-replicated blobs.
type Stats struct {
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

// Stats returns the replication counters. UnderReplicated is read from this
// node's state machine (no barrier: metrics may lag).
func (s *Set) Stats() Stats {
	st := Stats{
		ReplicaWriteFailures:  s.stats.replicaFailures.Load(),
		UnderReplicatedWrites: s.stats.underWrites.Load(),
		ReadFailovers:         s.stats.readFailovers.Load(),
		Repairs:               s.stats.repairs.Load(),
		RepairFailures:        s.stats.repairFailures.Load(),
		ScrubbedBlobs:         s.stats.scrubbed.Load(),
		ScrubCorrupt:          s.stats.scrubCorrupt.Load(),
	}
	if s.cluster != nil {
		st.UnderReplicated, _ = s.meta.UnderReplicatedCount()
	}
	return st
}

// UnderReplicated returns how many blobs have fewer copies than wanted, as
// this node's state machine records them (0 on a single node, which keeps
// one copy by design).
func (s *Set) UnderReplicated() (int64, error) {
	if s.cluster == nil {
		return 0, nil
	}
	return s.meta.UnderReplicatedCount()
}

// Written is a blob a write stored, ready to be named in a command.
type Written struct {
	// Segment is the blob as the object's record refers to it: id, size,
	// CRC-64 and, in a Region, the nodes holding a durable copy.
	Segment record.Segment
	// MD5 is the digest of the blob's bytes.
	MD5 [16]byte
	// Release ends the write's protection of the blob from the collector
	// and the sweeper; call it once the command naming the blob has been
	// answered (or will never be proposed).
	Release func()
}

// Write stores exactly size bytes of body as a new blob: on this node's
// disk, and in a Region on meta.ReplicationFactor voters at once, reading
// the body once. wantMD5, when set, is checked against the bytes. Write
// returns once enough copies are durable (see the package doc); on error
// nothing refers to the data, and what was stored is deleted or left to
// the sweepers.
func (s *Set) Write(ctx context.Context, body io.Reader, size int64, wantMD5 []byte) (Written, error) {
	id := blob.NewID()
	s.track(id)
	var info blob.Info
	var replicas []string
	var err error
	if s.cluster != nil {
		info, replicas, err = s.writeReplicated(ctx, id, body, size, wantMD5)
	} else {
		info, err = s.local.Create(ctx, id, body, blob.CreateOptions{Size: size, MD5: wantMD5})
	}
	if err != nil {
		s.untrack(id)
		return Written{}, err
	}
	return Written{
		Segment: record.Segment{Blob: id, Size: info.Size, CRC64: info.CRC64, Replicas: replicas},
		MD5:     info.MD5,
		Release: func() { s.untrack(id) },
	}, nil
}

// Discard deletes this node's copy of a blob whose command the state
// machine rejected (nothing refers to it); copies on other nodes are
// unreferenced and their sweepers delete them.
func (s *Set) Discard(id string) {
	if err := s.local.Delete(id); err != nil {
		s.lg.Warn("Deleting the blob of a rejected write failed", "blob", id, "err", err)
	}
}

// Open returns a reader of n bytes at off of seg's blob, every byte
// verified: from this node's copy, and in a Region failing over to the
// other copies (see the package doc). Damage no copy can make up for is
// ErrDamaged, copies that cannot be reached now ErrUnavailable. The caller
// must pin the blob for as long as it reads (Pin).
func (s *Set) Open(ctx context.Context, seg record.Segment, off, n int64) (io.ReadCloser, error) {
	if s.cluster != nil {
		return s.openReplicated(ctx, seg, off, n)
	}
	rc, info, err := s.local.ReadRange(ctx, seg.Blob, off, n)
	if err != nil {
		return nil, s.localDamage(seg.Blob, err)
	}
	if info.Size != seg.Size || info.CRC64 != seg.CRC64 {
		_ = rc.Close()
		return nil, fmt.Errorf("%w: blob %s does not match its record", ErrDamaged, seg.Blob)
	}
	return &localReader{ReadCloser: rc, s: s, id: seg.Blob}, nil
}

// localDamage names what a failed read of this node's only copy means: the
// data is damaged when the copy is missing or corrupt (nothing can repair
// it on a single node).
func (s *Set) localDamage(id string, err error) error {
	if errors.Is(err, blob.ErrCorrupt) || errors.Is(err, blob.ErrNotFound) {
		s.lg.Error("Stored data failed verification", "blob", id, "err", err)
		return fmt.Errorf("%w: blob %s: %w", ErrDamaged, id, err)
	}
	return err
}

// localReader reads this node's only copy, naming damage as ErrDamaged.
type localReader struct {
	io.ReadCloser
	s  *Set
	id string
}

func (r *localReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = r.s.localDamage(r.id, err)
	}
	return n, err
}

// propose proposes c and returns the state machine's result.
func (s *Set) propose(ctx context.Context, c record.Command) (*record.Result, error) {
	v, err := s.prop.Propose(ctx, record.Encode(c))
	if err != nil {
		return nil, err
	}
	r, ok := v.(*record.Result)
	if !ok || r == nil {
		return nil, fmt.Errorf("replica: unexpected state machine result %T", v)
	}
	return r, nil
}
