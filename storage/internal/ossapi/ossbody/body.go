package ossbody

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

// Body is an upload body of known size.
type Body struct {
	R    io.Reader
	Size int64
	// Close releases what the body holds (a spool file).
	Close func()
}

// Prepare prepares the body of a PutObject, AppendObject or UploadPart
// for the engine. body is r's body as authentication wrapped it; digested
// says that it checks a signed payload digest when it reaches EOF. The
// length comes from Content-Length; a chunked body is first spooled to a
// temporary file in spoolDir (never to memory), because the engine must
// know an object's size before it stores it. A PUT or POST with neither a
// length nor chunked encoding is 411 MissingContentLength.
func Prepare(r *http.Request, body io.Reader, digested bool, spoolDir string) (Body, error) {
	switch {
	case r.ContentLength > object.MaxObjectSize:
		return Body{}, osswire.ErrEntityTooLarge
	case r.ContentLength >= 0:
		if r.ContentLength == 0 && r.Header.Get("Content-Length") == "" {
			return Body{}, osswire.ErrMissingContentLength
		}
		if digested {
			body = &drainingReader{r: body, remaining: r.ContentLength}
		}
		return Body{R: body, Size: r.ContentLength, Close: func() {}}, nil
	}
	f, err := os.CreateTemp(spoolDir, "koss-spool-*")
	if err != nil {
		return Body{}, err
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
			return Body{}, err // the spool file failed: a server error
		}
		return Body{}, fmt.Errorf("%w: %w", object.ErrBodyRead, err)
	}
	if n > object.MaxObjectSize {
		cleanup()
		return Body{}, osswire.ErrEntityTooLarge
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return Body{}, err
	}
	return Body{R: f, Size: n, Close: cleanup}, nil
}

// ReadXML reads a small XML request body whole (body is r's body as
// authentication wrapped it), refusing bodies larger than limit and bodies
// that do not match their Content-MD5.
func ReadXML(r *http.Request, body io.Reader, limit int64) ([]byte, error) {
	sum, ae := osswire.ParseContentMD5(r.Header)
	if ae != nil {
		return nil, ae
	}
	if r.ContentLength > limit {
		return nil, osswire.ErrMalformedXML.Msgf("The XML you provided was larger than the maximum of %d bytes.", limit)
	}
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", object.ErrBodyRead, err)
	}
	if int64(len(b)) > limit {
		return nil, osswire.ErrMalformedXML.Msgf("The XML you provided was larger than the maximum of %d bytes.", limit)
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
			d.err = ErrTooLong
		case perr != nil && !errors.Is(perr, io.EOF):
			d.err = perr
		}
	}
	if d.err != nil {
		return 0, d.err
	}
	return n, nil
}

// ErrTooLong reports a body longer than its declared length (which
// net/http does not let happen; kept for readers that would).
var ErrTooLong = errors.New("ossapi: request body longer than its content length")
