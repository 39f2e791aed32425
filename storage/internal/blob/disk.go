package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	md5simd "github.com/minio/md5-simd"

	"github.com/koss-io/koss/storage/internal/crc64ecma"
)

// chunkTarget is roughly how much content Create handles per step; the
// hashing of one chunk overlaps the read and write of the next.
const chunkTarget = 1 << 20

// Config configures a Disk store.
type Config struct {
	// Dir is the root directory; it is created if missing. tmp/ and blobs/
	// below it must stay on one file system (renames).
	Dir string
	// BlockSize is the checksum block size of new blobs (existing blobs keep
	// the one in their footer). Default DefaultBlockSize.
	BlockSize int
	// BufferedWrites writes every blob through the page cache. By default
	// the aligned bulk of contents larger than one chunk (1 MiB) bypasses
	// it (O_DIRECT); see chunkWriter.
	BufferedWrites bool
	// MinFreeSpace is the free space the store keeps on its file system:
	// a blob write that would leave less fails with ErrNoSpace before it
	// starts (space.go). The zero value is Reserve{Bytes: 0}, no reserve;
	// DefaultConfig sets the default (1%, between 16 and 256 MiB).
	MinFreeSpace Reserve
	// MetaDirs are directories on other file systems that every write
	// also needs room on (the raft log's, with kossd's --raft-dir on
	// another disk): a write is refused while any of them has less free
	// space than MinFreeSpace.
	MetaDirs []string
	// Logger receives operational messages; nil discards them.
	Logger *slog.Logger
}

// DefaultConfig returns a Config with defaults for everything but Dir.
func DefaultConfig() Config {
	return Config{BlockSize: DefaultBlockSize, MinFreeSpace: Reserve{Default: true}}
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	if c.Dir == "" {
		return errors.New("blob: config: Dir is required")
	}
	if c.BlockSize < 0 || c.BlockSize > MaxBlockSize {
		return fmt.Errorf("blob: config: BlockSize %d out of range (1..%d)", c.BlockSize, MaxBlockSize)
	}
	return nil
}

// Disk is the local-disk Store. See the package doc for layout and crash rules.
type Disk struct {
	dir       string
	tmpDir    string
	blobsDir  string
	blockSize int
	chunkSize int
	directIO  bool // large contents are written with O_DIRECT (chunkWriter)
	lg        *slog.Logger
	unlock    func() error
	bufs      sync.Pool // *[]byte of chunkSize
	blocks    sync.Pool // *[]byte of up to MaxBlockSize, for unaligned reads
	dirsReady sync.Map  // "aa/bb" -> struct{}: fan-out dirs created and fsynced by this process
	space     *spaceGuard
	metaSpace []*spaceGuard // Config.MetaDirs
}

var _ Store = (*Disk)(nil)

// New opens (creating if needed) a Disk store, locks its directory against
// other processes (ErrLocked; the same process may open it again) and
// deletes the leftovers of interrupted writes in tmp/.
func New(cfg Config) (*Disk, error) {
	if cfg.BlockSize == 0 {
		cfg.BlockSize = DefaultBlockSize
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	d := &Disk{
		dir:       cfg.Dir,
		tmpDir:    filepath.Join(cfg.Dir, "tmp"),
		blobsDir:  filepath.Join(cfg.Dir, "blobs"),
		blockSize: cfg.BlockSize,
		lg:        lg.With("component", "blob"),
		space:     newSpaceGuard(cfg.Dir, cfg.MinFreeSpace),
	}
	for _, dir := range cfg.MetaDirs {
		d.metaSpace = append(d.metaSpace, newSpaceGuard(dir, cfg.MinFreeSpace))
	}
	d.chunkSize = d.blockSize * max(1, chunkTarget/d.blockSize)
	d.directIO = directIOSupported && !cfg.BufferedWrites && d.chunkSize%directIOAlign == 0
	for _, p := range []string{d.dir, d.tmpDir, d.blobsDir} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
	}
	unlock, err := acquireDirLock(d.dir)
	if err != nil {
		return nil, err
	}
	d.unlock = unlock
	// On the error paths below the open failed already; releasing the lock
	// is best effort and its error would only hide the cause.
	if err := syncDir(d.dir); err != nil {
		_ = unlock()
		return nil, err
	}
	if err := d.cleanTmp(); err != nil {
		_ = unlock()
		return nil, err
	}
	return d, nil
}

