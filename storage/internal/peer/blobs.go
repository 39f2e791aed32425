package peer

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/blob"
)

// Blob transfer between nodes (see "Blob transfer" in the package doc).
//
//	PUT  /-/peer/v1/blobs/{id}?md5=HEX     store the streamed body as blob id
//	GET  /-/peer/v1/blobs/{id}             the whole blob (Range: bytes=a-b for part)
//	GET  /-/peer/v1/blobs/{id}?off=&n=     part of it in checksummed frames
//	POST /-/peer/v1/blobs/{id}/pull        copy the blob from other nodes (PullRequest)

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
}

// ErrNoCopy is returned when no peer could provide a blob.
var ErrNoCopy = errors.New("peer: no peer has the blob")

// frameError marks an error frame in a framed read: the blob turned out to
// be corrupt after the response started.
const frameError = 0xFFFFFFFF

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// PullRequest is the body of POST /-/peer/v1/blobs/{id}/pull: fetch the
// blob from the first of Sources (peer addresses) that has a good copy and
// check it against Size and CRC64 (from the metadata) before keeping it.
type PullRequest struct {
	Sources []string `json:"sources"`
	Size    int64    `json:"size"`
	CRC64   uint64   `json:"crc64"`
}

// ServeBlobs registers the blob endpoints on s over store: peers store
// replicas here, read them (always through the store's verifying reader, so
// a corrupt copy is reported, never served) and ask this node to copy a
// blob from others (repair).
func ServeBlobs(s *Server, store blob.Store) {
	h := &blobHandler{store: store, lg: s.lg, client: NewBlobClient(s.Client())}
	s.HandleFunc("PUT "+pathBlobs+"{id}", h.put)
	s.HandleFunc("GET "+pathBlobs+"{id}", h.get)
	s.HandleFunc("POST "+pathBlobs+"{id}/pull", h.pull)
}

type blobHandler struct {
	store  blob.Store
	lg     *slog.Logger
	client *BlobClient
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
	if r.ContentLength < 0 {
		http.Error(w, "Content-Length is required", http.StatusLengthRequired)
		return
	}
	opts := blob.CreateOptions{Size: r.ContentLength}
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
	bh, err := h.store.Open(id)
	if err != nil {
		blobError(w, err)
		return
	}
	defer func() { _ = bh.Close() }()
	info := bh.Info()
	if q.Has("off") {
		off, err1 := strconv.ParseInt(q.Get("off"), 10, 64)
		n, err2 := strconv.ParseInt(q.Get("n"), 10, 64)
		if err1 != nil || err2 != nil || off < 0 || n < 0 || off > info.Size || n > info.Size-off {
			http.Error(w, "bad range", http.StatusRequestedRangeNotSatisfiable)
			return
		}
		h.serveFramed(w, bh, off, n)
		return
	}
	off, n := int64(0), info.Size
	status := http.StatusOK
	if rg := r.Header.Get("Range"); rg != "" {
		var ok bool
		if off, n, ok = parseRange(rg, info.Size); !ok {
			w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(info.Size, 10))
			http.Error(w, "bad range", http.StatusRequestedRangeNotSatisfiable)
			return
		}
		status = http.StatusPartialContent
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", off, off+n-1, info.Size))
	}
	setInfo(w.Header(), info)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(status)
	if _, err := io.Copy(w, blob.NewReader(bh, off, n)); err != nil {
		// The reader stops at a corrupt block; the short body tells the
		// caller, whose size and checksum checks fail.
		h.lg.Warn("Serving a blob to a peer failed", "blob", id, "error", err)
	}
}

// parseRange parses a single "bytes=a-b", "bytes=a-" or "bytes=-n" range
// of a size-byte blob into an offset and a length.
func parseRange(v string, size int64) (off, n int64, ok bool) {
	spec, found := strings.CutPrefix(v, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false
	}
	if a == "" {
		last, err := strconv.ParseInt(b, 10, 64)
		if err != nil || last <= 0 || size == 0 {
			return 0, 0, false
		}
		last = min(last, size)
		return size - last, last, true
	}
	first, err := strconv.ParseInt(a, 10, 64)
	if err != nil || first < 0 || first >= size {
		return 0, 0, false
	}
	end := size - 1
	if b != "" {
		if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < first {
			return 0, 0, false
		}
		end = min(end, size-1)
	}
	return first, end - first + 1, true
}

