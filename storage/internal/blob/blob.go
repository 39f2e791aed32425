package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"
)

// Errors of the blob store. Callers test them with errors.Is.
var (
	// ErrNotFound is returned when no committed blob has the id.
	ErrNotFound = errors.New("blob: not found")
	// ErrCorrupt is returned when stored bytes fail their checksum, or the
	// file is truncated or malformed.
	ErrCorrupt = errors.New("blob: corrupt")
	// ErrInvalidID is returned for an id that is not 32 lower-case hex digits.
	ErrInvalidID = errors.New("blob: invalid id")
	// ErrSizeMismatch is returned by Create when the reader ends before the
	// expected number of bytes.
	ErrSizeMismatch = errors.New("blob: content shorter than expected size")
	// ErrDigestMismatch is returned by Create when the content's MD5 differs
	// from the expected one.
	ErrDigestMismatch = errors.New("blob: content md5 mismatch")
	// ErrExists is returned by Create when a blob with the id is being written
	// concurrently.
	ErrExists = errors.New("blob: id already being written")
	// ErrLocked is returned by New when another process has the directory open.
	ErrLocked = errors.New("blob: store directory in use by another process")
	// ErrInvalidRange is returned by ReadRange for a range that does not lie
	// within the blob.
	ErrInvalidRange = errors.New("blob: range beyond the blob")
)

// IDLen is the length of a blob id in hex digits.
const IDLen = 32

// Info describes a committed blob, as recorded in its footer.
type Info struct {
	ID        string
	Size      int64
	MD5       [16]byte
	CRC64     uint64 // CRC-64/ECMA of the content (Go crc64.ECMA table)
	BlockSize int
	ModTime   time.Time // when the blob file was last written
}

// Entry is what Walk reports for each committed blob without reading it.
type Entry struct {
	ID       string
	ModTime  time.Time
	FileSize int64 // content plus footer
}

// CreateOptions are the expectations Create checks before it commits a blob.
type CreateOptions struct {
	// Size is the exact number of bytes to read from r, or -1 to read until
	// io.EOF. With Size >= 0, Create stops reading after Size bytes and fails
	// with ErrSizeMismatch if r ends earlier.
	Size int64
	// MD5 is the expected raw MD5 of the content, or nil. On a mismatch
	// Create fails with ErrDigestMismatch and commits nothing.
	MD5 []byte
	// Digest, when set, gives the content's digest as the writer computed
	// it over the same stream, known only once the last byte is sent (the
	// replicated write hashes the body once, not once per copy). Create
	// calls it after reading the content, records its MD5 instead of
	// hashing the content with MD5, and checks its CRC-64 against its own,
	// cheap one: a mismatch (bytes changed on the way) or an error from
	// Digest commits nothing, ErrDigestMismatch or the error wrapped.
	Digest func() (Digest, error)
}

// Digest is a content's MD5 and CRC-64/ECMA, as Info records them.
type Digest struct {
	MD5   [16]byte
	CRC64 uint64
}

// Handle reads one committed blob. ReadAt verifies the CRC-32C of every block
// it touches and fails with an error wrapping ErrCorrupt on a mismatch; it
// follows io.ReaderAt (io.EOF when the read runs past the end). A Handle is
// safe for concurrent ReadAt calls. The file stays readable until Close even
// if the blob is deleted meanwhile.
type Handle interface {
	io.ReaderAt
	io.Closer
	Info() Info
}

// Replica is one copy of the blobs, as replication writes and reads them:
// this node's disk (*Disk) or another node's across the peer port
// (peer.Remote). A write streams its body to every replica through Create
// and a read takes a range from any of them through ReadRange, whichever
// side of the network the copy is on. Both methods are safe for concurrent
// use.
type Replica interface {
	// Create reads the content from r and commits it under id. When Create
	// returns nil the blob is durable (see the package doc); on any error
	// nothing is visible under id, except after a simulated crash. An
	// error of r itself is returned wrapped. Creating an id that already
	// exists replaces it atomically, which only makes sense with identical
	// content (repair of a replica).
	Create(ctx context.Context, id string, r io.Reader, opts CreateOptions) (Info, error)
	// ReadRange returns a reader of n bytes of blob id from off, with the
	// blob's Info. Every byte it returns was verified against its block's
	// checksum; a block that fails makes Read return an error wrapping
	// ErrCorrupt. A missing blob is ErrNotFound, a range beyond the blob
	// ErrInvalidRange. The caller must Close the reader.
	ReadRange(ctx context.Context, id string, off, n int64) (io.ReadCloser, Info, error)
}