// Close releases the directory lock (once every Disk of this process on the
// directory is closed). Handles opened before stay readable. Closing is
// optional: the kernel drops the lock when the process exits.
func (d *Disk) Close() error {
	return d.unlock()
}

// cleanTmp deletes every file in tmp/: each one is a write that never
// committed (a crash, or a process killed mid-Create).
func (d *Disk) cleanTmp() error {
	ents, err := os.ReadDir(d.tmpDir)
	if err != nil {
		return fmt.Errorf("blob: clean tmp: %w", err)
	}
	for _, e := range ents {
		if err := os.RemoveAll(filepath.Join(d.tmpDir, e.Name())); err != nil {
			return fmt.Errorf("blob: clean tmp: %w", err)
		}
	}
	if len(ents) > 0 {
		d.lg.Info("Removed interrupted blob writes", "count", len(ents))
	}
	return nil
}

// Dir returns the store's root directory.
func (d *Disk) Dir() string { return d.dir }

func (d *Disk) path(id string) string {
	return filepath.Join(d.blobsDir, id[0:2], id[2:4], id)
}

// Create implements Store.
func (d *Disk) Create(ctx context.Context, id string, r io.Reader, opts CreateOptions) (info Info, err error) {
	if !ValidID(id) {
		return Info{}, fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	if err := d.CheckSpace(opts.Size); err != nil {
		return Info{}, fmt.Errorf("blob: create %s: %w", id, err)
	}
	defer func() {
		if err != nil && !errors.Is(err, ErrNoSpace) && noSpace(err) {
			// The file system ran out before the guard saw it (another
			// writer on the disk, or a stale statfs): say so, and statfs
			// again next time.
			d.space.invalidate()
			d.space.refused.Add(1)
			err = fmt.Errorf("%w: %w", ErrNoSpace, err)
		}
	}()
	tmp := filepath.Join(d.tmpDir, id)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return Info{}, fmt.Errorf("%w: %s", ErrExists, id)
		}
		return Info{}, fmt.Errorf("blob: create %s: %w", id, err)
	}
	crashed := false
	defer func() {
		if err != nil && !crashed {
			// Best effort: the write failed already, and the next open's
			// cleanTmp removes anything left behind in tmp/.
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()

	w, err := d.writeContent(ctx, f, r, opts.Size, opts.Digest == nil)
	if err != nil {
		return Info{}, fmt.Errorf("blob: create %s: %w", id, err)
	}
	if opts.Digest != nil {
		dg, err := opts.Digest()
		if err != nil {
			return Info{}, fmt.Errorf("blob: create %s: digest: %w", id, err)
		}
		if dg.CRC64 != w.crc64 {
			return Info{}, fmt.Errorf("blob: create %s: %w (CRC-64 %d, the writer's %d)", id, ErrDigestMismatch, w.crc64, dg.CRC64)
		}
		w.md5 = dg.MD5
	}
	if opts.MD5 != nil && !bytes.Equal(opts.MD5, w.md5[:]) {
		return Info{}, fmt.Errorf("blob: create %s: %w", id, ErrDigestMismatch)
	}
	if _, err := f.Write(encodeFooter(w.table, d.blockSize, w.size, w.md5, w.crc64)); err != nil {
		return Info{}, fmt.Errorf("blob: create %s: %w", id, err)
	}
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob: create %s: fsync: %w", id, err)
	}
	if h := testHookAfterSync; h != nil {
		if err := h(tmp); err != nil {
			crashed = true
			_ = f.Close() // the simulated crash is the error to report
			return Info{}, err
		}
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: create %s: %w", id, err)
	}
	if err := d.ensureDir(id); err != nil {
		return Info{}, err
	}
	final := d.path(id)
	if err := os.Rename(tmp, final); err != nil {
		return Info{}, fmt.Errorf("blob: create %s: %w", id, err)
	}
	if h := testHookBeforeDirSync; h != nil {
		if err := h(final); err != nil {
			crashed = true
			return Info{}, err
		}
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		// The blob is complete but its name may not survive a power loss:
		// report failure; the orphan sweeper deletes it if it does survive.
		crashed = true
		return Info{}, err
	}
	return Info{
		ID: id, Size: w.size, MD5: w.md5, CRC64: w.crc64,
		BlockSize: d.blockSize, ModTime: time.Now(),
	}, nil
}

