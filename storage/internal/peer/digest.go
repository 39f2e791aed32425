package peer

// The writer's digest in trailers.
//
// A replicated write streams one body to three nodes, and each used to hash
// it with MD5 for its blob's footer: the dearest CPU of a write, spent three
// times over the same bytes. The writer now hashes the body once
// (blob.CreateOptions.Digest) and sends its MD5 and CRC-64 after the body,
// as HTTP trailers of a chunked PUT. The receiving node records that MD5
// and checks the CRC-64 against its own, cheap one (carry-less
// multiplication), so bytes changed on the way still fail the copy.
//
// Nodes of different versions share a Region during a rolling upgrade, and
// an older node refuses a PUT without Content-Length. So a writer sends
// trailers to a node only once one of that node's answers has named the
// feature (headerPeerFeatures, set on every PUT answer); until then, and
// after a refusal, it sends the body as before and compares the digest the
// node computed with its own. A copy that disagrees there is already
// committed on the node; it is never referenced, and the node's orphan
// sweeper deletes it as it does what a crash leaves.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/blob"
)

// headerPeerFeatures lists, comma-separated, what a node's blob endpoint
// takes beyond the first version of the protocol.
const headerPeerFeatures = "X-Koss-Peer-Features"

// featureDigestTrailer: a PUT may be chunked, with ?digest=trailer&size=N,
// and carry headerBlobMD5 and headerBlobCRC64 as trailers.
const featureDigestTrailer = "digest-trailer"

// playOlderNode makes this node's blob endpoint answer as a node from
// before featureDigestTrailer did: no feature named, a chunked PUT refused
// with 411. Tests set it to check that writers fall back.
var playOlderNode = false

// learnFeatures records whether the node at addr takes the digest in
// trailers, from any of its answers.
func (b *BlobClient) learnFeatures(addr string, resp *http.Response) {
	has := false
	for _, f := range strings.Split(resp.Header.Get(headerPeerFeatures), ",") {
		if strings.TrimSpace(f) == featureDigestTrailer {
			has = true
		}
	}
	b.trailers.Store(addr, has)
}

// takesTrailers reports whether the node at addr has said it takes the
// digest in trailers.
func (b *BlobClient) takesTrailers(addr string) bool {
	v, ok := b.trailers.Load(addr)
	return ok && v.(bool)
}

