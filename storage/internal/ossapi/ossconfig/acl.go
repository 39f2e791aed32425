package ossconfig

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// PutBucketACL changes a bucket's canned ACL (PUT /<bucket>?acl with
// x-oss-acl and no body, as both OSS Go SDKs send it). OSS leaves it to
// the bucket owner; here that is root, as for PutBucket (the route's
// access). The header is required: without it the request says nothing
// to set, and answering 200 would make a client believe a change it never
// asked for. Anonymous reads and writes follow the new value from the next
// request on (package ossapi's authorization reads the bucket's ACL per
// request).
func (h *Handler) PutBucketACL(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	acl := r.Header.Get("X-Oss-Acl")
	if acl == "" || !osswire.ValidBucketACL(acl) {
		return osswire.ErrInvalidArgument.Msgf("no such bucket access control exists").
			With("ArgumentName", "x-oss-acl").With("ArgumentValue", acl)
	}
	if err := h.Layer.SetBucketACL(r.Context(), b, acl); err != nil {
		return osserr.Bucket(err, b)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// GetBucketACL answers a bucket's canned ACL.
func (h *Handler) GetBucketACL(w http.ResponseWriter, r *http.Request, req Request) error {
	b, err := h.getBucket(r, req)
	if err != nil {
		return err
	}
	return h.WriteXML(w, osswire.AccessControlPolicy{Owner: h.Owner, Grant: osswire.ACLOr(b.ACL)})
}

// GetObjectACL answers an object's ACL ("default" when it has none of
// its own).
func (h *Handler) GetObjectACL(w http.ResponseWriter, r *http.Request, req Request) error {
	b, k := req.Bucket, req.Key
	info, err := h.Layer.HeadObject(r.Context(), b, k)
	if err != nil {
		return osserr.Object(err, b, k)
	}
	grant := info.Metadata.ACL
	if grant == "" {
		grant = osswire.ACLDefault
	}
	return h.WriteXML(w, osswire.AccessControlPolicy{Owner: h.Owner, Grant: grant})
}

// PutObjectACL changes an object's ACL: a metadata-only copy of the object
// onto itself, conditional on the version read so that a concurrent write
// is never undone.
func (h *Handler) PutObjectACL(w http.ResponseWriter, r *http.Request, req Request) error {
	b, k := req.Bucket, req.Key
	acl, ae := osswire.ParseObjectACL(r.Header)
	if ae != nil {
		return ae
	}
	info, err := h.Layer.HeadObject(r.Context(), b, k)
	if err != nil {
		return osserr.Object(err, b, k)
	}
	md := info.Metadata
	md.ACL = acl
	if acl == osswire.ACLDefault {
		md.ACL = ""
	}
	ref := object.ObjectRef{Bucket: b, Key: k}
	_, err = h.Layer.CopyObject(r.Context(), ref, ref, object.CopyOptions{
		ReplaceMetadata: true, Metadata: md, Condition: object.Condition{IfMatch: info.ETag},
	})
	if err != nil {
		return osserr.Object(err, b, k)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}