// written is what writeContent computed over the content.
type written struct {
	size  int64
	table []uint32
	md5   [16]byte
	crc64 uint64
}

// writeContent streams r (size bytes, or to EOF when size < 0) into f.
//
// Small contents (one chunk) are read, checksummed and written in one go.
// Larger ones flow through a three-stage pipeline, one chunk per step, so
// that the network read, the disk write and the hashing of different chunks
// overlap: the calling goroutine reads a chunk and computes its block CRCs and
// the running CRC-64, a writer goroutine writes it (chunkWriter), and a hasher
// goroutine feeds it to MD5, the most expensive of the three hashes.
//
// With hashMD5 false the MD5 is left zero: the caller has it from the
// writer (CreateOptions.Digest).
//
// When it returns, f is back to buffered I/O so the caller can append the
// footer.
func (d *Disk) writeContent(ctx context.Context, f *os.File, r io.Reader, size int64, hashMD5 bool) (written, error) {
	var w written
	if size >= 0 {
		w.table = make([]uint32, 0, numBlocks(size, d.blockSize))
	}

	// Small contents: no goroutines, and the page cache keeps them warm for
	// the reads that usually follow.
	if size >= 0 && size <= int64(d.chunkSize) {
		bp := d.getBuf()
		defer d.bufs.Put(bp)
		buf := (*bp)[:size]
		if _, err := io.ReadFull(r, buf); err != nil {
			return w, shortRead(err)
		}
		w.table = d.appendBlockCRCs(w.table, buf)
		if _, err := f.Write(buf); err != nil {
			return w, err
		}
		w.size = size
		if hashMD5 {
			w.md5 = md5.Sum(buf)
		}
		w.crc64 = crc64ecma.Update(0, buf)
		return w, nil
	}

	// Large contents hash through the process's SIMD MD5 server: MD5 is
	// serial within one stream, so on a busy node it is the dearest CPU of a
	// write (every replica computes it), and the server hashes up to 16
	// streams for the cost of about one (AVX-512; 8 with AVX2; crypto/md5
	// without either).
	var h md5simd.Hasher
	if hashMD5 {
		h = simdMD5().NewHash()
		defer h.Close()
	}
	cw := &chunkWriter{f: f, direct: d.directIO && setDirectIO(f, true) == nil}
	const inFlight = 4
	free := make(chan *[]byte, inFlight)
	toWrite := make(chan *[]byte, inFlight)
	toHash := make(chan *[]byte, inFlight)
	for range inFlight {
		free <- d.getBuf()
	}
	var writeErr error // owned by the writer until hashDone is closed
	var writeFailed atomic.Bool
	go func() {
		defer close(toHash)
		for bp := range toWrite {
			if writeErr == nil {
				if writeErr = cw.write(*bp); writeErr != nil {
					writeFailed.Store(true)
				}
			}
			toHash <- bp
		}
	}()
	hashDone := make(chan struct{})
	go func() {
		defer close(hashDone)
		for bp := range toHash {
			if h != nil && !writeFailed.Load() {
				h.Write(*bp)
			}
			free <- bp
		}
	}()

	var err error
	for !writeFailed.Load() {
		if err = ctx.Err(); err != nil {
			break
		}
		want := int64(d.chunkSize)
		if size >= 0 {
			want = min(want, size-w.size)
			if want == 0 {
				break
			}
		}
		bp := <-free
		buf := (*bp)[:want]
		n, rerr := io.ReadFull(r, buf)
		buf = buf[:n]
		if n > 0 {
			w.table = d.appendBlockCRCs(w.table, buf)
			w.crc64 = crc64ecma.Update(w.crc64, buf)
			w.size += int64(n)
		}
		*bp = buf
		toWrite <- bp
		if rerr != nil {
			if size < 0 && (rerr == io.EOF || rerr == io.ErrUnexpectedEOF) {
				break
			}
			err = shortRead(rerr)
			break
		}
	}
	close(toWrite)
	<-hashDone // the writer is done too: it closes toHash before the hasher ends
	for range inFlight {
		d.bufs.Put(<-free)
	}
	if err == nil {
		err = writeErr
	}
	if err == nil {
		err = cw.buffered() // the footer goes through the page cache
	}
	if err != nil {
		return w, err
	}
	if h != nil {
		copy(w.md5[:], h.Sum(nil))
	}
	return w, nil
}