// Store keeps immutable blobs. All methods are safe for concurrent use.
type Store interface {
	Replica
	// Open returns a Handle, ErrNotFound, or ErrCorrupt when the footer is
	// damaged.
	Open(id string) (Handle, error)
	// Stat returns the blob's footer information, ErrNotFound or ErrCorrupt.
	// It checks only the fixed trailer (cheap); Open and Verify check more.
	Stat(id string) (Info, error)
	// Delete removes a blob; deleting a missing blob is not an error.
	Delete(id string) error
	// Walk calls fn for every committed blob, in id order within each
	// fan-out directory. It stops early when fn or ctx returns an error.
	// Blobs created or deleted during the walk may or may not be reported.
	Walk(ctx context.Context, fn func(Entry) error) error
	// Verify reads the whole blob and checks every block CRC, the MD5 and
	// the CRC-64. It returns nil, ErrNotFound or an error wrapping ErrCorrupt.
	Verify(ctx context.Context, id string) error
}

// NewID returns a fresh random blob id.
func NewID() string {
	var b [IDLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand never fails on Linux; if it did, every write would be unsafe.
		panic(fmt.Sprintf("blob: crypto/rand: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// ValidID reports whether id has the form NewID produces. The check keeps ids
// safe to use as file names.
func ValidID(id string) bool {
	if len(id) != IDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// NewReader returns a reader of n bytes of h starting at off. It reads in
// block-aligned chunks so each block is read and verified once.
func NewReader(h Handle, off, n int64) io.Reader {
	bs := int64(h.Info().BlockSize)
	if bs <= 0 {
		bs = DefaultBlockSize
	}
	return &rangeReader{h: h, off: off, end: off + n, bs: bs}
}

type rangeReader struct {
	h        Handle
	off, end int64
	bs       int64
}

func (r *rangeReader) Read(p []byte) (int, error) {
	if r.off >= r.end {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	// Read up to the next block boundary first, then whole blocks, so that
	// every ReadAt is block-aligned after the first one.
	n := r.end - r.off
	if next := (r.off/r.bs + 1) * r.bs; r.off%r.bs != 0 && next-r.off < n {
		n = next - r.off
	} else if int64(len(p)) >= r.bs && n > int64(len(p)) {
		n = int64(len(p)) / r.bs * r.bs
	}
	if n > int64(len(p)) {
		n = int64(len(p))
	}
	got, err := r.h.ReadAt(p[:n], r.off)
	r.off += int64(got)
	if errors.Is(err, io.EOF) {
		if r.off < r.end {
			return got, io.ErrUnexpectedEOF
		}
		err = nil
	}
	return got, err
}

// openRange implements Replica.ReadRange over a store's Open: a verifying reader of
// the range that closes the handle with it.
func openRange(s Store, id string, off, n int64) (io.ReadCloser, Info, error) {
	h, err := s.Open(id)
	if err != nil {
		return nil, Info{}, err
	}
	info := h.Info()
	if off < 0 || n < 0 || off > info.Size || n > info.Size-off {
		_ = h.Close()
		return nil, Info{}, fmt.Errorf("%w: %s: %d bytes at %d of %d", ErrInvalidRange, id, n, off, info.Size)
	}
	return &handleReader{Reader: NewReader(h, off, n), h: h}, info, nil
}

// handleReader reads a range of a blob and closes its handle.
type handleReader struct {
	io.Reader
	h Handle
}

func (r *handleReader) Close() error { return r.h.Close() }
