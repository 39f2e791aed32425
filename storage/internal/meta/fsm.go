package meta

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	"github.com/koss-io/koss/storage/internal/meta/internal/apply"
	"github.com/koss-io/koss/storage/internal/meta/internal/schema"
	"github.com/koss-io/koss/storage/internal/meta/record"
	bolt "go.etcd.io/bbolt"
)

// ErrClosed is returned by reads after Close.
var ErrClosed = errors.New("meta: state machine closed")

// Config configures an FSM.
type Config struct {
	// Path is the bbolt file; its directory is created if missing.
	Path string
	// Logger receives operational messages; nil discards them.
	Logger *slog.Logger
	// OpenTimeout bounds the wait for the file lock another process holds.
	OpenTimeout time.Duration
	// DeferSync commits applied entries without an fsync; only for a
	// store under a replicated log that replays what a crash loses
	// (defersync.go). Off where the store is the only copy (single node).
	DeferSync bool
}

// DefaultConfig returns a Config with defaults for everything but Path.
func DefaultConfig() Config {
	return Config{OpenTimeout: 5 * time.Second}
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	if c.Path == "" {
		return errors.New("meta: config: Path is required")
	}
	if c.OpenTimeout < 0 {
		return errors.New("meta: config: OpenTimeout must not be negative")
	}
	return nil
}

// FSM is the metadata state machine: buckets, objects, access keys and blob
// reference counts in one bbolt file. It implements raft.BatchingFSM (and so
// raft.FSM). Apply and ApplyBatch are deterministic; read methods may be
// called concurrently with them and with each other.
type FSM struct {
	path string
	lg   *slog.Logger

	// mu guards db: reads and applies hold it shared; Restore and Close
	// take it exclusively to swap or drop the database.
	mu sync.RWMutex
	db *bolt.DB

	applied atomic.Uint64 // mirrors meta/applied after each commit
	noSync  bool          // commits are not fsynced (Config.DeferSync)
}

var (
	_ raft.FSM         = (*FSM)(nil)
	_ raft.BatchingFSM = (*FSM)(nil)
)

// New opens (creating if needed) the state machine's database.
func New(cfg Config) (*FSM, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Path), 0o755); err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	// A restore that crashed before its rename leaves this behind.
	if err := os.Remove(restorePath(cfg.Path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("meta: %w", err)
	}
	f := &FSM{path: cfg.Path, lg: lg.With("component", "meta")}
	boot, err := bootID()
	if err != nil && cfg.DeferSync {
		f.lg.Warn("No boot id, so the metadata store fsyncs every commit", "error", err)
		cfg.DeferSync = false
	}
	marked, discard, err := checkMarker(cfg.Path, boot, cfg.DeferSync)
	if err != nil {
		return nil, err
	}
	if discard {
		f.lg.Warn("The metadata store was written without fsync before the machine restarted and was not closed; discarding it so raft rebuilds it from the last snapshot and the log", "path", cfg.Path)
		if err := discardStore(cfg.Path); err != nil {
			return nil, err
		}
	}
	if cfg.DeferSync {
		if err := writeMarker(cfg.Path, boot); err != nil {
			return nil, err
		}
	}
	f.noSync = cfg.DeferSync
	db, applied, err := openDB(cfg.Path, cfg.OpenTimeout, f.noSync)
	if err != nil {
		return nil, err
	}
	if marked && !f.noSync {
		// A marker of this boot (a crash while deferring): the store is
		// whole; make it durable before it fsyncs on its own.
		if err := db.Sync(); err != nil {
			_ = db.Close()
			return nil, fmt.Errorf("meta: %w", err)
		}
		if err := removeMarker(cfg.Path); err != nil {
			_ = db.Close()
			return nil, err
		}
	}
	f.db = db
	f.applied.Store(applied)
	f.lg.Info("Opened metadata store", "path", cfg.Path, "appliedIndex", applied, "deferSync", f.noSync)
	return f, nil
}

func restorePath(path string) string { return path + ".restore" }