// simdMD5 is the process's multi-stream MD5 server, started on first use.
var simdMD5 = sync.OnceValue(md5simd.NewServer)

// NewMD5 returns an MD5 hash served by the process's multi-stream MD5
// server, which hashes many streams at once for the cost of about one (see
// writeContent): for writers that hash a body for CreateOptions.Digest.
// The caller must Close it.
func NewMD5() md5simd.Hasher { return simdMD5().NewHash() }

// directIOAlign is the alignment O_DIRECT needs of buffer addresses, lengths
// and file offsets. 4096 covers every logical block size in use (512 and
// 4096 bytes).
const directIOAlign = 4096

// chunkWriter writes the chunks of one blob's content in order.
//
// With direct set, the file is in O_DIRECT mode: aligned chunks go from the
// buffer to the device without being copied into the page cache. That copy
// is the largest CPU cost of a large PUT (measured: ~1.6 ms of kernel time
// per MiB on a 2-core VM, more than MD5), and the blob is read back rarely
// compared with how much a busy node writes. Only the last chunk can have an
// unaligned tail; it switches the file back to buffered I/O for that tail.
// A file system that refuses O_DIRECT (EINVAL on the first write, tmpfs for
// example) gets the whole content buffered.
type chunkWriter struct {
	f      *os.File
	direct bool
	off    int64
}

func (cw *chunkWriter) write(buf []byte) error {
	if cw.direct {
		aligned := len(buf) &^ (directIOAlign - 1)
		if aligned > 0 {
			n, err := cw.f.Write(buf[:aligned])
			cw.off += int64(n)
			switch {
			case err == nil:
				buf = buf[aligned:]
			case errors.Is(err, syscall.EINVAL) && cw.off == 0:
				// Not supported here; write everything buffered.
			default:
				return err
			}
		}
		if len(buf) > 0 {
			if err := cw.buffered(); err != nil {
				return err
			}
		}
	}
	if len(buf) == 0 {
		return nil
	}
	n, err := cw.f.Write(buf)
	if n > 0 {
		startWriteback(cw.f, cw.off, int64(n))
		cw.off += int64(n)
	}
	return err
}

// buffered switches the file back to buffered I/O.
func (cw *chunkWriter) buffered() error {
	if !cw.direct {
		return nil
	}
	cw.direct = false
	if err := setDirectIO(cw.f, false); err != nil {
		return fmt.Errorf("leave direct I/O: %w", err)
	}
	return nil
}

func hashChunk(h hash.Hash, crc *uint64, b []byte) {
	h.Write(b)
	*crc = crc64ecma.Update(*crc, b)
}

// shortRead maps the end of the content before the expected size to
// ErrSizeMismatch and passes every other reader error through.
func shortRead(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrSizeMismatch
	}
	return err
}

// appendBlockCRCs appends the CRC-32C of each block of b. Every call but the
// last one gets a multiple of the block size.
func (d *Disk) appendBlockCRCs(table []uint32, b []byte) []uint32 {
	for len(b) > 0 {
		n := min(len(b), d.blockSize)
		table = append(table, crc32.Checksum(b[:n], castagnoli))
		b = b[n:]
	}
	return table
}

func (d *Disk) getBuf() *[]byte {
	if bp, ok := d.bufs.Get().(*[]byte); ok {
		*bp = (*bp)[:cap(*bp)]
		return bp
	}
	b := alignedBuf(d.chunkSize)
	return &b
}

// alignedBuf returns n bytes starting at a directIOAlign boundary, as
// O_DIRECT needs: it over-allocates and slices from the first boundary.
func alignedBuf(n int) []byte {
	b := make([]byte, n+directIOAlign)
	off := 0
	if rem := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) % directIOAlign); rem != 0 {
		off = directIOAlign - rem
	}
	return b[off : off+n : off+n]
}

