package snapstream

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

	bolt "go.etcd.io/bbolt"
)

const version = 1

var (
	magic    = []byte("KOSSMETA")
	crcTable = crc32.MakeTable(crc32.Castagnoli)
	// ErrBadSnapshot is returned by Load for a stream it cannot use.
	ErrBadSnapshot = errors.New("meta: bad snapshot")
)

// restoreBatch is how many records Load writes per transaction, bounding
// the memory of a restore of a large state.
const restoreBatch = 10000

// Section is one replicated bucket in the stream, with the tag it carries.
// Tags are part of the snapshot format. Optional sections were added
// later: a snapshot from older code ends before them, and restoring it
// leaves those buckets empty.
type Section struct {
	Tag      uint8
	Name     []byte
	Optional bool
}

// Write writes the sections of tx, headed by applied, to w.
func Write(tx *bolt.Tx, w io.Writer, applied uint64, sections []Section) error {
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
	_, _ = bw.Write(magic)
	_ = bw.WriteByte(version)
	_, _ = bw.Write(binary.BigEndian.AppendUint64(nil, applied))
	for _, sec := range sections {
		_ = bw.WriteByte(sec.Tag)
		err := tx.Bucket(sec.Name).ForEach(func(k, v []byte) error {
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

// Load reads the stream in r into db, a new database. Once the header
// has been read, begin runs in a transaction of its own with the applied
// index the stream carries, to create the buckets; then the sections'
// pairs are put into their buckets. Load returns the applied index.
func Load(db *bolt.DB, r io.Reader, sections []Section, begin func(tx *bolt.Tx, applied uint64) error) (uint64, error) {
	crc := crc32.New(crcTable)
	br := bufio.NewReaderSize(r, 256<<10)
	sr := &reader{r: br, crc: crc}

	head := sr.read(len(magic) + 1 + 8)
	if sr.err != nil || !bytes.Equal(head[:len(magic)], magic) {
		return 0, fmt.Errorf("%w: bad header", ErrBadSnapshot)
	}
	if v := head[len(magic)]; v != version {
		return 0, fmt.Errorf("%w: unknown version %d", ErrBadSnapshot, v)
	}
	applied := binary.BigEndian.Uint64(head[len(magic)+1:])

	if err := db.Update(func(tx *bolt.Tx) error { return begin(tx, applied) }); err != nil {
		return 0, fmt.Errorf("meta: restore: %w", err)
	}

	ended := false
	for _, sec := range sections {
		tag := sr.byte()
		if sr.err == nil && tag == 0xFF && sec.Optional {
			// A snapshot from before this section existed.
			ended = true
			break
		}
		if sr.err != nil || tag != sec.Tag {
			return 0, fmt.Errorf("%w: expected section %d", ErrBadSnapshot, sec.Tag)
		}
		var prev []byte
		done := false
		for !done {
			err := db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(sec.Name)
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
						return fmt.Errorf("%w: keys out of order in section %d", ErrBadSnapshot, sec.Tag)
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
	return applied, nil
}

// reader reads snapshot fields, feeding every byte to the checksum and
// latching the first error.
type reader struct {
	r   *bufio.Reader
	crc hash.Hash32
	err error
}

// maxField bounds one key or value, so a corrupt length cannot make
// Load allocate without limit.
const maxField = 1 << 31

func (s *reader) read(n int) []byte {
	if s.err != nil {
		return nil
	}
	if n < 0 || n > maxField {
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

func (s *reader) byte() byte {
	b := s.read(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (s *reader) uvarint() uint64 {
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

// SyncDir fsyncs directory dir, making a rename in it durable.
func SyncDir(dir string) error {
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
