package ossapi

import (
	"context"
	"net/http"

	"github.com/koss-io/koss/storage/internal/object"

	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// putSymlink stores a symlink (PUT /<bucket>/<key>?symlink with
// x-oss-symlink-target, a key of the same bucket, which need not exist:
// OSS checks the target only when the link is read). x-oss-object-acl,
// x-oss-storage-class, x-oss-meta-*, x-oss-tagging and
// x-oss-forbid-overwrite apply to the link itself.
func (h *Handler) putSymlink(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	target, ae := osswire.ParseSymlinkTarget(r.Header)
	if ae != nil {
		return ae
	}
	opts, ae := osswire.ParsePutOptions(r.Header)
	if ae != nil {
		return ae
	}
	info, err := h.layer.PutSymlink(r.Context(), b, k, target, opts)
	if err != nil {
		return osserr.Object(err, b, k)
	}
	w.Header().Set("ETag", info.ETag)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// getSymlink answers a symlink's target in x-oss-symlink-target, with the
// link's own ETag, Last-Modified and user metadata and no body; an object
// that is no symlink is 400 NotSymlink.
func (h *Handler) getSymlink(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	info, err := h.layer.GetSymlink(r.Context(), b, k)
	if err != nil {
		return osserr.Object(err, b, k)
	}
	hdr := w.Header()
	osswire.SetObjectHeaders(hdr, info)
	hdr.Set(osswire.HeaderSymlinkTarget, osswire.EscapeSymlinkTarget(info.SymlinkTarget))
	hdr.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// authorizeLinkTarget checks, for a read that followed a symlink (info is
// the target's, Type Symlink), that the caller may read the target too:
// the route authorized the link alone, and OSS checks both ACLs. Without
// it a key that may only write could point a public-read link at a
// private object and read it anonymously.
func (h *Handler) authorizeLinkTarget(ctx context.Context, st *reqState, bucket string, info object.ObjectInfo) error {
	if info.Type != object.TypeSymlink || info.SymlinkTarget == "" {
		return nil
	}
	return h.authorize(ctx, st, bucket, info.SymlinkTarget, accessRead)
}