// ensureDir creates blobs/aa/bb if needed. A directory this process creates
// is made durable by fsyncing its parent before any blob is renamed into it.
// A directory that already existed was made durable by the process that
// created it before that process acknowledged any blob in it; if that process
// crashed first, the entry is still in the kernel's journal order ahead of
// our own later fsyncs (ext4 and XFS commit metadata in order).
func (d *Disk) ensureDir(id string) error {
	key := id[0:2] + "/" + id[2:4]
	if _, ok := d.dirsReady.Load(key); ok {
		return nil
	}
	aa := filepath.Join(d.blobsDir, id[0:2])
	bb := filepath.Join(aa, id[2:4])
	for _, dir := range []struct{ path, parent string }{{aa, d.blobsDir}, {bb, aa}} {
		err := os.Mkdir(dir.path, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("blob: %w", err)
		}
		if err := syncDir(dir.parent); err != nil {
			return err
		}
	}
	d.dirsReady.Store(key, struct{}{})
	return nil
}

// ReadRange implements Replica.
func (d *Disk) ReadRange(_ context.Context, id string, off, n int64) (io.ReadCloser, Info, error) {
	return openRange(d, id, off, n)
}

// Open implements Store.
func (d *Disk) Open(id string) (Handle, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	f, err := os.Open(d.path(id))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return nil, fmt.Errorf("blob: open %s: %w", id, err)
	}
	// The file is open read-only: closing it on the error paths below
	// cannot lose data, so its error is dropped in favour of the cause.
	info, tr, err := readTrailer(f, id)
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	tb := make([]byte, 4*numBlocks(tr.size, tr.blockSize))
	if _, err := f.ReadAt(tb, tr.size); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%w: %s: read block table: %v", ErrCorrupt, id, err) //nolint:errorlint // %v on purpose: a truncated file's io.EOF must not look like end of content to errors.Is
	}
	table, err := decodeTable(tb, tr.tableCRC)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: %w", id, err)
	}
	return &handle{f: f, info: info, table: table, d: d}, nil
}

// readTrailer reads and checks the trailer of an open blob file.
func readTrailer(f *os.File, id string) (Info, trailer, error) {
	st, err := f.Stat()
	if err != nil {
		return Info{}, trailer{}, fmt.Errorf("blob: stat %s: %w", id, err)
	}
	if st.Size() < trailerLen {
		return Info{}, trailer{}, fmt.Errorf("%w: %s: file too short (%d bytes)", ErrCorrupt, id, st.Size())
	}
	t := make([]byte, trailerLen)
	if _, err := f.ReadAt(t, st.Size()-trailerLen); err != nil {
		return Info{}, trailer{}, fmt.Errorf("blob: read trailer %s: %w", id, err)
	}
	tr, err := decodeTrailer(t, st.Size())
	if err != nil {
		return Info{}, trailer{}, fmt.Errorf("%s: %w", id, err)
	}
	return Info{
		ID: id, Size: tr.size, MD5: tr.md5, CRC64: tr.crc64,
		BlockSize: tr.blockSize, ModTime: st.ModTime(),
	}, tr, nil
}

// Stat implements Store.
func (d *Disk) Stat(id string) (Info, error) {
	if !ValidID(id) {
		return Info{}, fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	f, err := os.Open(d.path(id))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Info{}, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return Info{}, fmt.Errorf("blob: stat %s: %w", id, err)
	}
	defer func() { _ = f.Close() }() // read-only
	info, _, err := readTrailer(f, id)
	return info, err
}

// Delete implements Store. The directory is not fsynced: a delete lost in a
// crash leaves an unreferenced blob that the sweeper removes again.
func (d *Disk) Delete(id string) error {
	if !ValidID(id) {
		return fmt.Errorf("%w: %q", ErrInvalidID, id)
	}
	if err := os.Remove(d.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", id, err)
	}
	return nil
}

