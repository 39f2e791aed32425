package ossapi

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

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

// parseContentMD5 decodes the Content-MD5 header: nil when absent, 400
// InvalidDigest when it is not the base64 of 16 bytes.
func parseContentMD5(h http.Header) ([]byte, *osswire.Error) {
	v := h.Get("Content-Md5")
	if v == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil || len(b) != 16 {
		return nil, osswire.ErrInvalidDigest.Msgf("The Content-MD5 you specified is not valid.")
	}
	return b, nil
}

// rejectConditionalWrite refuses PutObject with conditional headers, as
// OSS does: clients rely on an error rather than an unconditional write.
func rejectConditionalWrite(h http.Header) *osswire.Error {
	for _, name := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if _, ok := h[name]; ok {
			return osswire.ErrNotImplementedHeader.With("Header", name)
		}
	}
	return nil
}

// parseMetadata reads the stored headers of an object from a request.
func parseMetadata(h http.Header) (object.Metadata, *osswire.Error) {
	md := object.Metadata{
		ContentType:        h.Get("Content-Type"),
		CacheControl:       h.Get("Cache-Control"),
		ContentDisposition: h.Get("Content-Disposition"),
		ContentEncoding:    h.Get("Content-Encoding"),
		ContentLanguage:    h.Get("Content-Language"),
		Expires:            h.Get("Expires"),
	}
	if md.ContentType == "" {
		md.ContentType = "application/octet-stream"
	}
	if v := h.Get("X-Oss-Object-Acl"); v != "" {
		if !validObjectACL(v) {
			return md, osswire.ErrInvalidArgument.Msgf("no such object access control exists").
				With("ArgumentName", "x-oss-object-acl").With("ArgumentValue", v)
		}
		md.ACL = v
	}
	if v := h.Get("X-Oss-Storage-Class"); v != "" {
		sc, ok := validStorageClasses[strings.ToLower(v)]
		if !ok {
			return md, osswire.ErrInvalidArgument.Msgf("The storage class you specified is not valid.").
				With("ArgumentName", "x-oss-storage-class").With("ArgumentValue", v)
		}
		md.StorageClass = sc
	}
	size := 0
	for name, values := range h {
		suffix, ok := strings.CutPrefix(name, osswire.MetaPrefix)
		if !ok || suffix == "" {
			continue
		}
		if md.User == nil {
			md.User = map[string]string{}
		}
		v := strings.Join(values, ",")
		md.User[strings.ToLower(suffix)] = v
		size += len(suffix) + len(v)
	}
	if size > object.MaxUserMetadataSize {
		return md, osswire.ErrMetadataTooLarge
	}
	return md, nil
}

// parsePutOptions reads everything but the body of a PutObject or
// AppendObject.
func parsePutOptions(h http.Header) (object.PutOptions, *osswire.Error) {
	md, ae := parseMetadata(h)
	if ae != nil {
		return object.PutOptions{}, ae
	}
	sum, ae := parseContentMD5(h)
	if ae != nil {
		return object.PutOptions{}, ae
	}
	return object.PutOptions{
		Metadata:        md,
		ContentMD5:      sum,
		ForbidOverwrite: strings.EqualFold(h.Get("X-Oss-Forbid-Overwrite"), "true"),
	}, nil
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
