package ossapi

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

func (h *Handler) getObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	ctx := r.Context()
	b, k := st.target.bucket, st.target.key
	cond := osswire.RequestConditions(r.Header)
	rangeHeader := r.Header.Get("Range")
	standard := strings.EqualFold(r.Header.Get("X-Oss-Range-Behavior"), "standard")

	// The conditions and the range are judged against the version whose
	// bytes the read returns, in the one read the layer makes.
	var rng *object.Range
	// Through a symlink, whose target authorizeLinkTarget checks below.
	info, body, err := h.layer.GetObjectFollow(ctx, b, k, func(info object.ObjectInfo) (*object.Range, error) {
		if ae := cond.Check(info, false); ae != nil {
			return nil, ae
		}
		rng = nil
		if rangeHeader == "" {
			return nil, nil
		}
		var ae *osswire.Error
		if rng, ae = osswire.ParseRange(rangeHeader, info.Size, standard); ae != nil {
			return nil, ae.With("RangeRequested", rangeHeader).With("ActualObjectSize", strconv.FormatInt(info.Size, 10))
		}
		return rng, nil
	})
	if err != nil {
		return osserr.Object(err, b, k)
	}
	defer func() { _ = body.Close() }()
	if err := h.authorizeLinkTarget(ctx, st, b, info); err != nil {
		return err
	}
	hdr := w.Header()
	osswire.SetObjectHeaders(hdr, info)
	osswire.ApplyResponseOverrides(hdr, r.URL.Query())
	status := http.StatusOK
	length := info.Size
	if rng != nil {
		status = http.StatusPartialContent
		length = rng.Length
		hdr.Set("Content-Range", osswire.ContentRange(*rng, info.Size))
	}
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
	// A symlink answers with its target's headers (x-oss-object-type:
	// Symlink), as GET does.
	info, err := h.layer.StatObject(r.Context(), b, k)
	if err != nil {
		return osserr.Object(err, b, k)
	}
	if err := h.authorizeLinkTarget(r.Context(), st, b, info); err != nil {
		return err
	}
	if ae := osswire.RequestConditions(r.Header).Check(info, false); ae != nil {
		return ae
	}
	osswire.SetObjectHeaders(w.Header(), info)
	w.Header().Set("Content-Length", strconv.FormatInt(info.Size, 10))
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getObjectMeta(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	info, err := h.layer.StatObject(r.Context(), b, k)
	if err != nil {
		return osserr.Object(err, b, k)
	}
	if err := h.authorizeLinkTarget(r.Context(), st, b, info); err != nil {
		return err
	}
	hdr := w.Header()
	lm := info.LastModified.UTC().Format(http.TimeFormat)
	hdr.Set("ETag", info.ETag)
	hdr.Set("Last-Modified", lm)
	hdr.Set("X-Oss-Last-Access-Time", lm)
	hdr.Set(osswire.HeaderCRC64, strconv.FormatUint(info.CRC64, 10))
	hdr.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) putObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	if ae := osswire.RejectConditionalWrite(r.Header); ae != nil {
		return ae
	}
	opts, ae := osswire.ParsePutOptions(r.Header)
	if ae != nil {
		return ae
	}
	body, err := h.uploadBody(r, st)
	if err != nil {
		return err
	}
	defer body.Close()
	info, err := h.layer.PutObject(r.Context(), b, k, body.R, body.Size, opts)
	if err != nil {
		return osserr.Object(err, b, k)
	}
	hdr := w.Header()
	hdr.Set("ETag", info.ETag)
	if len(info.MD5) > 0 {
		hdr.Set("Content-Md5", base64.StdEncoding.EncodeToString(info.MD5))
	}
	hdr.Set(osswire.HeaderCRC64, strconv.FormatUint(info.CRC64, 10))
	hdr.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) appendObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	pos, ae := osswire.ParseAppendPosition(r.URL.Query())
	if ae != nil {
		return ae
	}
	opts, ae := osswire.ParsePutOptions(r.Header)
	if ae != nil {
		return ae
	}
	body, err := h.uploadBody(r, st)
	if err != nil {
		return err
	}
	defer body.Close()
	if pos > object.MaxObjectSize-body.Size {
		return osswire.ErrEntityTooLarge
	}
	info, err := h.layer.AppendObject(r.Context(), b, k, pos, body.R, body.Size, opts)
	if err != nil {
		return osserr.Object(err, b, k)
	}
	hdr := w.Header()
	hdr.Set("ETag", info.ETag)
	hdr.Set(osswire.HeaderNextAppendPosition, strconv.FormatInt(info.Size, 10))
	hdr.Set(osswire.HeaderCRC64, strconv.FormatUint(info.CRC64, 10))
	hdr.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) deleteObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	if err := h.layer.DeleteObject(r.Context(), b, k); err != nil {
		return osserr.Object(err, b, k)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) deleteMultipleObjects(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b := st.target.bucket
	q := r.URL.Query()
	encode, ae := osswire.ParseEncodingType(q)
	if ae != nil {
		return ae
	}
	sum, ae := osswire.ParseContentMD5(r.Header)
	if ae != nil {
		return ae
	}
	if sum == nil {
		return osswire.ErrMissingArgument.Msgf("Missing required header for this request: Content-MD5.").
			With("ArgumentName", "Content-MD5")
	}
	body, err := h.readXMLBody(r, st)
	if err != nil {
		return err
	}
	keys, quiet, err := osswire.ParseDeleteRequest(body)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if ae := osswire.CheckObjectName(k); ae != nil {
			return ae.With("Key", k)
		}
	}
	deleted, err := h.layer.DeleteObjects(r.Context(), b, keys)
	if err != nil {
		return osserr.Bucket(err, b)
	}
	out := osswire.DeleteResult{}
	p := osswire.ListParams{Encode: encode}
	out.EncodingType = p.EncodingType()
	var failed error
	for _, d := range deleted {
		if d.Err != nil {
			failed = errors.Join(failed, d.Err)
			continue
		}
		if !quiet {
			out.Deleted = append(out.Deleted, osswire.DeletedRecord{Key: p.Enc(d.Key)})
		}
	}
	if failed != nil {
		// The engine deletes all keys in one atomic step; a per-key failure
		// means the request failed as a whole.
		return osserr.Bucket(failed, b)
	}
	return writeXML(w, out)
}
