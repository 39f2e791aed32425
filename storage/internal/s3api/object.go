package s3api

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3sum"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// responseOverrides maps the GetObject query parameters that override
// response headers to those headers.
var responseOverrides = []struct{ param, header string }{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

// setObjectHeaders writes the headers that describe an object on GET and
// HEAD responses. User metadata is the one the OSS dialect shows as
// x-oss-meta-*.
func setObjectHeaders(hdr http.Header, info object.ObjectInfo) {
	md := info.Metadata
	ct := md.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	hdr.Set("Content-Type", ct)
	hdr.Set("ETag", s3wire.ETag(info.ETag))
	hdr.Set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
	hdr.Set("Accept-Ranges", "bytes")
	for _, kv := range []struct{ k, v string }{
		{"Cache-Control", md.CacheControl}, {"Content-Disposition", md.ContentDisposition},
		{"Content-Encoding", md.ContentEncoding}, {"Content-Language", md.ContentLanguage}, {"Expires", md.Expires},
	} {
		if kv.v != "" {
			hdr.Set(kv.k, kv.v)
		}
	}
	for k, v := range md.User {
		hdr[http.CanonicalHeaderKey(s3wire.MetaPrefix+k)] = []string{v}
	}
	if len(info.Tags) > 0 {
		hdr.Set(s3wire.HeaderTaggingCount, strconv.Itoa(len(info.Tags)))
	}
}

// readSelection is what a GET or HEAD returns of an object: a Range, or
// a part of a multipart object (partNumber).
type readSelection struct {
	rangeHeader string
	partNumber  int
	cond        s3wire.Conditions
	// rng is the selected range, set by pick; nil for the whole object.
	rng *object.Range
	// parts is the object's part count when partNumber was asked.
	parts int
}

func newReadSelection(r *http.Request) (*readSelection, *s3wire.Error) {
	n, ae := s3wire.ParsePartNumber(r.URL.Query(), false)
	if ae != nil {
		return nil, ae
	}
	sel := &readSelection{rangeHeader: r.Header.Get("Range"), partNumber: n, cond: s3wire.RequestConditions(r.Header)}
	if n > 0 && sel.rangeHeader != "" {
		return nil, s3wire.ErrInvalidRequest.Msgf("Cannot specify both Range header and partNumber query parameter.")
	}
	return sel, nil
}

// pick judges the conditions and resolves the selection against the
// version the read found.
func (s *readSelection) pick(info object.ObjectInfo) (*object.Range, error) {
	if ae := s.cond.Check(info, false); ae != nil {
		return nil, ae
	}
	s.rng = nil
	switch {
	case s.partNumber > 0:
		rng, parts, ae := s3sum.PartRange(info, s.partNumber)
		if ae != nil {
			return nil, ae
		}
		s.rng, s.parts = rng, parts
	case s.rangeHeader != "":
		rng, ae := s3wire.ParseRange(s.rangeHeader, info.Size)
		if ae != nil {
			return nil, ae.With("RangeRequested", s.rangeHeader).With("ActualObjectSize", strconv.FormatInt(info.Size, 10))
		}
		s.rng = rng
	}
	return s.rng, nil
}

// setRangeHeaders writes the headers of a partial answer and returns its
// status and length.
func (s *readSelection) setRangeHeaders(hdr http.Header, info object.ObjectInfo) (int, int64) {
	if s.parts > 0 {
		hdr.Set(s3wire.HeaderMpPartsCount, strconv.Itoa(s.parts))
	}
	if s.rng == nil || (s.partNumber > 0 && s.rng.Start == 0 && s.rng.Length == info.Size && s.parts <= 1) {
		return http.StatusOK, info.Size
	}
	hdr.Set("Content-Range", "bytes "+strconv.FormatInt(s.rng.Start, 10)+"-"+
		strconv.FormatInt(s.rng.Start+s.rng.Length-1, 10)+"/"+strconv.FormatInt(info.Size, 10))
	return http.StatusPartialContent, s.rng.Length
}

func (h *Handler) getObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	if ae := s3wire.ParseVersionID(r.URL.Query()); ae != nil {
		return ae
	}
	sel, ae := newReadSelection(r)
	if ae != nil {
		return ae
	}
	info, body, err := h.layer.GetObject(r.Context(), b, k, sel.pick)
	if err != nil {
		return s3err.Object(err, b, k)
	}
	defer func() { _ = body.Close() }()
	hdr := w.Header()
	setObjectHeaders(hdr, info)
	h.setChecksumHeaders(hdr, r, info, sel)
	q := r.URL.Query()
	for _, o := range responseOverrides {
		if v := q.Get(o.param); v != "" {
			hdr.Set(o.header, v)
		}
	}
	status, length := sel.setRangeHeaders(hdr, info)
	hdr.Set("Content-Length", strconv.FormatInt(length, 10))
	w.WriteHeader(status)
	n, err := io.Copy(w, body)
	if err != nil || n != length {
		// The status line is gone: abort the connection so that the client
		// sees a truncated body instead of a short one that looks whole.
		h.log.Warn("Object body failed mid-stream", "requestId", st.rec.ID, "bucket", b, "key", k,
			"sent", n, "want", length, "error", errString(err))
		panic(http.ErrAbortHandler)
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (h *Handler) headObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	if ae := s3wire.ParseVersionID(r.URL.Query()); ae != nil {
		return ae
	}
	sel, ae := newReadSelection(r)
	if ae != nil {
		return ae
	}
	info, err := h.layer.HeadObject(r.Context(), b, k)
	if err != nil {
		return s3err.Object(err, b, k)
	}
	if _, err := sel.pick(info); err != nil {
		return err
	}
	hdr := w.Header()
	setObjectHeaders(hdr, info)
	h.setChecksumHeaders(hdr, r, info, sel)
	status, length := sel.setRangeHeaders(hdr, info)
	hdr.Set("Content-Length", strconv.FormatInt(length, 10))
	w.WriteHeader(status)
	return nil
}

// putOptions reads what a PutObject or CreateMultipartUpload stores besides
// the body.
func putOptions(r *http.Request) (object.PutOptions, *s3wire.Error) {
	md, ae := s3wire.ParseMetadata(r.Header)
	if ae != nil {
		return object.PutOptions{}, ae
	}
	sum, ae := s3wire.ParseContentMD5(r.Header)
	if ae != nil {
		return object.PutOptions{}, ae
	}
	if ae := rejectUnsupportedHeaders(r.Header); ae != nil {
		return object.PutOptions{}, ae
	}
	tags, ae := s3wire.ParseTaggingHeader(r.Header)
	if ae != nil {
		return object.PutOptions{}, ae
	}
	return object.PutOptions{Metadata: md, ContentMD5: sum, Tags: tags}, nil
}

// rejectUnsupportedHeaders refuses write features kossd does not have
// rather than store an object without them: server-side encryption with
// the client's or KMS keys, object lock, website redirects.
func rejectUnsupportedHeaders(h http.Header) *s3wire.Error {
	for name := range h {
		switch {
		case name == "X-Amz-Server-Side-Encryption" && h.Get(name) == "AES256":
			// Data at rest is the disks'; AES256 asks nothing kossd must do.
		case strings.HasPrefix(name, "X-Amz-Server-Side-Encryption"),
			strings.HasPrefix(name, "X-Amz-Object-Lock-"),
			name == "X-Amz-Website-Redirect-Location":
			return s3wire.ErrNotImplemented.Msgf("The %s header is not supported.", name).With("Header", name)
		}
	}
	return nil
}

func (h *Handler) putObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	opts, ae := putOptions(r)
	if ae != nil {
		return ae
	}
	wc, ae := s3wire.ParseWriteConditions(r.Header)
	if ae != nil {
		return ae
	}
	applyWriteConditions(&opts, wc)
	sum, ae := s3sum.FromHeader(r.Header)
	if ae != nil {
		return ae
	}
	body, err := h.uploadBody(r, st, object.MaxObjectSize)
	if err != nil {
		return err
	}
	defer body.Close()
	setPutChecksum(&opts, body.Storable(sum))
	info, err := h.layer.PutObject(r.Context(), b, k, body.R, body.Size, opts)
	if err != nil {
		return s3err.Object(err, b, k)
	}
	hdr := w.Header()
	hdr.Set("ETag", s3wire.ETag(info.ETag))
	if cs, ok := body.Checksum(); ok {
		hdr.Set(cs.Alg.Header(), cs.Value)
		hdr.Set(s3wire.HeaderChecksumType, s3sum.TypeFullObject)
	}
	return writeEmpty(w, http.StatusOK)
}

