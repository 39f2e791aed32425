package ossapi

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// The multipart upload handlers. Documents and parameters are osswire's;
// the rules (part numbers, sizes, order, ETags) are the engine's.

// noSuchUploadEC is OSS's detailed code of NoSuchUpload per operation (the
// v2 SDK's tests compare them).
var noSuchUploadEC = map[string]string{
	"UploadPart": "0042-00000104", "UploadPartCopy": "0042-00000311",
	"AbortMultipartUpload": "0042-00000002", "ListParts": "0042-00000002",
}

// uploadErr adds the upload id to NoSuchUpload, as OSS does.
func uploadErr(err error, r *http.Request, bucket, key string) error {
	ae := osserr.From(err)
	if ae.Code == osswire.ErrNoSuchUpload.Code {
		op := route(r.Method, bucket, key, r.URL.Query(), r.Header).name
		ae = ae.With("UploadId", r.URL.Query().Get("uploadId"))
		if ec := noSuchUploadEC[op]; ec != "" {
			ae.EC = ec
		}
		return ae
	}
	return osserr.Object(err, bucket, key)
}

func (h *Handler) initiateMultipartUpload(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	encode, ae := osswire.ParseEncodingType(r.URL.Query())
	if ae != nil {
		return ae
	}
	opts, ae := osswire.ParsePutOptions(r.Header)
	if ae != nil {
		return ae
	}
	_, opts.Sequential = r.URL.Query()["sequential"]
	u, err := h.layer.CreateUpload(r.Context(), b, k, opts)
	if err != nil {
		return osserr.Object(err, b, k)
	}
	p := osswire.ListParams{Encode: encode}
	return writeXML(w, osswire.InitiateMultipartUploadResult{EncodingType: p.EncodingType(), Bucket: b, Key: p.Enc(k), UploadID: u.UploadID})
}

