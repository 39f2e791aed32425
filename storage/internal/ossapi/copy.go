package ossapi

import (
	"net/http"
	"strconv"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

func (h *Handler) copyObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	ctx := r.Context()
	dst := object.ObjectRef{Bucket: st.target.bucket, Key: st.target.key}
	src, ae := osswire.ParseCopySource(r.Header.Get("X-Oss-Copy-Source"))
	if ae != nil {
		return ae
	}
	replace, ae := osswire.ParseMetadataDirective(r.Header)
	if ae != nil {
		return ae
	}
	opts := object.CopyOptions{ReplaceMetadata: replace, ForbidOverwrite: osswire.ForbidOverwrite(r.Header)}
	// x-oss-object-acl and x-oss-storage-class apply to the destination
	// even when the rest of the metadata is copied.
	md, ae := osswire.ParseMetadata(r.Header)
	if ae != nil {
		return ae
	}
	if replace {
		opts.Metadata = md
	}
	// Tags follow their own directive: the source's unless Replace, then
	// the request's x-oss-tagging (none: no tags).
	if opts.ReplaceTags, ae = osswire.ParseTaggingDirective(r.Header); ae != nil {
		return ae
	}
	if opts.ReplaceTags {
		if opts.Tags, ae = osswire.ParseTaggingHeader(r.Header); ae != nil {
			return ae
		}
	}
	if err := h.authorize(ctx, st, dst.Bucket, dst.Key, accessWrite); err != nil {
		return err
	}
	if err := h.authorize(ctx, st, src.Bucket, src.Key, accessRead); err != nil {
		return err
	}
	cond := osswire.CopySourceConditions(r.Header)
	overrides := !replace && (md.ACL != "" || md.StorageClass != "")
	if cond.Present() || overrides {
		// Conditions are checked here for a precise answer, and passed to
		// the engine, which checks again atomically with the copy.
		head, err := h.layer.HeadObject(ctx, src.Bucket, src.Key)
		if err != nil {
			return osserr.Object(err, src.Bucket, src.Key)
		}
		// As on OSS, a source that is "not modified" (if-none-match,
		// if-modified-since) is 304, a failed match 412.
		if ae := cond.Check(head, false); ae != nil {
			return ae
		}
		opts.Condition = cond.ToObject()
		if overrides {
			// Copy the source's metadata as read, with the overrides; the
			// copy is conditional on that version so nothing newer is
			// mixed with stale metadata.
			opts.ReplaceMetadata = true
			opts.Metadata = head.Metadata
			if md.ACL != "" {
				opts.Metadata.ACL = md.ACL
			}
			if md.StorageClass != "" {
				opts.Metadata.StorageClass = md.StorageClass
			}
			opts.Condition.IfMatch = head.ETag
		}
	}
	info, err := h.layer.CopyObject(ctx, src, dst, opts)
	if err != nil {
		return osserr.Object(err, dst.Bucket, src.Key)
	}
	w.Header().Set(osswire.HeaderCRC64, strconv.FormatUint(info.CRC64, 10))
	return writeXML(w, osswire.CopyObjectResult{ETag: info.ETag, LastModified: osswire.ISOTime(info.LastModified)})
}
