package peer

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/koss-io/koss/storage/internal/blob"
)

// Blob transfer between nodes (see "Blob transfer" in the package doc).
//
//	PUT  /-/peer/v1/blobs/{id}?md5=HEX     store the streamed body as blob id
//	PUT  /-/peer/v1/blobs/{id}?digest=trailer&size=N[&md5=HEX]
//	                                       the same, chunked, the writer's digest in trailers (digest.go)
//	GET  /-/peer/v1/blobs/{id}?off=&n=     part of it in checksummed frames

// pathBlobs is the root of the blob endpoints.
const pathBlobs = "/-/peer/v1/blobs/"

// Headers of blob responses. Sizes and CRC-64s are decimal, MD5s hex.
const (
	headerBlobSize  = "X-Koss-Blob-Size"
	headerBlobCRC64 = "X-Koss-Blob-Crc64"
	headerBlobMD5   = "X-Koss-Blob-Md5"
	headerBlockSize = "X-Koss-Blob-Block-Size"
	// headerBlobError names a blob-store failure in an error response, so
	// the caller can tell a missing or corrupt copy from a network failure.
	headerBlobError = "X-Koss-Blob-Error"
)

// Values of headerBlobError.
const (
	blobErrNotFound = "notfound"
	blobErrCorrupt  = "corrupt"
	blobErrDigest   = "digest"
	blobErrSize     = "size"
	blobErrExists   = "exists"
	blobErrRange    = "range"
	// blobErrNoSpace: the node's disk is below its reserve (blob.ErrNoSpace),
	// so a quorum lost to full disks is reported as such (507), not as an
	// unreachable Region (503). Older nodes answer a bare 500 instead.
	blobErrNoSpace = "nospace"
)

// blobErrs maps headerBlobError values to the blob store's sentinels, so
// that a remote failure tests like a local one (errors.Is).
var blobErrs = []struct {
	name string
	err  error
}{
	{blobErrNotFound, blob.ErrNotFound},
	{blobErrCorrupt, blob.ErrCorrupt},
	{blobErrDigest, blob.ErrDigestMismatch},
	{blobErrSize, blob.ErrSizeMismatch},
	{blobErrExists, blob.ErrExists},
	{blobErrRange, blob.ErrInvalidRange},
	{blobErrNoSpace, blob.ErrNoSpace},
}

// frameError marks an error frame in a framed read: the blob turned out to
// be corrupt after the response started.
const frameError = 0xFFFFFFFF

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ServeBlobs registers the blob endpoints on s over store: peers store
// replicas here and read them (always through the store's verifying
// reader, so a corrupt copy is reported, never served).
func ServeBlobs(s *Server, store blob.Replica) {
	h := &blobHandler{store: store, lg: s.lg}
	s.HandleFunc("PUT "+pathBlobs+"{id}", h.put)
	s.HandleFunc("GET "+pathBlobs+"{id}", h.get)
}

type blobHandler struct {
	store blob.Replica
	lg    *slog.Logger
}

// blobError answers err, naming a blob-store failure in headerBlobError.
func blobError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	for _, m := range blobErrs {
		if errors.Is(err, m.err) {
			w.Header().Set(headerBlobError, m.name)
			switch m.name {
			case blobErrNotFound:
				status = http.StatusNotFound
			case blobErrExists:
				status = http.StatusConflict
			case blobErrRange:
				status = http.StatusRequestedRangeNotSatisfiable
			case blobErrNoSpace:
				status = http.StatusInsufficientStorage
			default:
				status = http.StatusUnprocessableEntity
			}
			break
		}
	}
	http.Error(w, err.Error(), status)
}

func setInfo(h http.Header, info blob.Info) {
	h.Set(headerBlobSize, strconv.FormatInt(info.Size, 10))
	h.Set(headerBlobCRC64, strconv.FormatUint(info.CRC64, 10))
	h.Set(headerBlobMD5, hex.EncodeToString(info.MD5[:]))
}