// boltOptions are the bbolt settings of the live database. The freelist is
// not synced (rebuilt at open, as etcd does) to cut write amplification;
// the large initial mmap keeps long snapshot reads from blocking the
// writer when the file grows.
func boltOptions(timeout time.Duration, noSync bool) *bolt.Options {
	return &bolt.Options{
		Timeout:         timeout,
		NoSync:          noSync,
		NoFreelistSync:  true,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: 1 << 30,
	}
}

// openDB opens path, creates missing buckets and returns the applied index.
func openDB(path string, timeout time.Duration, noSync bool) (*bolt.DB, uint64, error) {
	db, err := bolt.Open(path, 0o600, boltOptions(timeout, noSync))
	if err != nil {
		return nil, 0, fmt.Errorf("meta: open %s: %w", path, err)
	}
	var applied uint64
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range schema.AllBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		m := tx.Bucket(schema.BucketMeta)
		if v := m.Get(schema.KeySchema); v == nil {
			if err := m.Put(schema.KeySchema, schema.U64Bytes(schema.Version)); err != nil {
				return err
			}
		} else if got := schema.BytesU64(v); got != schema.Version {
			return fmt.Errorf("meta: %s has schema version %d, this build knows %d", path, got, schema.Version)
		}
		applied = schema.BytesU64(m.Get(schema.KeyApplied))
		return nil
	})
	if err != nil {
		_ = db.Close() // the failed check or init is the error to report
		return nil, 0, fmt.Errorf("meta: open %s: %w", path, err)
	}
	return db, applied, nil
}

// Close closes the database. Reads after Close fail with ErrClosed; applying
// after Close panics.
func (f *FSM) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db == nil {
		return nil
	}
	var err error
	if f.noSync {
		err = f.db.Sync()
	}
	err = errors.Join(err, f.db.Close())
	if f.noSync && err == nil {
		// Only once everything is on disk.
		err = removeMarker(f.path)
	}
	f.db = nil
	return err
}

// AppliedIndex returns the index of the last log entry applied (and
// committed to bbolt; to disk unless DeferSync). A restarted node resumes numbering after it, and
// entries at or below it are skipped when raft replays its log.
func (f *FSM) AppliedIndex() uint64 { return f.applied.Load() }

// Apply implements raft.FSM. It returns a *Result.
func (f *FSM) Apply(l *raft.Log) interface{} {
	return f.ApplyBatch([]*raft.Log{l})[0]
}

// ApplyBatch implements raft.BatchingFSM: it applies the entries in order,
// each one atomically and deterministically, and commits them all in one
// bbolt transaction (one fsync, none with DeferSync) together with the new applied index. Entries
// at or below the applied index are skipped (CodeSkipped), which makes a
// replay of the raft log after a restart harmless. Each result is a *Result,
// or nil for non-command entries.
//
// A command that cannot be decoded, or a failure to commit, panics: a
// replica that cannot apply an entry must stop rather than diverge.
func (f *FSM) ApplyBatch(logs []*raft.Log) []interface{} {
	results := make([]interface{}, len(logs))
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.db == nil {
		panic(ErrClosed)
	}
	applied := f.applied.Load()
	last := applied
	for i, l := range logs {
		if l.Index <= applied {
			results[i] = &record.Result{Code: record.CodeSkipped}
		} else {
			last = l.Index
		}
	}
	if last == applied {
		return results
	}
	err := f.db.Update(func(tx *bolt.Tx) error {
		a := apply.New(tx)
		for i, l := range logs {
			if l.Index <= applied {
				continue
			}
			if l.Type == raft.LogCommand {
				results[i] = a.Apply(l.Index, l.Data)
			}
		}
		return tx.Bucket(schema.BucketMeta).Put(schema.KeyApplied, schema.U64Bytes(last))
	})
	if err != nil {
		panic(fmt.Sprintf("meta: commit applied entries up to %d: %v", last, err))
	}
	f.applied.Store(last)
	return results
}

// view runs fn in a read transaction.
func (f *FSM) view(fn func(tx *bolt.Tx) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.db == nil {
		return ErrClosed
	}
	return f.db.View(fn)
}

// update runs fn in a write transaction outside Apply; only node-local
// buckets may be touched this way.
func (f *FSM) update(fn func(tx *bolt.Tx) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.db == nil {
		return ErrClosed
	}
	return f.db.Update(fn)
}
