package s3api

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3sum"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// copyObject makes the destination a copy of the source, without copying
// data unless the copy needs a checksum the source does not have
// (copysum.go). It needs write on the destination's bucket and read on the
// source's.
func (h *Handler) copyObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	ctx := r.Context()
	dst := object.ObjectRef{Bucket: st.target.bucket, Key: st.target.key}
	src, ae := s3wire.ParseCopySource(r.Header.Get(s3wire.HeaderCopySource))
	if ae != nil {
		return ae
	}
	replace, ae := s3wire.ParseMetadataDirective(r.Header)
	if ae != nil {
		return ae
	}
	md, ae := s3wire.ParseMetadata(r.Header)
	if ae != nil {
		return ae
	}
	if ae := rejectUnsupportedHeaders(r.Header); ae != nil {
		return ae
	}
	replaceTags, ae := s3wire.ParseTaggingDirective(r.Header)
	if ae != nil {
		return ae
	}
	var tags map[string]string
	if replaceTags {
		if tags, ae = s3wire.ParseTaggingHeader(r.Header); ae != nil {
			return ae
		}
	}
	wc, ae := s3wire.ParseWriteConditions(r.Header)
	if ae != nil {
		return ae
	}
	if err := h.authorize(ctx, st, dst.Bucket, dst.Key, accessWrite); err != nil {
		return err
	}
	if err := h.authorize(ctx, st, src.Bucket, src.Key, accessRead); err != nil {
		return err
	}
	cond := s3wire.CopySourceConditions(r.Header)
	aclOverride := r.Header.Get(s3wire.HeaderACL) != ""
	// S3 refuses a copy onto itself that changes nothing.
	if src == dst && !replace && !aclOverride {
		return s3wire.ErrInvalidRequest.Msgf("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	// Tags follow their own directive: the source's unless REPLACE.
	opts := object.CopyOptions{ReplaceMetadata: replace, ForbidOverwrite: wc.IfNoneMatchAll, ReplaceTags: replaceTags, Tags: tags}
	if replace {
		opts.Metadata = md
	}
	// The source's record: conditions are checked here for a precise
	// answer (and passed to the engine, which checks them again atomically
	// with the copy), and it says whether the copy's checksum is the
	// source's (copysum.go).
	head, err := h.layer.HeadObject(ctx, src.Bucket, src.Key)
	if err != nil {
		return s3err.Object(err, src.Bucket, src.Key)
	}
	if ae := cond.Check(head, true); ae != nil {
		return ae
	}
	alg, ae := s3sum.CopyAlgorithm(r.Header, head)
	if ae != nil {
		return ae
	}
	if cond.Present() {
		opts.Condition = cond.ToObject()
	}
	if !replace && aclOverride {
		// The source's metadata as read with the new ACL; conditional on
		// that version, so nothing newer is mixed with stale metadata.
		opts.ReplaceMetadata = true
		opts.Metadata = head.Metadata
		opts.Metadata.ACL = md.ACL
		opts.Condition.IfMatch = head.ETag
	}
	if wc.IfMatch != "" {
		// If-Match on a copy names the destination's version; the engine's
		// condition is the source's, so check the destination here.
		head, err := h.layer.HeadObject(ctx, dst.Bucket, dst.Key)
		if err != nil {
			return s3err.Object(err, dst.Bucket, dst.Key)
		}
		if !s3wire.ETagMatches(wc.IfMatch, head.ETag) {
			return s3wire.ErrPreconditionFailed.With("Condition", "If-Match")
		}
	}
	var info object.ObjectInfo
	if s3sum.KeepsChecksum(head, alg) {
		info, err = h.layer.CopyObject(ctx, src, dst, opts)
	} else {
		info, err = s3sum.CopyWith(ctx, h.layer, src, dst, head, alg, opts, wc.IfMatch)
	}
	if err != nil {
		return s3err.Object(err, dst.Bucket, src.Key)
	}
	out := s3wire.CopyObjectResult{ETag: s3wire.ETag(info.ETag), LastModified: s3wire.ISOTime(info.LastModified)}
	if info.Checksum.Algorithm != "" {
		out.Set(info.Checksum.Algorithm, info.Checksum.Value)
		out.ChecksumType = s3sum.ReportedType(info.Checksum)
	}
	return writeXML(w, out)
}