func parseInfo(id string, h http.Header) (blob.Info, error) {
	info := blob.Info{ID: id}
	var err error
	if info.Size, err = strconv.ParseInt(h.Get(headerBlobSize), 10, 64); err != nil || info.Size < 0 {
		return info, fmt.Errorf("peer: bad %s header", headerBlobSize)
	}
	if info.CRC64, err = strconv.ParseUint(h.Get(headerBlobCRC64), 10, 64); err != nil {
		return info, fmt.Errorf("peer: bad %s header", headerBlobCRC64)
	}
	md5, err := hex.DecodeString(h.Get(headerBlobMD5))
	if err != nil || len(md5) != len(info.MD5) {
		return info, fmt.Errorf("peer: bad %s header", headerBlobMD5)
	}
	copy(info.MD5[:], md5)
	return info, nil
}

func (h *blobHandler) put(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !blob.ValidID(id) {
		http.Error(w, "invalid blob id", http.StatusBadRequest)
		return
	}
	// Every answer says what this node takes, so that writers can use it
	// from their next write on (digest.go).
	if !playOlderNode {
		w.Header().Set(headerPeerFeatures, featureDigestTrailer)
	}
	opts, ok := digestTrailerOptions(w, r)
	if !ok {
		return
	}
	if opts.Digest == nil && r.ContentLength < 0 {
		http.Error(w, "Content-Length is required", http.StatusLengthRequired)
		return
	}
	if opts.Digest == nil {
		opts.Size = r.ContentLength
	}
	if m := r.URL.Query().Get("md5"); m != "" {
		md5, err := hex.DecodeString(m)
		if err != nil || len(md5) != 16 {
			http.Error(w, "bad md5", http.StatusBadRequest)
			return
		}
		opts.MD5 = md5
	}
	info, err := h.store.Create(r.Context(), id, r.Body, opts)
	if err != nil {
		if r.Context().Err() == nil {
			h.lg.Warn("Storing a replica failed", "blob", id, "from", r.Header.Get(HeaderFrom), "error", err)
		}
		blobError(w, err)
		return
	}
	setInfo(w.Header(), info)
	w.WriteHeader(http.StatusOK)
}

func (h *blobHandler) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !blob.ValidID(id) {
		http.Error(w, "invalid blob id", http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	off, err1 := strconv.ParseInt(q.Get("off"), 10, 64)
	n, err2 := strconv.ParseInt(q.Get("n"), 10, 64)
	if err1 != nil || err2 != nil {
		http.Error(w, "off and n are required", http.StatusBadRequest)
		return
	}
	rc, info, err := h.store.ReadRange(r.Context(), id, off, n)
	if err != nil {
		blobError(w, err)
		return
	}
	defer func() { _ = rc.Close() }()
	h.serveFramed(w, rc, info, off, n)
}

// serveFramed streams the range [off, off+n) of a blob, read from rc
// (which verifies every block), as frames of [u32 length][u32
// CRC-32C][bytes], big-endian, each at most one block. A read that fails
// (a block that failed its check) ends the stream with an error frame
// ([u32 frameError][u32 length][text]), so the reader learns the copy is
// corrupt rather than cut off.
func (h *blobHandler) serveFramed(w http.ResponseWriter, rc io.Reader, info blob.Info, off, n int64) {
	bs := int64(info.BlockSize)
	if bs <= 0 {
		bs = blob.DefaultBlockSize
	}
	setInfo(w.Header(), info)
	w.Header().Set(headerBlockSize, strconv.FormatInt(bs, 10))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 256<<10)
	defer func() { _ = bw.Flush() }()
	buf := make([]byte, bs)
	var hdr [8]byte
	for left := n; left > 0; {
		blk := buf[:min(bs, left)]
		if _, err := io.ReadFull(rc, blk); err != nil {
			h.lg.Warn("Serving a corrupt blob to a peer stopped", "blob", info.ID, "error", err)
			msg := []byte(err.Error())
			binary.BigEndian.PutUint32(hdr[0:], frameError)
			binary.BigEndian.PutUint32(hdr[4:], uint32(len(msg)))
			// Best effort: the reader fails either way.
			_, _ = bw.Write(hdr[:])
			_, _ = bw.Write(msg)
			return
		}
		left -= int64(len(blk))
		binary.BigEndian.PutUint32(hdr[0:], uint32(len(blk)))
		binary.BigEndian.PutUint32(hdr[4:], crc32.Checksum(blk, castagnoli))
		if _, err := bw.Write(hdr[:]); err != nil {
			return
		}
		if _, err := bw.Write(blk); err != nil {
			return
		}
	}
}

