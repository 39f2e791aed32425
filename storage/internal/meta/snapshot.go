package meta

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"

	"github.com/koss-io/koss/storage/internal/meta/internal/schema"
	"github.com/koss-io/koss/storage/internal/meta/snapstream"
)

// ErrBadSnapshot is returned by Restore for a stream it cannot use. The
// stream format is package snapstream's.
var ErrBadSnapshot = snapstream.ErrBadSnapshot

// Snapshot implements raft.FSM: it captures a read transaction (cheap);
// Persist streams it while Apply continues.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.db == nil {
		return nil, ErrClosed
	}
	tx, err := f.db.Begin(false)
	if err != nil {
		return nil, fmt.Errorf("meta: snapshot: %w", err)
	}
	return &snapshot{tx: tx}, nil
}

type snapshot struct{ tx *bolt.Tx }

// Persist implements raft.FSMSnapshot.
func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	if err := writeSnapshot(s.tx, sink); err != nil {
		// Cancel only discards the partial snapshot; the write error is the
		// one raft needs.
		_ = sink.Cancel()
		return err
	}
	return sink.Close()
}

// Release implements raft.FSMSnapshot.
func (s *snapshot) Release() { _ = s.tx.Rollback() }

// WriteSnapshot writes the current state to w in the snapshot format.
func (f *FSM) WriteSnapshot(w io.Writer) error {
	return f.view(func(tx *bolt.Tx) error { return writeSnapshot(tx, w) })
}

func writeSnapshot(tx *bolt.Tx, w io.Writer) error {
	return snapstream.Write(tx, w, schema.BytesU64(tx.Bucket(schema.BucketMeta).Get(schema.KeyApplied)), schema.SnapshotSections)
}

// Restore implements raft.FSM: it builds a new database from the stream in a
// side file, and only when the whole stream has checked out swaps it in
// (close, rename, fsync the directory, reopen) under the exclusive lock.
// A crash before the rename leaves the old state (and a side file New
// removes); after it, the new state.
//
// The node-local garbage list starts empty: blobs the old state referred to
// and the new one does not are found by the orphan sweeper instead.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer func() { _ = rc.Close() }() // only read from
	tmp := restorePath(f.path)
	_ = os.Remove(tmp)
	applied, err := buildFromSnapshot(tmp, rc)
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db != nil {
		if err := f.db.Close(); err != nil {
			return fmt.Errorf("meta: restore: close: %w", err)
		}
		f.db = nil
	}
	if err := os.Rename(tmp, f.path); err != nil {
		return fmt.Errorf("meta: restore: %w", err)
	}
	if err := snapstream.SyncDir(filepath.Dir(f.path)); err != nil {
		return err
	}
	db, got, err := openDB(f.path, 0, f.noSync)
	if err != nil {
		return fmt.Errorf("meta: restore: reopen: %w", err)
	}
	if got != applied {
		_ = db.Close() // the index mismatch is the error to report
		return fmt.Errorf("meta: restore: reopened at index %d, want %d", got, applied)
	}
	f.db = db
	f.applied.Store(applied)
	f.lg.Info("Restored metadata from snapshot", "appliedIndex", applied)
	return nil
}

// buildFromSnapshot writes the snapshot in r into a new bbolt file at path
// and returns the applied index it carries.
func buildFromSnapshot(path string, r io.Reader) (_ uint64, err error) {
	opts := boltOptions(0, true)
	// NoSync: one Sync at the end instead of one per batch.
	db, err := bolt.Open(path, 0o600, opts)
	if err != nil {
		return 0, fmt.Errorf("meta: restore: %w", err)
	}
	// The file is renamed into place next, so a failed Close fails the
	// restore (unless it failed already).
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("meta: restore: close: %w", cerr)
		}
	}()

	applied, err := snapstream.Load(db, r, schema.SnapshotSections, func(tx *bolt.Tx, applied uint64) error {
		for _, name := range schema.AllBuckets {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		m := tx.Bucket(schema.BucketMeta)
		if err := m.Put(schema.KeySchema, schema.U64Bytes(schema.Version)); err != nil {
			return err
		}
		return m.Put(schema.KeyApplied, schema.U64Bytes(applied))
	})
	if err != nil {
		return 0, err
	}
	if err := db.Update(rebuildUnderReplicated); err != nil {
		return 0, fmt.Errorf("meta: restore: %w", err)
	}
	if err := db.Sync(); err != nil {
		return 0, fmt.Errorf("meta: restore: %w", err)
	}
	return applied, nil
}
