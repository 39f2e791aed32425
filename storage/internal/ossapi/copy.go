package ossapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// parseCopySource decodes x-oss-copy-source: "/<bucket>/<escaped key>",
// optionally followed by "?versionId=<id>". The v1 SDK escapes the key with
// url.QueryEscape (space as "+", "/" as "%2F"), the v2 SDK per RFC 3986
// ("+" as "%2B", "/" kept); decoding with form semantics handles both.
func parseCopySource(v string) (object.ObjectRef, *osswire.Error) {
	bad := osswire.ErrInvalidArgument.Msgf("Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.").
		With("ArgumentName", "x-oss-copy-source").With("ArgumentValue", v)
	if i := strings.IndexByte(v, '?'); i >= 0 {
		// Only a version id may follow; kossd keeps no versions, so "null"
		// (or any id) names the current object.
		if _, err := url.ParseQuery(v[i+1:]); err != nil {
			return object.ObjectRef{}, bad
		}
		v = v[:i]
	}
	rest, ok := strings.CutPrefix(v, "/")
	if !ok {
		return object.ObjectRef{}, bad
	}
	bucket, escKey, ok := strings.Cut(rest, "/")
	if !ok || escKey == "" {
		return object.ObjectRef{}, bad
	}
	key, err := url.QueryUnescape(escKey)
	if err != nil {
		return object.ObjectRef{}, bad
	}
	if !validBucketName(bucket) {
		return object.ObjectRef{}, osswire.ErrInvalidBucketName.With("BucketName", bucket)
	}
	if ae := checkObjectName(key); ae != nil {
		return object.ObjectRef{}, ae
	}
	return object.ObjectRef{Bucket: bucket, Key: key}, nil
}

func (h *Handler) copyObject(w http.ResponseWriter, r *http.Request, st *reqState) error {
	ctx := r.Context()
	dst := object.ObjectRef{Bucket: st.target.bucket, Key: st.target.key}
	src, ae := parseCopySource(r.Header.Get("X-Oss-Copy-Source"))
	if ae != nil {
		return ae
	}
	replace := false
	switch d := r.Header.Get("X-Oss-Metadata-Directive"); strings.ToUpper(d) {
	case "", "COPY":
	case "REPLACE":
		replace = true
	default:
		return osswire.ErrInvalidArgument.Msgf("The metadata directive you specified is not valid.").
			With("ArgumentName", "x-oss-metadata-directive").With("ArgumentValue", d)
	}
	opts := object.CopyOptions{
		ReplaceMetadata: replace,
		ForbidOverwrite: strings.EqualFold(r.Header.Get("X-Oss-Forbid-Overwrite"), "true"),
	}
	// x-oss-object-acl and x-oss-storage-class apply to the destination
	// even when the rest of the metadata is copied.
	md, ae := parseMetadata(r.Header)
	if ae != nil {
		return ae
	}
	if replace {
		opts.Metadata = md
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
			return objectErr(err, src.Bucket, src.Key)
		}
		if ae := cond.Check(head, true); ae != nil {
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
		return objectErr(err, dst.Bucket, src.Key)
	}
	w.Header().Set(osswire.HeaderCRC64, strconv.FormatUint(info.CRC64, 10))
	return writeXML(w, osswire.CopyObjectResult{ETag: info.ETag, LastModified: osswire.ISOTime(info.LastModified)})
}
