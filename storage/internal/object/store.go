package object

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/lifecycle"
	"github.com/koss-io/koss/storage/internal/object/multipart"
	"github.com/koss-io/koss/storage/internal/replica"
)

// Proposer orders state-machine commands: singlenode.Proposer on a single node,
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
	GetBucket(name string) (record.Bucket, error)
	ListBuckets(prefix, marker string, max int) ([]record.Bucket, bool, error)
	GetObject(bucket, key string) (record.Object, error)
	ListObjects(bucket string, o meta.ListOptions) (meta.ListResult, error)
	GetKey(id string) (record.AccessKey, error)
	ListKeys() ([]record.AccessKey, error)
	RefCounts(ids []string) ([]uint64, error)
	ListUploads(bucket, prefix, keyMarker, idMarker string, max int) ([]record.Upload, error)
	ListParts(bucket, key, id string, marker, max int) ([]record.Part, bool, error)
	UploadParts(bucket, key, id string) (record.Upload, []record.Part, error)
}

var _ MetaReader = (*meta.FSM)(nil)

// Data stores and reads the bytes of objects that do not ride inline in
// their records: *replica.Set, on this node's disk and, in a Region, on
// its replicas.
type Data interface {
	// Write stores exactly size bytes of body as a new blob (see
	// replica.Set.Write).
	Write(ctx context.Context, body io.Reader, size int64, wantMD5 []byte) (replica.Written, error)
	// Discard deletes the blob of a write whose command was rejected.
	Discard(id string)
	// Open reads n bytes at off of a segment's blob, verified.
	Open(ctx context.Context, seg record.Segment, off, n int64) (io.ReadCloser, error)
	// Pin protects blobs from deletion until the returned func is called.
	Pin(ids []string) func()
	// KickGC asks for a garbage collection soon.
	KickGC()
}

var _ Data = (*replica.Set)(nil)

// Config wires a Store to its dependencies.
type Config struct {
	// Data holds object data above InlineThreshold.
	Data Data
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
	// Clock gives modification times; nil means time.Now.
	Clock func() time.Time
}

// DefaultConfig returns a Config with defaults for everything but Data,
// Meta and Proposer.
func DefaultConfig() Config {
	return Config{InlineThreshold: 64 << 10}
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	var errs []error
	if c.Data == nil {
		errs = append(errs, errors.New("a data store is required"))
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
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("object: config: %w", err)
	}
	return nil
}

// Store implements Layer and KeyStore over the data store and the metadata
// state machine. It has no background work of its own (the data store's
// loops run in the node's background group) and nothing to close.
type Store struct {
	cfg  Config
	data Data
	meta MetaReader
	prop Proposer
	lg   *slog.Logger
	now  func() time.Time

	// barriers counts the read barriers requests took (ReadBarriers).
	barriers atomic.Uint64
	// lifecycle runs the buckets' lifecycle rules (lifecyclerun.go).
	lifecycle *lifecycle.Runner
	// uploads are the multipart uploads (multipart.go).
	*uploads
}

var (
	_ Layer    = (*Store)(nil)
	_ KeyStore = (*Store)(nil)
)

// New returns a Store.
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
		cfg:  cfg,
		data: cfg.Data,
		meta: cfg.Meta,
		prop: cfg.Proposer,
		lg:   lg.With("component", "object"),
		now:  now,
	}
	s.lifecycle = lifecycle.New(lifecycleStore{s}, s.lg, s.now)
	s.uploads = multipart.New(uploadStore{s, s.meta}, s.now, s.lg)
	return s, nil
}

// apply proposes c and returns the state machine's result. An error means
// the outcome is unknown (the command may still commit); a domain rejection
// is in the result.
func (s *Store) apply(ctx context.Context, c record.Command) (*record.Result, error) {
	v, err := s.prop.Propose(ctx, record.Encode(c))
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	r, ok := v.(*record.Result)
	if !ok || r == nil {
		return nil, fmt.Errorf("object: unexpected state machine result %T", v)
	}
	return r, nil
}

// lowerErrors is the one table from the errors of the layers below (the
// state machine, replication, the blob store) to the Layer's sentinels.
// The first entry whose error matches wins.
var lowerErrors = []struct{ from, to error }{
	{record.ErrInvalidTags, ErrInvalidTag},
	{record.ErrBucketNotFound, ErrBucketNotFound},
	{record.ErrBucketExists, ErrBucketAlreadyExists},
	{record.ErrBucketNotEmpty, ErrBucketNotEmpty},
	{record.ErrObjectNotFound, ErrObjectNotFound},
	{record.ErrObjectExists, ErrObjectAlreadyExists},
	{record.ErrNotAppendable, ErrObjectNotAppendable},
	{record.ErrPositionNotEqual, ErrPositionNotEqual},
	{record.ErrPreconditionFailed, ErrPreconditionFailed},
	{record.ErrKeyNotFound, ErrKeyNotFound},
	{record.ErrKeyConflict, ErrKeyConflict},
	{record.ErrInvalidArgument, ErrInvalidArgument},
	{record.ErrNoSuchUpload, ErrNoSuchUpload},
	{record.ErrInvalidPart, ErrInvalidPart},
	{record.ErrInvalidPartOrder, ErrInvalidPartOrder},
	{record.ErrEntityTooSmall, ErrEntityTooSmall},
	{meta.ErrClosed, ErrUnavailable},
	{ErrBodyRead, ErrBodyRead},        // a client's failure, whatever a lower layer made of it
	{blob.ErrNoSpace, ErrStorageFull}, // before ErrUnavailable: a quorum lost to a full disk says so
	{replica.ErrUnavailable, ErrUnavailable},
	{replica.ErrDamaged, ErrChecksumMismatch},
	{blob.ErrSizeMismatch, ErrIncompleteBody},
	{blob.ErrDigestMismatch, ErrBadDigest},
}

// toLayerErr wraps an error of a lower layer in the Layer's sentinel for
// it, keeping the cause (errors.Is matches both); other errors, and errors
// that already are the Layer's, pass through.
func toLayerErr(err error) error {
	if err == nil {
		return nil
	}
	for _, m := range lowerErrors {
		if errors.Is(err, m.from) {
			if errors.Is(err, m.to) { // already the Layer's sentinel (or the same one)
				return err
			}
			return fmt.Errorf("%w: %w", m.to, err)
		}
	}
	return err
}
