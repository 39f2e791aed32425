package ossapi

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// objectBody is an upload body of known size.
type objectBody struct {
	r    io.Reader
	size int64
	// close releases what the body holds (a spool file).
	close func()
}

func newObjectBody(r io.Reader, size int64, close func()) objectBody {
	return objectBody{r: r, size: size, close: close}
}

// uploadBody prepares the body of a PutObject or AppendObject for the
// engine. The length comes from Content-Length; a chunked body is first
// spooled to a temporary file (never to memory), because the engine must
// know an object's size before it stores it. A PUT or POST with neither a
// length nor chunked encoding is 411 MissingContentLength.
func (h *Handler) uploadBody(r *http.Request, st *reqState) (objectBody, error) {
	body := st.payload(r.Body)
	switch {
	case r.ContentLength > object.MaxObjectSize:
		return objectBody{}, osswire.ErrEntityTooLarge
	case r.ContentLength >= 0:
		if r.ContentLength == 0 && r.Header.Get("Content-Length") == "" {
			return objectBody{}, osswire.ErrMissingContentLength
		}
		if st.payloadWrap != nil {
			body = &drainingReader{r: body, remaining: r.ContentLength}
		}
		return newObjectBody(body, r.ContentLength, func() {}), nil
	}
	f, err := os.CreateTemp(h.spoolDir, "koss-spool-*")
	if err != nil {
		return objectBody{}, err
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	n, err := io.Copy(f, io.LimitReader(body, object.MaxObjectSize+1))
	if err != nil {
		cleanup()
		var pe *os.PathError
		if errors.As(err, &pe) {
			return objectBody{}, err // the spool file failed: a server error
		}
		return objectBody{}, fmt.Errorf("%w: %w", object.ErrBodyRead, err)
	}
	if n > object.MaxObjectSize {
		cleanup()
		return objectBody{}, osswire.ErrEntityTooLarge
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return objectBody{}, err
	}
	return newObjectBody(f, n, cleanup), nil
}

// readXMLBody reads a small XML request body whole, refusing bodies larger
// than the handler's cap and bodies that do not match their Content-MD5.
func (h *Handler) readXMLBody(r *http.Request, st *reqState) ([]byte, error) {
	sum, ae := osswire.ParseContentMD5(r.Header)
	if ae != nil {
		return nil, ae
	}
	if r.ContentLength > h.maxXML {
		return nil, osswire.ErrMalformedXML.Msgf("The XML you provided was larger than the maximum of %d bytes.", h.maxXML)
	}
	b, err := io.ReadAll(io.LimitReader(st.payload(r.Body), h.maxXML+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", object.ErrBodyRead, err)
	}
	if int64(len(b)) > h.maxXML {
		return nil, osswire.ErrMalformedXML.Msgf("The XML you provided was larger than the maximum of %d bytes.", h.maxXML)
	}
	if got := md5.Sum(b); sum != nil && !bytes.Equal(got[:], sum) {
		return nil, osswire.ErrInvalidDigest
	}
	return b, nil
}

// drainingReader makes sure the end of a body is read even when the engine
// stops after the declared number of bytes: the payload digest of a V4
// signed body is checked only when the underlying reader reaches EOF. When
// the read that completes the body finds a mismatch, it withholds those last
// bytes and returns only the error, so that no reader — io.CopyN and
// io.ReadFull ignore an error that comes with the final byte — can take the
// body as complete.
type drainingReader struct {
	r         io.Reader
	remaining int64
	err       error
}

func (d *drainingReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > d.remaining {
		p = p[:d.remaining]
	}
	n, err := d.r.Read(p)
	d.remaining -= int64(n)
	if d.remaining > 0 {
		if err != nil && !errors.Is(err, io.EOF) {
			d.err = err
		}
		return n, err
	}
	// The body is complete. Its reader may have reported the digest
	// mismatch along with the last bytes; otherwise read past the end so the
	// digest is checked.
	if err != nil && !errors.Is(err, io.EOF) {
		d.err = err
	} else {
		var b [1]byte
		m, perr := d.r.Read(b[:])
		switch {
		case m > 0:
			d.err = errBodyTooLong
		case perr != nil && !errors.Is(perr, io.EOF):
			d.err = perr
		}
	}
	if d.err != nil {
		return 0, d.err
	}
	return n, nil
}

// errBodyTooLong reports a body longer than its declared length (which
// net/http does not let happen; kept for readers that would).
var errBodyTooLong = errors.New("ossapi: request body longer than its content length")
