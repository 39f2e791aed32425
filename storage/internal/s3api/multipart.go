package s3api

import (
	"encoding/hex"
	"errors"
	"net/http"
	"strings"

	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3sum"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// The multipart upload handlers. The rules (part numbers, sizes, order,
// ETags) are the engine's; this file adds S3's documents, checksums and
// conditional completes.

func (h *Handler) createMultipartUpload(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	opts, ae := putOptions(r)
	if ae != nil {
		return ae
	}
	var alg checksum.Algorithm
	ctype := ""
	if v := r.Header.Get(s3wire.HeaderChecksumAlgorithm); v != "" {
		var ok bool
		if alg, ok = checksum.Parse(v); !ok {
			return s3wire.ErrInvalidRequest.Msgf("Checksum algorithm %q is not supported.", v)
		}
		if ctype, ae = s3sum.UploadType(alg, r.Header.Get(s3wire.HeaderChecksumType)); ae != nil {
			return ae
		}
		setUploadChecksum(&opts, alg, ctype)
	}
	u, err := h.layer.CreateUpload(r.Context(), b, k, opts)
	if err != nil {
		return s3err.Object(err, b, k)
	}
	if alg != "" {
		w.Header().Set(s3wire.HeaderChecksumAlgorithm, string(alg))
		w.Header().Set(s3wire.HeaderChecksumType, ctype)
	}
	return writeXML(w, s3wire.InitiateMultipartUploadResult{Bucket: b, Key: k, UploadID: u.UploadID})
}

func (h *Handler) uploadPart(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	q := r.URL.Query()
	n, ae := s3wire.ParsePartNumber(q, true)
	if ae != nil {
		return ae
	}
	sum, ae := s3wire.ParseContentMD5(r.Header)
	if ae != nil {
		return ae
	}
	body, err := h.uploadBody(r, st, object.MaxPartSize)
	if err != nil {
		return err
	}
	defer body.Close()
	id := q.Get("uploadId")
	p, err := h.putPart(r, b, k, id, n, body, sum)
	if err != nil {
		return s3err.Upload(err, b, k, id)
	}
	hdr := w.Header()
	hdr.Set("ETag", s3wire.ETag(p.ETag))
	if cs, ok := body.Checksum(); ok {
		hdr.Set(cs.Alg.Header(), cs.Value)
	}
	return writeEmpty(w, http.StatusOK)
}

// uploadPartCopy stores a range of an existing object as a part (the
// bytes are read and written again: a part is a blob of its own).
func (h *Handler) uploadPartCopy(w http.ResponseWriter, r *http.Request, st *reqState) error {
	ctx := r.Context()
	b, k := st.target.bucket, st.target.key
	q := r.URL.Query()
	n, ae := s3wire.ParsePartNumber(q, true)
	if ae != nil {
		return ae
	}
	src, ae := s3wire.ParseCopySource(r.Header.Get(s3wire.HeaderCopySource))
	if ae != nil {
		return ae
	}
	if err := h.authorize(ctx, st, b, k, accessWrite); err != nil {
		return err
	}
	if err := h.authorize(ctx, st, src.Bucket, src.Key, accessRead); err != nil {
		return err
	}
	cond := s3wire.CopySourceConditions(r.Header)
	rangeHeader := r.Header.Get(s3wire.HeaderCopySourceRange)
	var rng *object.Range
	info, body, err := h.layer.GetObject(ctx, src.Bucket, src.Key, func(info object.ObjectInfo) (*object.Range, error) {
		if ae := cond.Check(info, true); ae != nil {
			return nil, ae
		}
		rng = nil
		if rangeHeader == "" {
			return nil, nil
		}
		var ae *s3wire.Error
		if rng, ae = parseCopyRange(rangeHeader, info.Size); ae != nil {
			return nil, ae
		}
		return rng, nil
	})
	if err != nil {
		return s3err.Object(err, src.Bucket, src.Key)
	}
	defer func() { _ = body.Close() }()
	size := info.Size
	if rng != nil {
		size = rng.Length
	}
	if size > object.MaxPartSize {
		return s3wire.ErrEntityTooLarge
	}
	id := q.Get("uploadId")
	p, err := h.layer.UploadPart(ctx, b, k, id, n, body, size, object.PartOptions{})
	if err != nil {
		return s3err.Upload(err, b, k, id)
	}
	return writeXML(w, s3wire.CopyPartResult{ETag: s3wire.ETag(p.ETag), LastModified: s3wire.ISOTime(p.LastModified)})
}

// parseCopyRange reads x-amz-copy-source-range, which, unlike Range, must
// be one explicit "bytes=first-last" inside the source.
func parseCopyRange(v string, size int64) (*object.Range, *s3wire.Error) {
	rng, ae := s3wire.ParseRange(v, size)
	bad := s3wire.ErrInvalidArgument.Msgf("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy").
		With("ArgumentName", "x-amz-copy-source-range").With("ArgumentValue", v)
	switch {
	case ae != nil:
		return nil, s3wire.ErrInvalidRange
	case rng == nil:
		return nil, bad
	}
	spec := v[len("bytes="):]
	if spec == "" || spec[0] == '-' || spec[len(spec)-1] == '-' {
		return nil, bad
	}
	if rng.Start+rng.Length < size {
		return rng, nil
	}
	// The end was clamped to the object: S3 refuses a range past it.
	var first, last int64
	if _, err := fmtSscanRange(spec, &first, &last); err != nil || last >= size {
		return nil, s3wire.ErrInvalidRange
	}
	return rng, nil
}

func (h *Handler) completeMultipartUpload(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	id := r.URL.Query().Get("uploadId")
	wc, ae := s3wire.ParseWriteConditions(r.Header)
	if ae != nil {
		return ae
	}
	body, err := h.readXMLBody(r, st)
	if err != nil {
		return err
	}
	listed, ae := s3wire.ParseCompleteRequest(body)
	if ae != nil {
		return ae
	}
	parts := make([]object.CompletePart, 0, len(listed))
	for _, p := range listed {
		parts = append(parts, object.CompletePart{Number: p.Number, ETag: s3sum.StoredETag(p.ETag)})
	}
	opts := object.CompleteOptions{ForbidOverwrite: wc.IfNoneMatchAll}
	if err := h.completeChecksum(r, b, k, id, listed, &opts, wc); err != nil {
		return err
	}
	info, err := h.layer.CompleteUpload(r.Context(), b, k, id, parts, opts)
	if errors.Is(err, object.ErrNoSuchUpload) {
		// A repeated Complete (a client retrying after a lost answer)
		// succeeds in S3: answer it when the object is the one these parts
		// made.
		if done, ok := h.completedBefore(r, b, k, parts); ok {
			info, err = done, nil
		}
	}
	if err != nil {
		return s3err.Upload(err, b, k, id)
	}
	out := s3wire.CompleteMultipartUploadResult{
		Location: "/" + b + "/" + k, Bucket: b, Key: k, ETag: s3wire.ETag(info.ETag),
	}
	if info.Checksum.Algorithm != "" {
		out.Set(info.Checksum.Algorithm, info.Checksum.Value)
		out.ChecksumType = info.Checksum.Type
	}
	return writeXML(w, out)
}

// completedBefore reports whether bucket/key is the object a Complete of
// parts made: a multipart object whose ETag is the one those part ETags
// give (record.MultipartETag), so a retried Complete can be answered.
func (h *Handler) completedBefore(r *http.Request, b, k string, parts []object.CompletePart) (object.ObjectInfo, bool) {
	recs := make([]record.Part, 0, len(parts))
	for _, p := range parts {
		sum, err := hex.DecodeString(strings.Trim(p.ETag, `"`))
		if err != nil || len(sum) != 16 {
			return object.ObjectInfo{}, false
		}
		recs = append(recs, record.Part{Number: p.Number, MD5: sum})
	}
	info, err := h.layer.HeadObject(r.Context(), b, k)
	if err != nil || info.Type != object.TypeMultipart || !strings.EqualFold(info.ETag, record.MultipartETag(recs)) {
		return object.ObjectInfo{}, false
	}
	return info, true
}

func (h *Handler) abortMultipartUpload(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	id := r.URL.Query().Get("uploadId")
	if err := h.layer.AbortUpload(r.Context(), b, k, id); err != nil {
		return s3err.Upload(err, b, k, id)
	}
	return writeEmpty(w, http.StatusNoContent)
}

func (h *Handler) listMultipartUploads(w http.ResponseWriter, r *http.Request, st *reqState) error {
	q := r.URL.Query()
	p, ae := s3wire.ParseListParams(q)
	if ae != nil {
		return ae
	}
	maxUploads, ae := s3wire.ParseMax(q, "max-uploads", s3wire.MaxKeys)
	if ae != nil {
		return ae
	}
	opts := object.ListUploadsOptions{Prefix: p.Prefix, Delimiter: p.Delimiter, KeyMarker: q.Get("key-marker"),
		UploadIDMarker: q.Get("upload-id-marker"), MaxUploads: max(maxUploads, 1)}
	res, err := h.layer.ListUploads(r.Context(), st.target.bucket, opts)
	if err != nil {
		return s3err.Bucket(err, st.target.bucket)
	}
	out := s3wire.ListMultipartUploadsResult{
		Bucket: st.target.bucket, EncodingType: p.EncodingType(), KeyMarker: p.Enc(opts.KeyMarker), UploadIDMarker: opts.UploadIDMarker,
		NextKeyMarker: p.Enc(res.NextKeyMarker), NextUploadIDMarker: res.NextUploadIDMarker,
		Delimiter: p.Enc(p.Delimiter), Prefix: p.Enc(p.Prefix), MaxUploads: maxUploads, IsTruncated: res.IsTruncated,
	}
	for _, u := range res.Uploads {
		out.Uploads = append(out.Uploads, s3wire.UploadRecord{Key: p.Enc(u.Key), UploadID: u.UploadID,
			Initiator: h.owner, Owner: h.owner, StorageClass: s3wire.StorageClass, Initiated: s3wire.ISOTime(u.Initiated),
			ChecksumAlgorithm: uploadChecksumAlgorithm(u)})
	}
	out.CommonPrefixes = s3wire.PrefixRecords(p, res.CommonPrefixes)
	return writeXML(w, out)
}

func (h *Handler) listParts(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	q := r.URL.Query()
	maxParts, ae := s3wire.ParseMax(q, "max-parts", s3wire.MaxKeys)
	if ae != nil {
		return ae
	}
	marker := 0
	if v := q.Get("part-number-marker"); v != "" {
		n, err := atoi(v)
		if err != nil || n < 0 {
			return s3wire.ErrInvalidArgument.Msgf("Invalid part-number-marker.").With("ArgumentName", "part-number-marker").With("ArgumentValue", v)
		}
		marker = n
	}
	id := q.Get("uploadId")
	res, err := h.layer.ListParts(r.Context(), b, k, id, marker, max(maxParts, 1))
	if err != nil {
		return s3err.Upload(err, b, k, id)
	}
	out := s3wire.ListPartsResult{Bucket: b, Key: k, UploadID: id, Initiator: h.owner, Owner: h.owner,
		StorageClass: s3wire.StorageClass, PartNumberMarker: marker, NextPartNumberMarker: res.NextMarker,
		MaxParts: maxParts, IsTruncated: res.IsTruncated}
	for _, pt := range res.Parts {
		rec := s3wire.PartRecord{PartNumber: pt.Number, LastModified: s3wire.ISOTime(pt.LastModified),
			ETag: s3wire.ETag(pt.ETag), Size: pt.Size}
		if alg, v := s3sum.Part(pt); alg != "" {
			rec.Set(string(alg), v)
			out.ChecksumAlgorithm = string(alg)
		}
		out.Parts = append(out.Parts, rec)
	}
	return writeXML(w, out)
}