// putDigested stores body (exactly opts.Size bytes) as blob id on the node
// at addr, with the digest opts.Digest gives once the body has been read.
func (b *BlobClient) putDigested(ctx context.Context, addr, id string, body io.Reader, opts blob.CreateOptions) (blob.Info, error) {
	if !b.takesTrailers(addr) {
		info, err := b.Put(ctx, addr, id, body, opts.Size, opts.MD5)
		if err != nil {
			return info, err
		}
		// The node hashed the content itself: it must have seen what the
		// writer hashed. A mismatch leaves an unreferenced copy there,
		// which its sweeper deletes.
		dg, err := opts.Digest()
		if err != nil {
			return blob.Info{}, fmt.Errorf("peer: create %s on %s: digest: %w", id, addr, err)
		}
		if dg.MD5 != info.MD5 || dg.CRC64 != info.CRC64 {
			return blob.Info{}, fmt.Errorf("peer: create %s on %s: %w: the node's copy differs from what was sent", id, addr, blob.ErrDigestMismatch)
		}
		return info, nil
	}
	q := url.Values{"digest": {"trailer"}, "size": {strconv.FormatInt(opts.Size, 10)}}
	if opts.MD5 != nil {
		q.Set("md5", hex.EncodeToString(opts.MD5))
	}
	tb := &trailerBody{r: body, digest: opts.Digest, trailer: http.Header{headerBlobMD5: nil, headerBlobCRC64: nil}}
	resp, err := b.c.DoUnsignedTrailer(ctx, http.MethodPut, addr, blobPath(id, q), tb, tb.trailer)
	if err != nil {
		if tb.err != nil {
			return blob.Info{}, tb.err
		}
		return blob.Info{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode == http.StatusLengthRequired {
		// The node went back to a version without trailers: this copy
		// fails, the next ones are sent the old way.
		b.trailers.Store(addr, false)
	} else {
		b.learnFeatures(addr, resp)
	}
	if resp.StatusCode != http.StatusOK {
		return blob.Info{}, remoteErr(addr, resp)
	}
	info, err := parseInfo(id, resp.Header)
	if err == nil && info.Size != opts.Size {
		err = fmt.Errorf("peer: %s stored %d bytes of %d", addr, info.Size, opts.Size)
	}
	return info, err
}

// trailerBody reads the body, then, at its end, fills the trailer with the
// writer's digest before reporting io.EOF (when net/http sends trailers).
type trailerBody struct {
	r       io.Reader
	digest  func() (blob.Digest, error)
	trailer http.Header
	err     error // the digest's failure, which aborted the request
}

func (t *trailerBody) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if !errors.Is(err, io.EOF) {
		return n, err
	}
	dg, derr := t.digest()
	if derr != nil {
		// Failing the body aborts the request: the node never sees the end
		// of the chunked stream and commits nothing.
		t.err = fmt.Errorf("peer: digest: %w", derr)
		return n, t.err
	}
	t.trailer.Set(headerBlobMD5, hex.EncodeToString(dg.MD5[:]))
	t.trailer.Set(headerBlobCRC64, strconv.FormatUint(dg.CRC64, 10))
	return n, io.EOF
}

// digestTrailerOptions reads a PUT's ?digest=trailer&size=N: the options
// with Size and a Digest that reads the trailers once the content has
// been read. Without ?digest it returns empty options; on bad parameters
// it answers 400 and false.
func digestTrailerOptions(w http.ResponseWriter, r *http.Request) (blob.CreateOptions, bool) {
	if playOlderNode {
		return blob.CreateOptions{}, true
	}
	q := r.URL.Query()
	switch q.Get("digest") {
	case "":
		return blob.CreateOptions{}, true
	case "trailer":
	default:
		http.Error(w, "unknown digest mode", http.StatusBadRequest)
		return blob.CreateOptions{}, false
	}
	size, err := strconv.ParseInt(q.Get("size"), 10, 64)
	if err != nil || size < 0 || (r.ContentLength >= 0 && r.ContentLength != size) {
		http.Error(w, "digest=trailer needs size=N matching the body", http.StatusBadRequest)
		return blob.CreateOptions{}, false
	}
	return blob.CreateOptions{Size: size, Digest: func() (blob.Digest, error) { return readTrailerDigest(r) }}, true
}

// readTrailerDigest reads r's body to its end, which must come right after
// the content Create has read, and returns the digest in its trailers.
func readTrailerDigest(r *http.Request) (blob.Digest, error) {
	var one [1]byte
	if n, err := io.ReadFull(r.Body, one[:]); n > 0 {
		return blob.Digest{}, fmt.Errorf("%w: the body is longer than its size", blob.ErrSizeMismatch)
	} else if err != nil && !errors.Is(err, io.EOF) {
		return blob.Digest{}, err
	}
	var dg blob.Digest
	md5, err := hex.DecodeString(r.Trailer.Get(headerBlobMD5))
	if err != nil || len(md5) != len(dg.MD5) {
		return blob.Digest{}, fmt.Errorf("peer: bad or missing %s trailer", headerBlobMD5)
	}
	copy(dg.MD5[:], md5)
	if dg.CRC64, err = strconv.ParseUint(r.Trailer.Get(headerBlobCRC64), 10, 64); err != nil {
		return blob.Digest{}, fmt.Errorf("peer: bad or missing %s trailer", headerBlobCRC64)
	}
	return dg, nil
}