func (h *Handler) deleteObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	if ae := s3wire.ParseVersionID(r.URL.Query()); ae != nil {
		return ae
	}
	if err := h.layer.DeleteObject(r.Context(), b, k); err != nil {
		return s3err.Object(err, b, k)
	}
	return writeEmpty(w, http.StatusNoContent)
}

// deleteObjects deletes the listed keys in one atomic step of the engine.
// Content-MD5 is optional (SDKs now send an x-amz-checksum-* instead; both
// are verified when present). Keys that cannot be deleted (invalid, or a
// version kossd does not keep) are reported one by one; the others are
// deleted.
func (h *Handler) deleteObjects(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b := st.target.bucket
	body, err := h.readXMLBody(r, st)
	if err != nil {
		return err
	}
	keys, quiet, ae := s3wire.ParseDeleteRequest(body)
	if ae != nil {
		return ae
	}
	var out s3wire.DeleteResult
	valid := make([]string, 0, len(keys))
	for _, k := range keys {
		if k.Err != nil {
			out.Errors = append(out.Errors, s3wire.DeleteError{Key: k.Key, Code: k.Err.Code, Message: k.Err.Message})
			continue
		}
		valid = append(valid, k.Key)
	}
	if len(valid) > 0 {
		deleted, err := h.layer.DeleteObjects(r.Context(), b, valid)
		if err != nil {
			return s3err.Bucket(err, b)
		}
		for _, d := range deleted {
			if d.Err != nil {
				ae := s3err.From(d.Err)
				out.Errors = append(out.Errors, s3wire.DeleteError{Key: d.Key, Code: ae.Code, Message: ae.Message})
				continue
			}
			if !quiet {
				out.Deleted = append(out.Deleted, s3wire.DeletedRecord{Key: d.Key})
			}
		}
	} else if _, err := h.layer.GetBucket(r.Context(), b); err != nil {
		return s3err.Bucket(err, b)
	}
	return writeXML(w, out)
}
