package ossapi

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
)

// errBodyTooShort reports a body that ended before its declared length.
var errBodyTooShort = errors.New("ossapi: request body ended early")

// objectBody is an upload body of known size.
type objectBody struct {
	r    io.Reader
	size int64
	// close releases what the body holds (a spool file).
	close func()
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
		return objectBody{}, &errEntityTooLarge
	case r.ContentLength >= 0:
		if r.ContentLength == 0 && r.Header.Get("Content-Length") == "" {
			return objectBody{}, &errMissingContentLength
		}
		return objectBody{r: body, size: r.ContentLength, close: func() {}}, nil
	}
	f, err := os.CreateTemp(h.spoolDir, "koss-spool-*")
	if err != nil {
		return objectBody{}, err
	}
	cleanup := func() {
		f.Close()
		os.Remove(f.Name())
	}
	n, err := io.Copy(f, io.LimitReader(body, object.MaxObjectSize+1))
	if err != nil {
		cleanup()
		return objectBody{}, err
	}
	if n > object.MaxObjectSize {
		cleanup()
		return objectBody{}, &errEntityTooLarge
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return objectBody{}, err
	}
	return objectBody{r: f, size: n, close: cleanup}, nil
}

// parseContentMD5 decodes the Content-MD5 header: nil when absent, 400
// InvalidDigest when it is not the base64 of 16 bytes.
func parseContentMD5(h http.Header) ([]byte, *apiError) {
	v := h.Get("Content-Md5")
	if v == "" {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil || len(b) != 16 {
		return nil, errInvalidDigest.msg("The Content-MD5 you specified is not valid.")
	}
	return b, nil
}

// rejectConditionalWrite refuses PutObject with conditional headers, as
// OSS does: clients rely on an error rather than an unconditional write.
func rejectConditionalWrite(h http.Header) *apiError {
	for _, name := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if _, ok := h[name]; ok {
			return errNotImplementedHeader.with("Header", name)
		}
	}
	return nil
}

// parseMetadata reads the stored headers of an object from a request.
func parseMetadata(h http.Header) (object.Metadata, *apiError) {
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
			return md, errInvalidArgument.msg("no such object access control exists").
				with("ArgumentName", "x-oss-object-acl").with("ArgumentValue", v)
		}
		md.ACL = v
	}
	if v := h.Get("X-Oss-Storage-Class"); v != "" {
		sc, ok := validStorageClasses[strings.ToLower(v)]
		if !ok {
			return md, errInvalidArgument.msg("The storage class you specified is not valid.").
				with("ArgumentName", "x-oss-storage-class").with("ArgumentValue", v)
		}
		md.StorageClass = sc
	}
	size := 0
	for name, values := range h {
		suffix, ok := strings.CutPrefix(name, metaPrefix)
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
		return md, &errMetadataTooLarge
	}
	return md, nil
}

// parsePutOptions reads everything but the body of a PutObject or
// AppendObject.
func parsePutOptions(h http.Header) (object.PutOptions, *apiError) {
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