// Walk implements Store.
func (d *Disk) Walk(ctx context.Context, fn func(Entry) error) error {
	aas, err := os.ReadDir(d.blobsDir)
	if err != nil {
		return fmt.Errorf("blob: walk: %w", err)
	}
	for _, aa := range aas {
		if !aa.IsDir() || len(aa.Name()) != 2 {
			continue
		}
		bbs, err := os.ReadDir(filepath.Join(d.blobsDir, aa.Name()))
		if err != nil {
			return fmt.Errorf("blob: walk: %w", err)
		}
		for _, bb := range bbs {
			if err := ctx.Err(); err != nil {
				return err
			}
			if !bb.IsDir() || len(bb.Name()) != 2 {
				continue
			}
			ents, err := os.ReadDir(filepath.Join(d.blobsDir, aa.Name(), bb.Name()))
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				return fmt.Errorf("blob: walk: %w", err)
			}
			for _, e := range ents {
				if !ValidID(e.Name()) || e.Name()[0:2] != aa.Name() || e.Name()[2:4] != bb.Name() {
					continue
				}
				fi, err := e.Info()
				if err != nil {
					continue // deleted since ReadDir
				}
				if err := fn(Entry{ID: e.Name(), ModTime: fi.ModTime(), FileSize: fi.Size()}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Verify implements Store.
func (d *Disk) Verify(ctx context.Context, id string) error {
	h, err := d.Open(id)
	if err != nil {
		return err
	}
	defer func() { _ = h.Close() }() // read-only
	return verifyHandle(ctx, h)
}

// verifyHandle reads all of h (checking each block) and compares the MD5 and
// CRC-64 of the content with the footer's.
func verifyHandle(ctx context.Context, h Handle) error {
	info := h.Info()
	md := md5.New()
	crc := uint64(0)
	buf := make([]byte, max(info.BlockSize, chunkTarget/info.BlockSize*info.BlockSize))
	for off := int64(0); off < info.Size; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := h.ReadAt(buf, off)
		if n > 0 {
			hashChunk(md, &crc, buf[:n])
			off += int64(n)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if errors.Is(err, io.EOF) && off < info.Size {
			return fmt.Errorf("%w: %s: short read", ErrCorrupt, info.ID)
		}
	}
	if !bytes.Equal(md.Sum(nil), info.MD5[:]) {
		return fmt.Errorf("%w: %s: md5 mismatch", ErrCorrupt, info.ID)
	}
	if crc != info.CRC64 {
		return fmt.Errorf("%w: %s: crc64 mismatch", ErrCorrupt, info.ID)
	}
	return nil
}

// syncDir fsyncs a directory so that entries created or renamed in it are durable.
func syncDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("blob: sync dir: %w", err)
	}
	// Durability comes from Sync, whose error is returned; the descriptor is
	// read-only, so a Close error has nothing left to lose.
	defer func() { _ = f.Close() }()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blob: sync dir %s: %w", path, err)
	}
	return nil
}

// handle is the Disk implementation of Handle.
type handle struct {
	f     *os.File
	info  Info
	table []uint32
	d     *Disk
}

func (h *handle) Info() Info { return h.info }

func (h *handle) Close() error { return h.f.Close() }

// ReadAt implements io.ReaderAt, verifying every block it touches. Blocks
// fully covered by p are read straight into p; partial ones go through a
// scratch buffer so the whole block can be checked.
func (h *handle) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("blob: read %s: negative offset", h.info.ID)
	}
	size := h.info.Size
	if off >= size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), size)
	bs := int64(h.info.BlockSize)
	n := 0
	for pos := off; pos < end; {
		bi := pos / bs
		bstart := bi * bs
		blen := min(bs, size-bstart)
		if pos == bstart && end-pos >= blen {
			dst := p[n : n+int(blen)]
			if err := h.readBlock(dst, bi, bstart); err != nil {
				return n, err
			}
			n += int(blen)
			pos += blen
			continue
		}
		sp := h.d.getBlockBuf(int(bs))
		blk := (*sp)[:blen]
		if err := h.readBlock(blk, bi, bstart); err != nil {
			h.d.blocks.Put(sp)
			return n, err
		}
		c := copy(p[n:], blk[pos-bstart:min(blen, end-bstart)])
		h.d.blocks.Put(sp)
		n += c
		pos += int64(c)
	}
	if end < off+int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

func (h *handle) readBlock(dst []byte, bi, bstart int64) error {
	if _, err := h.f.ReadAt(dst, bstart); err != nil {
		return fmt.Errorf("%w: %s: block %d: %v", ErrCorrupt, h.info.ID, bi, err) //nolint:errorlint // %v on purpose: a truncated file's io.EOF must not look like end of content to errors.Is
	}
	if got, want := crc32.Checksum(dst, castagnoli), h.table[bi]; got != want {
		return fmt.Errorf("%w: %s: block %d checksum %08x, want %08x", ErrCorrupt, h.info.ID, bi, got, want)
	}
	return nil
}

func (d *Disk) getBlockBuf(n int) *[]byte {
	if bp, ok := d.blocks.Get().(*[]byte); ok && cap(*bp) >= n {
		*bp = (*bp)[:n]
		return bp
	}
	b := make([]byte, n)
	return &b
}
