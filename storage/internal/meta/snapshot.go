package meta

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
	bolt "go.etcd.io/bbolt"
)

// Snapshot stream format (version 1), written by Persist and read by Restore:
//
//	"KOSSMETA" | version u8 | applied index u64 BE
//	per replicated bucket, in snapshotSections order:
//	    tag u8 | { uvarint len(key) > 0 | key | uvarint len(value) | value }* | uvarint 0
//	0xFF | CRC-32C (Castagnoli) u32 BE of every preceding byte
//
// Keys appear in bbolt (byte) order. The stream is a logical dump, not the
// bbolt file: two replicas that applied the same log produce identical bytes
// however their transactions were batched or their pages laid out.
const snapshotVersion = 1

var (
	snapshotMagic = []byte("KOSSMETA")
	crcTable      = crc32.MakeTable(crc32.Castagnoli)
	// ErrBadSnapshot is returned by Restore for a stream it cannot use.
	ErrBadSnapshot = errors.New("meta: bad snapshot")
)

// restoreBatch is how many records Restore writes per transaction, bounding
// the memory of a restore of a large state.
const restoreBatch = 10000

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
	crc := crc32.New(crcTable)
	// A bufio.Writer's error is sticky: after the first failed write every
	// later one fails too and Flush reports it, so the writes below ignore
	// their results and Flush is checked.
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 256<<10)
	var scratch [binary.MaxVarintLen64]byte
	uvarint := func(v uint64) {
		n := binary.PutUvarint(scratch[:], v)
		_, _ = bw.Write(scratch[:n])
	}
	_, _ = bw.Write(snapshotMagic)
	_ = bw.WriteByte(snapshotVersion)
	_, _ = bw.Write(u64Bytes(bytesU64(tx.Bucket(bucketMeta).Get(keyApplied))))
	for _, sec := range snapshotSections {
		_ = bw.WriteByte(sec.tag)
		err := tx.Bucket(sec.name).ForEach(func(k, v []byte) error {
			uvarint(uint64(len(k)))
			_, _ = bw.Write(k)
			uvarint(uint64(len(v)))
			_, err := bw.Write(v)
			return err
		})
		if err != nil {
			return fmt.Errorf("meta: write snapshot: %w", err)
		}
		uvarint(0)
	}
	_ = bw.WriteByte(0xFF)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("meta: write snapshot: %w", err)
	}
	if _, err := w.Write(binary.BigEndian.AppendUint32(nil, crc.Sum32())); err != nil {
		return fmt.Errorf("meta: write snapshot: %w", err)
	}
	return nil
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
	if err := syncDir(filepath.Dir(f.path)); err != nil {
		return err
	}
	db, got, err := openDB(f.path, 0)
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
	opts := boltOptions(0)
	opts.NoSync = true // one Sync at the end instead of one per batch
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

	crc := crc32.New(crcTable)
	br := bufio.NewReaderSize(r, 256<<10)
	sr := &snapReader{r: br, crc: crc}

	head := sr.read(len(snapshotMagic) + 1 + 8)
	if sr.err != nil || !bytes.Equal(head[:len(snapshotMagic)], snapshotMagic) {
		return 0, fmt.Errorf("%w: bad header", ErrBadSnapshot)
	}
	if v := head[len(snapshotMagic)]; v != snapshotVersion {
		return 0, fmt.Errorf("%w: unknown version %d", ErrBadSnapshot, v)
	}
	applied := binary.BigEndian.Uint64(head[len(snapshotMagic)+1:])

	if err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		m := tx.Bucket(bucketMeta)
		if err := m.Put(keySchema, u64Bytes(schemaVersion)); err != nil {
			return err
		}
		return m.Put(keyApplied, u64Bytes(applied))
	}); err != nil {
		return 0, fmt.Errorf("meta: restore: %w", err)
	}

	ended := false
	for _, sec := range snapshotSections {
		tag := sr.byte()
		if sr.err == nil && tag == 0xFF && sec.optional {
			// A snapshot from before this section existed.
			ended = true
			break
		}
		if sr.err != nil || tag != sec.tag {
			return 0, fmt.Errorf("%w: expected section %d", ErrBadSnapshot, sec.tag)
		}
		var prev []byte
		done := false
		for !done {
			err := db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(sec.name)
				b.FillPercent = 0.9 // keys arrive in order
				for range restoreBatch {
					kl := sr.uvarint()
					if sr.err != nil {
						return sr.err
					}
					if kl == 0 {
						done = true
						return nil
					}
					k := sr.read(int(kl))
					v := sr.read(int(sr.uvarint()))
					if sr.err != nil {
						return sr.err
					}
					if prev != nil && bytes.Compare(k, prev) <= 0 {
						return fmt.Errorf("%w: keys out of order in section %d", ErrBadSnapshot, sec.tag)
					}
					prev = k
					if err := b.Put(k, v); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return 0, fmt.Errorf("meta: restore: %w", err)
			}
		}
	}
	if !ended {
		if end := sr.byte(); sr.err != nil || end != 0xFF {
			return 0, fmt.Errorf("%w: missing end marker", ErrBadSnapshot)
		}
	}
	want := crc.Sum32()
	var sum [4]byte
	if _, err := io.ReadFull(br, sum[:]); err != nil {
		return 0, fmt.Errorf("%w: missing checksum", ErrBadSnapshot)
	}
	if got := binary.BigEndian.Uint32(sum[:]); got != want {
		return 0, fmt.Errorf("%w: checksum %08x, want %08x", ErrBadSnapshot, got, want)
	}
	if err := db.Update(rebuildUnderReplicated); err != nil {
		return 0, fmt.Errorf("meta: restore: %w", err)
	}
	if err := db.Sync(); err != nil {
		return 0, fmt.Errorf("meta: restore: %w", err)
	}
	return applied, nil
}

// snapReader reads snapshot fields, feeding every byte to the checksum and
// latching the first error.
type snapReader struct {
	r   *bufio.Reader
	crc hash.Hash32
	err error
}

// maxSnapshotField bounds one key or value, so a corrupt length cannot make
// Restore allocate without limit.
const maxSnapshotField = 1 << 31

func (s *snapReader) read(n int) []byte {
	if s.err != nil {
		return nil
	}
	if n < 0 || n > maxSnapshotField {
		s.err = fmt.Errorf("%w: field of %d bytes", ErrBadSnapshot, n)
		return nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(s.r, b); err != nil {
		s.err = fmt.Errorf("%w: %w", ErrBadSnapshot, err)
		return nil
	}
	s.crc.Write(b)
	return b
}

func (s *snapReader) byte() byte {
	b := s.read(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (s *snapReader) uvarint() uint64 {
	if s.err != nil {
		return 0
	}
	var buf []byte
	for range binary.MaxVarintLen64 {
		c := s.byte()
		if s.err != nil {
			return 0
		}
		buf = append(buf, c)
		if c < 0x80 {
			v, n := binary.Uvarint(buf)
			if n <= 0 {
				break
			}
			return v
		}
	}
	s.err = fmt.Errorf("%w: bad varint", ErrBadSnapshot)
	return 0
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("meta: sync dir: %w", err)
	}
	// Durability comes from Sync, whose error is returned; the descriptor is
	// read-only, so a Close error has nothing left to lose.
	defer func() { _ = d.Close() }()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("meta: sync dir %s: %w", dir, err)
	}
	return nil
}
