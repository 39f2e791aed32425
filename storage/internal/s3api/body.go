package s3api

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// clientChecksum is a checksum the client sent (x-amz-checksum-* header or
// trailer) and the body was verified against.
type clientChecksum struct {
	alg   checksum.Algorithm
	value string // base64, as S3 shows it
}

// uploadBody is a write's body, of known size, ready for the engine. It
// fails the read that would complete it when the body does not match
// its checksum (or awsauth's payload verification fails), so the engine
// never stores a body that does not match.
type uploadBody struct {
	r    io.Reader
	size int64
	// close releases what the body holds (a spool file).
	close func()
	v     *verifier
	// spooled is set when the body was read (and verified) before the
	// engine sees it: its client checksum is then known up front.
	spooled bool
}

// checksum returns the client checksum the body was verified against, once
// the engine has read it all; ok is false when the client sent none.
func (b *uploadBody) checksum() (clientChecksum, bool) {
	if b.v.src != nil {
		if alg, v := b.v.src.Checksum(); alg != "" {
			return clientChecksum{alg, v}, true
		}
	}
	return clientChecksum{}, false
}

// storable is the client checksum to give the engine with the body: the
// header's (verified as the engine reads), or a trailer's once the body
// was spooled and verified; zero when there is none.
func (b *uploadBody) storable(header object.Checksum) object.Checksum {
	if header.Algorithm != "" || !b.spooled {
		return header
	}
	if cs, ok := b.checksum(); ok {
		return object.Checksum{Algorithm: string(cs.alg), Value: cs.value, Type: typeFullObject}
	}
	return object.Checksum{}
}

// source returns the request's body as the handler must read it: decoded
// and verified by awsauth when it decoded one.
func (st *reqState) source(r *http.Request) io.Reader {
	if st.body != nil {
		return st.body
	}
	return r.Body
}

// bodySize is the length of the decoded body: awsauth's (the decoded
// length of an aws-chunked body), else Content-Length; -1 when unknown.
func (st *reqState) bodySize(r *http.Request) int64 {
	if st.body != nil {
		return st.body.Size()
	}
	if r.ContentLength == 0 && r.Header.Get("Content-Length") == "" {
		return -1
	}
	return r.ContentLength
}

// uploadBody prepares the body of PutObject or UploadPart. A body of
// unknown length is first spooled to a temporary file (never to memory):
// the engine must know an object's size before it stores it.
func (h *Handler) uploadBody(r *http.Request, st *reqState, limit int64) (*uploadBody, error) {
	v := &verifier{r: st.source(r)}
	if st.body != nil {
		v.src = st.body
	}
	size := st.bodySize(r)
	if size > limit {
		return nil, s3wire.ErrEntityTooLarge
	}
	// A trailing checksum is known only after the last byte, too late for
	// the engine, which takes an object's checksum with its body: such a
	// body is spooled first (and verified), so that its checksum is stored
	// with it like a header's.
	trailer := r.Header.Get("X-Amz-Trailer") != ""
	if size >= 0 && !trailer {
		v.remaining = size
		return &uploadBody{r: v, size: size, close: func() {}, v: v}, nil
	}
	f, err := os.CreateTemp(h.spoolDir, "koss-s3-spool-*")
	if err != nil {
		return nil, err
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	if size >= 0 {
		v.remaining = size
	} else {
		v.remaining, v.unknown = limit+1, true
	}
	n, err := io.Copy(f, v)
	if err != nil {
		cleanup()
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, err // the spool file failed: a server error
		}
		return nil, bodyErr(err)
	}
	if n > limit {
		cleanup()
		return nil, s3wire.ErrEntityTooLarge
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, err
	}
	// Verified as it was spooled; the engine reads the file as is.
	done := &verifier{src: v.src}
	return &uploadBody{r: f, size: n, close: cleanup, v: done, spooled: true}, nil
}

// bodyErr keeps the S3 errors a body read met (a checksum mismatch) and
// marks the others as the request's fault.
func bodyErr(err error) error {
	var ae *s3wire.Error
	if errors.As(err, &ae) || errors.Is(err, errChecksumMismatch) {
		return err
	}
	return fmt.Errorf("%w: %w", object.ErrBodyRead, err)
}

// verifier reads a body of a known size (or, unknown, to its end) and
// makes sure it is checked when it ends: it reads past the last byte so
// that awsauth verifies the payload digest, the x-amz-checksum-* header
// or trailer and Content-MD5, which it does on reaching EOF. When the read that completes
// the body finds a mismatch, it withholds those last bytes and returns
// only the error: no reader (io.CopyN and io.ReadFull ignore an error
// that comes with the final byte) can take the body as complete.
type verifier struct {
	r   io.Reader
	src interface {
		Checksum() (checksum.Algorithm, string)
	}
	remaining int64
	unknown   bool // read to EOF instead of remaining bytes
	err       error
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if v.remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > v.remaining {
		p = p[:v.remaining]
	}
	n, err := v.r.Read(p)
	v.remaining -= int64(n)
	if v.unknown {
		if err != nil && !errors.Is(err, io.EOF) {
			v.err = err
			return 0, err
		}
		return n, err
	}
	if v.remaining > 0 {
		if err != nil && !errors.Is(err, io.EOF) {
			v.err = err
		} else if errors.Is(err, io.EOF) {
			v.err = io.ErrUnexpectedEOF
			return n, v.err
		}
		return n, err
	}
	// The body is complete. Its reader may have reported a failure with
	// the last bytes; otherwise read past the end so that it checks.
	if err != nil && !errors.Is(err, io.EOF) {
		v.err = err
	} else if err == nil {
		var b [1]byte
		m, perr := v.r.Read(b[:])
		switch {
		case m > 0:
			v.err = fmt.Errorf("%w: request body longer than its declared length", object.ErrIncompleteBody)
		case perr != nil && !errors.Is(perr, io.EOF):
			v.err = perr
		}
	}
	if v.err != nil {
		return 0, v.err
	}
	v.err = io.EOF
	return n, nil
}

// readXMLBody reads a small XML request body whole, refusing bodies over
// the cap. awsauth's Body checks Content-MD5 and any x-amz-checksum-*
// (SDKs send either on DeleteObjects) when the read reaches the end; the
// MD5 is checked here as well for a body that did not go through it.
func (h *Handler) readXMLBody(r *http.Request, st *reqState) ([]byte, error) {
	md5sum, ae := s3wire.ParseContentMD5(r.Header)
	if ae != nil {
		return nil, ae
	}
	tooLarge := s3wire.ErrMalformedXML.Msgf("The XML you provided was larger than the maximum of %d bytes.", h.maxXML)
	if st.bodySize(r) > h.maxXML {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(st.source(r), h.maxXML+1))
	if err != nil {
		return nil, bodyErr(err)
	}
	if int64(len(b)) > h.maxXML {
		return nil, tooLarge
	}
	if got := md5.Sum(b); md5sum != nil && !bytes.Equal(got[:], md5sum) {
		return nil, s3wire.ErrBadDigest
	}
	return b, nil
}