// serveFramed streams the blocks covering [off, off+n) as frames of
// [u32 length][u32 CRC-32C][bytes], big-endian. The first frame starts at
// the block boundary at or before off. A block that fails verification
// ends the stream with an error frame ([u32 frameError][u32 length][text]),
// so the reader learns the copy is corrupt rather than cut off.
func (h *blobHandler) serveFramed(w http.ResponseWriter, bh blob.Handle, off, n int64) {
	info := bh.Info()
	bs := int64(info.BlockSize)
	setInfo(w.Header(), info)
	w.Header().Set(headerBlockSize, strconv.FormatInt(bs, 10))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	if n == 0 {
		return
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	defer func() { _ = bw.Flush() }()
	buf := make([]byte, bs)
	var hdr [8]byte
	for pos := off / bs * bs; pos < off+n; pos += bs {
		blk := buf[:min(bs, info.Size-pos)]
		if _, err := bh.ReadAt(blk, pos); err != nil && (!errors.Is(err, io.EOF) || pos+int64(len(blk)) != info.Size) {
			h.lg.Warn("Serving a corrupt blob to a peer stopped", "blob", info.ID, "error", err)
			msg := []byte(err.Error())
			binary.BigEndian.PutUint32(hdr[0:], frameError)
			binary.BigEndian.PutUint32(hdr[4:], uint32(len(msg)))
			// Best effort: the reader fails either way.
			_, _ = bw.Write(hdr[:])
			_, _ = bw.Write(msg)
			return
		}
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

func (h *blobHandler) pull(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !blob.ValidID(id) {
		http.Error(w, "invalid blob id", http.StatusBadRequest)
		return
	}
	var req PullRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || req.Size < 0 {
		http.Error(w, "bad pull request", http.StatusBadRequest)
		return
	}
	info, err := h.client.Fetch(r.Context(), h.store, id, req.Sources, req.Size, req.CRC64)
	if err != nil {
		h.lg.Warn("Pulling a blob from peers failed", "blob", id, "error", err)
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	setInfo(w.Header(), info)
	w.WriteHeader(http.StatusOK)
}

// BlobClient calls the blob endpoints of other nodes.
type BlobClient struct {
	c *Client
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
		err = fmt.Errorf("peer: %s: range %d+%d beyond the blob's %d bytes", addr, off, n, info.Size)
	}
	if err != nil {
		_ = resp.Body.Close()
		return nil, blob.Info{}, err
	}
	info.BlockSize = int(bs)
	return &framedReader{
		body: resp.Body, br: bufio.NewReaderSize(resp.Body, 256<<10), addr: addr, id: id,
		skip: off % bs, left: n, blk: make([]byte, bs), bs: bs,
	}, info, nil
}

// framedReader verifies and unwraps the frames of a framed read.
type framedReader struct {
	body io.Closer
	br   *bufio.Reader
	addr string
	id   string
	skip int64  // bytes of the next frame before the requested range
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
	if r.skip >= int64(len(buf)) {
		return fmt.Errorf("peer: read of blob %s from %s: short first frame", r.id, r.addr)
	}
	buf = buf[r.skip:]
	r.skip = 0
	if int64(len(buf)) > r.left {
		buf = buf[:r.left]
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

// Fetch copies blob id into store from the first of sources (peer
// addresses) that provides a copy of size bytes with the given CRC-64,
// replacing any local copy. It returns what was stored, or an error wrapping
// ErrNoCopy.
func (b *BlobClient) Fetch(ctx context.Context, store blob.Store, id string, sources []string, size int64, crc uint64) (blob.Info, error) {
	var errs []error
	for _, addr := range sources {
		info, err := b.fetchFrom(ctx, store, addr, id, size, crc)
		if err == nil {
			return info, nil
		}
		if ctx.Err() != nil {
			return blob.Info{}, ctx.Err()
		}
		errs = append(errs, fmt.Errorf("%s: %w", addr, err))
	}
	return blob.Info{}, fmt.Errorf("%w %s: %w", ErrNoCopy, id, errors.Join(errs...))
}

func (b *BlobClient) fetchFrom(ctx context.Context, store blob.Store, addr, id string, size int64, crc uint64) (blob.Info, error) {
	resp, err := b.c.Do(ctx, http.MethodGet, addr, blobPath(id, nil), nil)
	if err != nil {
		return blob.Info{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return blob.Info{}, remoteErr(addr, resp)
	}
	src, err := parseInfo(id, resp.Header)
	if err != nil {
		return blob.Info{}, err
	}
	if src.Size != size || src.CRC64 != crc {
		return blob.Info{}, fmt.Errorf("%w: peer's copy has %d bytes and CRC-64 %d, want %d and %d", blob.ErrCorrupt, src.Size, src.CRC64, size, crc)
	}
	info, err := store.Create(ctx, id, resp.Body, blob.CreateOptions{Size: size, MD5: src.MD5[:]})
	if err != nil {
		return blob.Info{}, err
	}
	if info.CRC64 != crc {
		// The MD5 matched, so this cannot happen short of a bug; do not
		// keep a copy nobody can vouch for.
		_ = store.Delete(id)
		return blob.Info{}, fmt.Errorf("%w: stored copy has CRC-64 %d, want %d", blob.ErrCorrupt, info.CRC64, crc)
	}
	return info, nil
}

// Pull asks the node at addr to copy blob id from sources (see
// PullRequest) and returns once that node has it durably.
func (b *BlobClient) Pull(ctx context.Context, addr, id string, sources []string, size int64, crc uint64) error {
	body, err := json.Marshal(PullRequest{Sources: sources, Size: size, CRC64: crc})
	if err != nil {
		return err
	}
	resp, err := b.c.Do(ctx, http.MethodPost, addr, pathBlobs+url.PathEscape(id)+"/pull", body)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return remoteErr(addr, resp)
	}
	return nil
}