// BlobClient calls the blob endpoints of other nodes.
type BlobClient struct {
	c *Client
	// trailers remembers, per address, whether the node there takes the
	// writer's digest in trailers (digest.go): true once one of its
	// answers said so, false again if it refused.
	trailers sync.Map
}

// NewBlobClient returns a BlobClient sending through c.
func NewBlobClient(c *Client) *BlobClient { return &BlobClient{c: c} }

// remoteErr turns an error response into an error that wraps the blob
// store's sentinel the peer named, if any.
func remoteErr(addr string, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	msg := strings.TrimSpace(string(body))
	name := resp.Header.Get(headerBlobError)
	for _, m := range blobErrs {
		if name == m.name {
			return fmt.Errorf("%w: peer %s: %s", m.err, addr, msg)
		}
	}
	return fmt.Errorf("peer: %s answered %s: %s", addr, resp.Status, msg)
}

func blobPath(id string, q url.Values) string {
	p := pathBlobs + url.PathEscape(id)
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// Put streams size bytes of body to the node at addr as blob id and returns
// what that node stored once it is durable there. With md5 (16 bytes) the
// node refuses content with another digest (blob.ErrDigestMismatch).
func (b *BlobClient) Put(ctx context.Context, addr, id string, body io.Reader, size int64, md5 []byte) (blob.Info, error) {
	q := url.Values{}
	if md5 != nil {
		q.Set("md5", hex.EncodeToString(md5))
	}
	resp, err := b.c.DoUnsigned(ctx, http.MethodPut, addr, blobPath(id, q), body, size)
	if err != nil {
		return blob.Info{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	b.learnFeatures(addr, resp)
	if resp.StatusCode != http.StatusOK {
		return blob.Info{}, remoteErr(addr, resp)
	}
	info, err := parseInfo(id, resp.Header)
	if err == nil && info.Size != size {
		err = fmt.Errorf("peer: %s stored %d bytes of %d", addr, info.Size, size)
	}
	return info, err
}

// Read returns a reader of n bytes of blob id at off from the node at addr.
// Every block is checked against a CRC-32C the node computed from its
// verified copy, so transfer damage is caught too; a copy that fails
// verification yields an error wrapping blob.ErrCorrupt, a missing one
// blob.ErrNotFound (from Read itself).
func (b *BlobClient) Read(ctx context.Context, addr, id string, off, n int64) (io.ReadCloser, blob.Info, error) {
	q := url.Values{"off": {strconv.FormatInt(off, 10)}, "n": {strconv.FormatInt(n, 10)}}
	resp, err := b.c.Do(ctx, http.MethodGet, addr, blobPath(id, q), nil)
	if err != nil {
		return nil, blob.Info{}, err
	}
	if resp.StatusCode != http.StatusOK {
		defer func() { _ = resp.Body.Close() }()
		return nil, blob.Info{}, remoteErr(addr, resp)
	}
	info, err := parseInfo(id, resp.Header)
	bs, berr := strconv.ParseInt(resp.Header.Get(headerBlockSize), 10, 64)
	if err == nil && (berr != nil || bs <= 0 || bs > blob.MaxBlockSize) {
		err = fmt.Errorf("peer: bad %s header", headerBlockSize)
	}
	if err == nil && (off > info.Size || n > info.Size-off) {
		err = fmt.Errorf("%w: peer %s: %d bytes at %d of %d", blob.ErrInvalidRange, addr, n, off, info.Size)
	}
	if err != nil {
		_ = resp.Body.Close()
		return nil, blob.Info{}, err
	}
	info.BlockSize = int(bs)
	return &framedReader{
		body: resp.Body, br: bufio.NewReaderSize(resp.Body, 256<<10), addr: addr, id: id,
		left: n, blk: make([]byte, bs), bs: bs,
	}, info, nil
}

// framedReader verifies and unwraps the frames of a framed read.
type framedReader struct {
	body io.Closer
	br   *bufio.Reader
	addr string
	id   string
	left int64  // bytes of the range not yet returned
	blk  []byte // frame storage, one block
	buf  []byte // unread part of the current frame within the range
	pos  int    // next unread byte of buf
	bs   int64
	err  error
}

func (r *framedReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.pos == len(r.buf) {
		if r.left == 0 {
			return 0, io.EOF
		}
		if err := r.frame(); err != nil {
			r.err = err
			return 0, err
		}
	}
	n := copy(p, r.buf[r.pos:])
	r.pos += n
	return n, nil
}

// frame reads and verifies the next frame into buf, trimmed to the range.
func (r *framedReader) frame() error {
	var hdr [8]byte
	if _, err := io.ReadFull(r.br, hdr[:]); err != nil {
		return fmt.Errorf("peer: read of blob %s from %s: %w", r.id, r.addr, unexpected(err))
	}
	length, sum := binary.BigEndian.Uint32(hdr[0:]), binary.BigEndian.Uint32(hdr[4:])
	if length == frameError {
		msg := make([]byte, min(sum, 4<<10))
		n, _ := io.ReadFull(r.br, msg)
		msg = msg[:n]
		return fmt.Errorf("%w: blob %s on peer %s: %s", blob.ErrCorrupt, r.id, r.addr, msg)
	}
	if int64(length) > r.bs || length == 0 {
		return fmt.Errorf("peer: read of blob %s from %s: bad frame length %d", r.id, r.addr, length)
	}
	buf := r.blk[:length]
	if _, err := io.ReadFull(r.br, buf); err != nil {
		return fmt.Errorf("peer: read of blob %s from %s: %w", r.id, r.addr, unexpected(err))
	}
	if crc32.Checksum(buf, castagnoli) != sum {
		return fmt.Errorf("%w: blob %s from peer %s: block checksum mismatch in transfer", blob.ErrCorrupt, r.id, r.addr)
	}
	if int64(len(buf)) > r.left {
		return fmt.Errorf("peer: read of blob %s from %s: a frame runs past the range", r.id, r.addr)
	}
	r.left -= int64(len(buf))
	r.buf, r.pos = buf, 0
	return nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (r *framedReader) Close() error { return r.body.Close() }

// Remote is the blob store of the node at one address, as a
// blob.Replica: replication writes to and reads from it exactly as it does
// with this node's own disk.
type Remote struct {
	c    *BlobClient
	addr string
}

var _ blob.Replica = Remote{}

// Remote returns the blob store of the node at addr.
func (b *BlobClient) Remote(addr string) Remote { return Remote{c: b, addr: addr} }

// Create implements blob.Replica with Put; the size must be known. With
// opts.Digest the writer's digest goes to the node in trailers when the
// node takes them, else the node hashes the content itself and its digest
// is checked against the writer's here (digest.go).
func (r Remote) Create(ctx context.Context, id string, body io.Reader, opts blob.CreateOptions) (blob.Info, error) {
	if opts.Size < 0 {
		return blob.Info{}, fmt.Errorf("peer: create %s on %s: the size must be known", id, r.addr)
	}
	exact := &exactReader{r: body, left: opts.Size}
	if opts.Digest != nil {
		return r.c.putDigested(ctx, r.addr, id, exact, opts)
	}
	return r.c.Put(ctx, r.addr, id, exact, opts.Size, opts.MD5)
}

// exactReader ends a body of a known size with blob.ErrSizeMismatch when
// its reader ends early, as Disk.Create reports it (the HTTP client would
// otherwise report a length mismatch of its own).
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if errors.Is(err, io.EOF) && e.left > 0 {
		return n, fmt.Errorf("%w: %d bytes missing", blob.ErrSizeMismatch, e.left)
	}
	if err == nil && e.left == 0 {
		err = io.EOF
	}
	return n, err
}

// ReadRange implements blob.Replica with Read.
func (r Remote) ReadRange(ctx context.Context, id string, off, n int64) (io.ReadCloser, blob.Info, error) {
	return r.c.Read(ctx, r.addr, id, off, n)
}
