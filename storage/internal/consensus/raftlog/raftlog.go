package raftlog

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

	"github.com/koss-io/koss/storage/internal/meta/snapstream"
)

// Names in the raft directory.
const (
	// Dir holds the WAL.
	Dir = "wal"
	// MigratingDir holds a copy of raft.db on its way to Dir.
	MigratingDir = "wal.migrating"
	// BoltFile is the raft-boltdb store of an older kossd.
	BoltFile = "raft.db"
	// segmentSize is each segment file's size, allocated when the
	// segment is made. It is small beside the disk's reserve
	// (--min-free-space, at least 16 MiB by default), so that the log can
	// still take a new segment when the blobs have filled the rest; a
	// rotation (a new file and a bbolt commit) every thousand or so 4 KiB
	// entries costs little. An entry larger than a segment still fits: it
	// fills one on its own.
	segmentSize = 4 << 20
)

// Open opens the WAL in dir, creating it or moving a raft-boltdb
// store into it first.
func Open(dir string, lg *slog.Logger, hl hclog.Logger) (*Store, error) {
	final := filepath.Join(dir, Dir)
	tmp := filepath.Join(dir, MigratingDir)
	boltPath := filepath.Join(dir, BoltFile)
	if err := os.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("raftlog: %w", err)
	}
	_, err := os.Stat(final)
	haveWAL := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("raftlog: %w", err)
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
		n, err := migrateBolt(boltPath, tmp, hl)
		if err != nil {
			return nil, err
		}
		if err := os.Rename(tmp, final); err != nil {
			return nil, fmt.Errorf("raftlog: %w", err)
		}
		if err := snapstream.SyncDir(dir); err != nil {
			return nil, err
		}
		if err := removeSynced(boltPath); err != nil {
			return nil, err
		}
		lg.Info("Moved the raft log from raft-boltdb to the WAL", "entries", n, "took", time.Since(start).Round(time.Millisecond))
	default:
		if err := os.MkdirAll(final, 0o755); err != nil {
			return nil, fmt.Errorf("raftlog: %w", err)
		}
	}
	return OpenWAL(final, hl)
}

// Store is the WAL and the metadata database it keeps its segment list
// in. raft-wal's Close leaves that database open (and its file locked), so
// the same process could not open the WAL again; Store closes both.
type Store struct {
	*wal.WAL
	meta *metadb.BoltMetaDB
}

func (s *Store) Close() error {
	return errors.Join(s.WAL.Close(), s.meta.Close())
}

func OpenWAL(dir string, hl hclog.Logger) (*Store, error) {
	m := &metadb.BoltMetaDB{}
	w, err := wal.Open(dir, wal.WithSegmentSize(segmentSize), wal.WithLogger(hl.Named("wal")), wal.WithMetaStore(m))
	if err != nil {
		_ = m.Close() // the open failure is the error to report
		return nil, fmt.Errorf("raftlog: open raft log %s: %w", dir, err)
	}
	return &Store{WAL: w, meta: m}, nil
}

// migrateBolt copies the raft-boltdb store at boltPath into a new WAL
// in dir and returns how many entries it copied.
func migrateBolt(boltPath, dir string, hl hclog.Logger) (uint64, error) {
	src, err := raftboltdb.New(raftboltdb.Options{
		Path:        boltPath,
		BoltOptions: &bolt.Options{Timeout: 5 * time.Second, ReadOnly: true},
	})
	if err != nil {
		return 0, fmt.Errorf("raftlog: open raft-boltdb log %s: %w", boltPath, err)
	}
	defer func() { _ = src.Close() }() // read only
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, fmt.Errorf("raftlog: %w", err)
	}
	dst, err := OpenWAL(dir, hl)
	if err != nil {
		return 0, err
	}
	first, _ := src.FirstIndex()
	last, _ := src.LastIndex()
	err = migrate.CopyLogs(context.Background(), dst, src, 4<<20, nil)
	if err == nil {
		err = CopyStable(dst, src)
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("raftlog: move the raft log to the WAL: %w", err)
	}
	if last == 0 {
		return 0, nil
	}
	return last - first + 1, nil
}

// CopyStable copies the keys hashicorp/raft keeps in its stable store (a
// node that never voted has no vote to copy).
func CopyStable(dst, src raft.StableStore) error {
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
		return fmt.Errorf("raftlog: %w", err)
	}
	return snapstream.SyncDir(filepath.Dir(path))
}