func (h *Handler) uploadPart(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	q := r.URL.Query()
	n, ae := osswire.ParsePartNumber(q)
	if ae != nil {
		return ae
	}
	sum, ae := osswire.ParseContentMD5(r.Header)
	if ae != nil {
		return ae
	}
	body, err := h.uploadBody(r, st)
	if err != nil {
		return err
	}
	defer body.Close()
	if body.Size > object.MaxPartSize {
		return osswire.ErrEntityTooLarge
	}
	p, err := h.layer.UploadPart(r.Context(), b, k, q.Get("uploadId"), n, body.R, body.Size, object.PartOptions{ContentMD5: sum})
	if err != nil {
		return uploadErr(err, r, b, k)
	}
	hdr := w.Header()
	hdr.Set("ETag", p.ETag)
	hdr.Set("Content-Md5", base64.StdEncoding.EncodeToString(p.MD5))
	hdr.Set(osswire.HeaderCRC64, strconv.FormatUint(p.CRC64, 10))
	hdr.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// uploadPartCopy stores a range of an existing object as a part. The
// bytes are read and written again (a part is a blob of its own), the
// range and the source conditions judged against the version read.
func (h *Handler) uploadPartCopy(w http.ResponseWriter, r *http.Request, st *reqState) error {
	ctx := r.Context()
	b, k := st.target.bucket, st.target.key
	q := r.URL.Query()
	n, ae := osswire.ParsePartNumber(q)
	if ae != nil {
		return ae
	}
	src, ae := osswire.ParseCopySource(r.Header.Get("X-Oss-Copy-Source"))
	if ae != nil {
		return ae
	}
	if err := h.authorize(ctx, st, b, k, accessWrite); err != nil {
		return err
	}
	if err := h.authorize(ctx, st, src.Bucket, src.Key, accessRead); err != nil {
		return err
	}
	cond := osswire.CopySourceConditions(r.Header)
	rangeHeader := r.Header.Get("X-Oss-Copy-Source-Range")
	var rng *object.Range
	info, body, err := h.layer.GetObject(ctx, src.Bucket, src.Key, func(info object.ObjectInfo) (*object.Range, error) {
		if ae := cond.Check(info, true); ae != nil {
			return nil, ae
		}
		rng = nil
		if rangeHeader == "" {
			return nil, nil
		}
		var ae *osswire.Error
		if rng, ae = osswire.ParseRange(rangeHeader, info.Size, true); ae != nil {
			return nil, ae
		}
		return rng, nil
	})
	if err != nil {
		return osserr.Object(err, src.Bucket, src.Key)
	}
	defer func() { _ = body.Close() }()
	size := info.Size
	if rng != nil {
		size = rng.Length
	}
	if size > object.MaxPartSize {
		return osswire.ErrEntityTooLarge
	}
	p, err := h.layer.UploadPart(ctx, b, k, q.Get("uploadId"), n, body, size, object.PartOptions{})
	if err != nil {
		return uploadErr(err, r, b, k)
	}
	// The part's ETag also as a header, as OSS sends it: ali-oss's
	// multipartUploadCopy reads it there, not from CopyPartResult.
	w.Header().Set("ETag", p.ETag)
	w.Header().Set(osswire.HeaderCRC64, strconv.FormatUint(p.CRC64, 10))
	return writeXML(w, osswire.CopyPartResult{LastModified: osswire.ISOTime(p.LastModified), ETag: p.ETag})
}

func (h *Handler) completeMultipartUpload(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	q := r.URL.Query()
	encode, ae := osswire.ParseEncodingType(q)
	if ae != nil {
		return ae
	}
	opts := object.CompleteOptions{All: osswire.CompleteAll(r.Header), ForbidOverwrite: osswire.ForbidOverwrite(r.Header)}
	if r.Header.Get("X-Oss-Object-Acl") != "" {
		if opts.ACL, ae = osswire.ParseObjectACL(r.Header); ae != nil {
			return ae
		}
	}
	body, err := h.readXMLBody(r, st)
	if err != nil {
		return err
	}
	var parts []object.CompletePart
	switch {
	case opts.All && len(body) > 0:
		return osswire.ErrCompleteAllWithBody
	case !opts.All && len(body) == 0:
		e := *osswire.ErrMalformedXML
		e.EC = "0042-00000205"
		return &e
	case !opts.All:
		if parts, ae = osswire.ParseCompleteRequest(body); ae != nil {
			return ae
		}
	}
	info, err := h.layer.CompleteUpload(r.Context(), b, k, q.Get("uploadId"), parts, opts)
	if err != nil {
		return uploadErr(err, r, b, k)
	}
	w.Header().Set(osswire.HeaderCRC64, strconv.FormatUint(info.CRC64, 10))
	w.Header().Set("ETag", info.ETag)
	if r.Header.Get("X-Oss-Callback") != "" {
		// kossd makes no callbacks: answer as OSS does when one fails,
		// with the object stored.
		return osswire.ErrCallbackFailed
	}
	p := osswire.ListParams{Encode: encode}
	return writeXML(w, osswire.CompleteMultipartUploadResult{
		EncodingType: p.EncodingType(), Location: "/" + b + "/" + p.Enc(k), Bucket: b, Key: p.Enc(k), ETag: info.ETag,
	})
}

func (h *Handler) abortMultipartUpload(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	if err := h.layer.AbortUpload(r.Context(), b, k, r.URL.Query().Get("uploadId")); err != nil {
		return uploadErr(err, r, b, k)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) listMultipartUploads(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	p, ae := osswire.ParseListParams(q)
	if ae != nil {
		return ae
	}
	maxUploads, ae := osswire.ParseMaxKeys(q, "max-uploads", object.MaxListUploads, object.MaxListUploads)
	if ae != nil {
		return ae
	}
	opts := object.ListUploadsOptions{Prefix: p.Prefix, Delimiter: p.Delimiter, KeyMarker: q.Get("key-marker"),
		UploadIDMarker: q.Get("upload-id-marker"), MaxUploads: maxUploads}
	res, err := h.layer.ListUploads(r.Context(), st.target.bucket, opts)
	if err != nil {
		return osserr.Bucket(err, st.target.bucket)
	}
	out := osswire.ListMultipartUploadsResult{
		Bucket: st.target.bucket, EncodingType: p.EncodingType(), KeyMarker: p.Enc(opts.KeyMarker), UploadIDMarker: opts.UploadIDMarker,
		NextKeyMarker: p.Enc(res.NextKeyMarker), NextUploadIDMarker: res.NextUploadIDMarker,
		Delimiter: p.Enc(p.Delimiter), Prefix: p.Enc(p.Prefix), MaxUploads: maxUploads, IsTruncated: res.IsTruncated,
	}
	for _, u := range res.Uploads {
		out.Uploads = append(out.Uploads, osswire.UploadEntry{Key: p.Enc(u.Key), UploadID: u.UploadID,
			StorageClass: osswire.StorageClassOr(u.Metadata.StorageClass), Initiated: osswire.ISOTime(u.Initiated)})
	}
	for _, cp := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, osswire.PrefixRecord{Prefix: p.Enc(cp)})
	}
	return writeXML(w, out)
}

func (h *Handler) listParts(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	q := r.URL.Query()
	encode, ae := osswire.ParseEncodingType(q)
	if ae != nil {
		return ae
	}
	maxParts, ae := osswire.ParseMaxKeys(q, "max-parts", object.MaxListUploads, object.MaxListUploads)
	if ae != nil {
		return ae
	}
	marker, ae := osswire.ParsePartNumberMarker(q)
	if ae != nil {
		return ae
	}
	id := q.Get("uploadId")
	res, err := h.layer.ListParts(r.Context(), b, k, id, marker, maxParts)
	if err != nil {
		return uploadErr(err, r, b, k)
	}
	p := osswire.ListParams{Encode: encode}
	out := osswire.ListPartsResult{EncodingType: p.EncodingType(), Bucket: b, Key: p.Enc(k), UploadID: id,
		StorageClass: osswire.StorageClassOr(""), PartNumberMarker: marker, NextPartNumberMarker: res.NextMarker,
		MaxParts: maxParts, IsTruncated: res.IsTruncated}
	for _, pt := range res.Parts {
		out.Parts = append(out.Parts, osswire.PartEntry{PartNumber: pt.Number, LastModified: osswire.ISOTime(pt.LastModified),
			ETag: pt.ETag, HashCrc64ecma: pt.CRC64, Size: pt.Size})
	}
	return writeXML(w, out)
}
