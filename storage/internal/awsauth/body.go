package awsauth

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/checksum"
)

// The x-amz-content-sha256 values that are not a digest.
const (
	unsignedPayload        = "UNSIGNED-PAYLOAD"
	streamingSigned        = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsignedTrail = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// Body is the decoded payload of a request: what the handler reads instead
// of r.Body. It removes aws-chunked framing, checks each chunk signature,
// the signed x-amz-content-sha256, the x-amz-checksum-* header or trailer,
// Content-MD5 and the decoded length, and fails the read that reaches the
// end (io.EOF is never returned) when anything does not hold. Its errors are
// *Error values. It is not safe for concurrent use.
type Body struct {
	src  io.Reader
	size int64
	n    int64

	digest []byte    // signed SHA-256 to check, or nil
	sha    hash.Hash // over the decoded body, when digest is set

	alg     checksum.Algorithm // announced checksum ("" none)
	want    string             // its value from the header ("" until the trailer)
	trailer bool               // want comes from the trailer
	sum     hash.Hash

	md5     []byte // Content-MD5 to check, or nil
	md5hash hash.Hash

	chunks *chunkReader // nil for a raw body

	// A POST policy's content-length-range, when hasRange.
	hasRange       bool
	minLen, maxLen int64

	verified bool
	err      error
}

// Size is the decoded length: x-amz-decoded-content-length for aws-chunked
// bodies, else r.ContentLength (-1 when unknown).
func (b *Body) Size() int64 { return b.size }

// Checksum is, once Read has returned io.EOF, the x-amz-checksum-* the
// client sent (in a header or trailer) and that was verified; "" before or
// when the client sent none.
func (b *Body) Checksum() (checksum.Algorithm, string) {
	if !b.verified || b.alg == "" {
		return "", ""
	}
	return b.alg, b.want
}

// Read implements io.Reader.
func (b *Body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.verified {
		return 0, io.EOF
	}
	n, err := b.src.Read(p)
	if n > 0 {
		b.n += int64(n)
		for _, h := range []hash.Hash{b.sha, b.sum, b.md5hash} {
			if h != nil {
				h.Write(p[:n])
			}
		}
		if b.size >= 0 && b.n > b.size {
			b.err = errInvalidRequest("the body is longer than its declared length of %d bytes", b.size)
			return n, b.err
		}
		if b.hasRange && b.n > b.maxLen {
			b.err = newError(CodeEntityTooLarge, http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed size (%d bytes by the policy's content-length-range).", b.maxLen)
			return n, b.err
		}
	}
	switch {
	case err == io.EOF:
		if verr := b.finish(); verr != nil {
			b.err = verr
			return n, verr
		}
		b.verified = true
		return n, io.EOF
	case err != nil:
		var e *Error
		if !errors.As(err, &e) {
			e = errIncompleteBody(err)
		}
		b.err = e
		return n, e
	}
	return n, nil
}

// finish checks everything that is known only at the end of the body.
func (b *Body) finish() error {
	if b.size >= 0 && b.n < b.size {
		return errIncompleteBody(nil)
	}
	if b.hasRange && b.n < b.minLen {
		return newError(CodeEntityTooSmall, http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed size (%d bytes by the policy's content-length-range).", b.minLen)
	}
	if b.digest != nil && !bytes.Equal(b.sha.Sum(nil), b.digest) {
		return newError(CodeXAmzContentSHA256Mismatch, http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	if b.chunks != nil {
		for name := range b.chunks.trailers {
			if a, ok := checksum.FromTrailerName(name); ok && (!b.trailer || a != b.alg) {
				return errInvalidRequest("the trailer %s was not announced in x-amz-trailer", name)
			}
		}
	}
	if b.trailer {
		v, ok := b.chunks.trailers[b.alg.Header()]
		if !ok {
			return errInvalidRequest("x-amz-trailer announced %s but the body has no such trailer", b.alg.Header())
		}
		if _, err := b.alg.Decode(v); err != nil {
			return errInvalidRequest("Value for %s trailing header is invalid.", b.alg.Header())
		}
		b.want = v
	}
	if b.alg != "" && b.alg.Encode(b.sum.Sum(nil)) != b.want {
		return errBadDigest(string(b.alg))
	}
	if b.md5 != nil && !bytes.Equal(b.md5hash.Sum(nil), b.md5) {
		return errBadDigest("Content-MD5")
	}
	return nil
}

// newBody plans the decoding and checks of r's body. payload is the signed
// x-amz-content-sha256 value (or the header's value for a request that is
// not signed, "" without one); signer is nil when the request is not signed.
func newBody(r *http.Request, payload string, signer *chainSigner) (*Body, error) {
	src := io.Reader(http.NoBody)
	if r.Body != nil {
		src = r.Body
	}
	b := &Body{src: src, size: r.ContentLength}
	// On CompleteMultipartUpload (POST ?uploadId=) an x-amz-checksum-*
	// header is the checksum of the whole object, not of the XML body:
	// the handler reads it, the body is not checked against it.
	if !isComplete(r) {
		alg, value, err := checksum.FromHeaders(r.Header)
		if err != nil {
			return nil, errInvalidRequest("%v", err)
		}
		b.alg, b.want = alg, value
	}

	streaming, trailer, signedChunks := false, false, false
	switch {
	case payload == "" || payload == unsignedPayload:
	case payload == streamingSigned:
		streaming, signedChunks = true, true
	case payload == streamingSignedTrailer:
		streaming, signedChunks, trailer = true, true, true
	case payload == streamingUnsignedTrail:
		streaming, trailer = true, true
	case len(payload) == 64 && isHex(payload):
		b.digest, _ = hex.DecodeString(payload)
		b.sha = sha256.New()
	default:
		return nil, errInvalidArgument("x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
	}
	if signedChunks && signer == nil {
		return nil, errInvalidRequest("x-amz-content-sha256 %s needs a signed request", payload)
	}
	if streaming {
		dl := r.Header.Get(hDecodedLen)
		if dl == "" {
			return nil, newError(CodeMissingContentLength, http.StatusLengthRequired, "You must provide the Content-Length HTTP header (x-amz-decoded-content-length for aws-chunked bodies).")
		}
		size, err := strconv.ParseInt(dl, 10, 64)
		if err != nil || size < 0 || dl[0] == '+' {
			return nil, errInvalidArgument("x-amz-decoded-content-length %q is not a length", clip(dl))
		}
		b.size = size
		if !signedChunks {
			signer = nil
		}
		b.chunks = newChunkReader(src, signer, trailer, size)
		b.src = b.chunks
	}
	if trailer {
		names := r.Header.Values(hTrailer)
		switch {
		case len(names) > 1 || strings.Contains(strings.Join(names, ""), ","):
			return nil, errInvalidRequest("only one x-amz-trailer is supported")
		case len(names) == 1:
			a, ok := checksum.FromTrailerName(names[0])
			if !ok {
				return nil, errInvalidRequest("unsupported x-amz-trailer %q", clip(names[0]))
			}
			if b.alg != "" {
				return nil, errInvalidRequest("Expecting a single x-amz-checksum- header: both a header and a trailer")
			}
			b.alg, b.trailer = a, true
		}
	}
	if b.alg != "" {
		b.sum = b.alg.New()
	}
	if m := r.Header.Get(hContentMD5); m != "" {
		sum, err := base64.StdEncoding.DecodeString(m)
		if err != nil || len(sum) != md5.Size {
			return nil, newError(CodeInvalidDigest, http.StatusBadRequest, "The Content-MD5 you specified is not valid.")
		}
		b.md5, b.md5hash = sum, md5.New()
	}
	return b, nil
}

// isComplete reports whether r is a CompleteMultipartUpload.
func isComplete(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Query().Has("uploadId")
}
