package consensus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
	"github.com/hashicorp/raft-wal/migrate"
	bolt "go.etcd.io/bbolt"
)

// The raft log and stable store: hashicorp/raft-wal, in <raft dir>/wal.
//
// A log is appended to and cut from its head, never changed in the middle,
// and raft-wal stores it that way: append-only segment files with one
// fsync per append, and a head truncation that deletes whole files. The
// store kossd used before, raft-boltdb, is a copy-on-write B+tree that
// fsyncs twice per append (pages, then its meta page), on the commit path
// of every write on every member, and never gives space back to the file
// system. (Consul made the same move.) A node that still has a raft-boltdb
// store (raft.db) copies it into a new WAL at start, and only once the
// copy is complete and renamed into place removes raft.db; a copy that a
// crash interrupted is thrown away and made again.
const (
	walDir       = "wal"
	walMigrating = "wal.migrating"
	boltLogFile  = "raft.db"
	// walSegmentSize is each segment file's size, allocated when the
	// segment is made. It is small beside the disk's reserve
	// (--min-free-space, at least 16 MiB by default), so that the log can
	// still take a new segment when the blobs have filled the rest; a
	// rotation (a new file and a bbolt commit) every thousand or so 4 KiB
	// entries costs little. An entry larger than a segment still fits: it
	// fills one on its own.
	walSegmentSize = 4 << 20
)

// openLogStore opens the WAL in dir, creating it or moving a raft-boltdb
// store into it first.
func openLogStore(dir string, lg *slog.Logger, hl hclog.Logger) (*walStore, error) {
	final := filepath.Join(dir, walDir)
	tmp := filepath.Join(dir, walMigrating)
	boltPath := filepath.Join(dir, boltLogFile)
	if err := os.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("consensus: %w", err)
	}
	_, err := os.Stat(final)
	haveWAL := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("consensus: %w", err)
	}
	_, err = os.Stat(boltPath)
	haveBolt := err == nil
	switch {
	case haveWAL && haveBolt:
		// A migration renamed the WAL into place, then stopped.
		if err := removeSynced(boltPath); err != nil {
			return nil, err
		}
	case haveBolt:
		start := time.Now()
		n, err := migrateBoltLog(boltPath, tmp, hl)
		if err != nil {
			return nil, err
		}
		if err := os.Rename(tmp, final); err != nil {
			return nil, fmt.Errorf("consensus: %w", err)
		}
		if err := syncDir(dir); err != nil {
			return nil, err
		}
		if err := removeSynced(boltPath); err != nil {
			return nil, err
		}
		lg.Info("Moved the raft log from raft-boltdb to the WAL", "entries", n, "took", time.Since(start).Round(time.Millisecond))
	default:
		if err := os.MkdirAll(final, 0o755); err != nil {
			return nil, fmt.Errorf("consensus: %w", err)
		}
	}
	return openWAL(final, hl)
}

// walStore is the WAL and the metadata database it keeps its segment list
// in. raft-wal's Close leaves that database open (and its file locked), so
// the same process could not open the WAL again; walStore closes both.
type walStore struct {
	*wal.WAL
	meta *metadb.BoltMetaDB
}

func (s *walStore) Close() error {
	return errors.Join(s.WAL.Close(), s.meta.Close())
}

func openWAL(dir string, hl hclog.Logger) (*walStore, error) {
	m := &metadb.BoltMetaDB{}
	w, err := wal.Open(dir, wal.WithSegmentSize(walSegmentSize), wal.WithLogger(hl.Named("wal")), wal.WithMetaStore(m))
	if err != nil {
		_ = m.Close() // the open failure is the error to report
		return nil, fmt.Errorf("consensus: open raft log %s: %w", dir, err)
	}
	return &walStore{WAL: w, meta: m}, nil
}

// migrateBoltLog copies the raft-boltdb store at boltPath into a new WAL
// in dir and returns how many entries it copied.
func migrateBoltLog(boltPath, dir string, hl hclog.Logger) (uint64, error) {
	src, err := raftboltdb.New(raftboltdb.Options{
		Path:        boltPath,
		BoltOptions: &bolt.Options{Timeout: 5 * time.Second, ReadOnly: true},
	})
	if err != nil {
		return 0, fmt.Errorf("consensus: open raft-boltdb log %s: %w", boltPath, err)
	}
	defer func() { _ = src.Close() }() // read only
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("consensus: %w", err)
	}
	dst, err := openWAL(dir, hl)
	if err != nil {
		return 0, err
	}
	first, _ := src.FirstIndex()
	last, _ := src.LastIndex()
	err = migrate.CopyLogs(context.Background(), dst, src, 4<<20, nil)
	if err == nil {
		err = copyStable(dst, src)
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("consensus: move the raft log to the WAL: %w", err)
	}
	if last == 0 {
		return 0, nil
	}
	return last - first + 1, nil
}

// copyStable copies the keys hashicorp/raft keeps in its stable store (a
// node that never voted has no vote to copy).
func copyStable(dst, src raft.StableStore) error {
	for _, k := range []string{"CurrentTerm", "LastVoteTerm"} {
		v, err := src.GetUint64([]byte(k))
		if errors.Is(err, raftboltdb.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", k, err)
		}
		if err := dst.SetUint64([]byte(k), v); err != nil {
			return fmt.Errorf("write %s: %w", k, err)
		}
	}
	v, err := src.Get([]byte("LastVoteCand"))
	if errors.Is(err, raftboltdb.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read LastVoteCand: %w", err)
	}
	return dst.Set([]byte("LastVoteCand"), v)
}

func removeSynced(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("consensus: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("consensus: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("consensus: sync %s: %w", dir, err)
	}
	return nil
}
