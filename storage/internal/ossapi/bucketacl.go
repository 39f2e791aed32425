package ossapi

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// putBucketACL changes a bucket's canned ACL (PUT /<bucket>?acl with
// x-oss-acl and no body, as both OSS Go SDKs send it). OSS leaves it to
// the bucket owner; here that is root, as for PutBucket (the route's
// access). The header is required: without it the request says nothing
// to set, and answering 200 would make a client believe a change it never
// asked for. Anonymous reads and writes follow the new value from the next
// request on (authz.go reads the bucket's ACL per request).
func (h *Handler) putBucketACL(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b := st.target.bucket
	acl := r.Header.Get("X-Oss-Acl")
	if acl == "" || !osswire.ValidBucketACL(acl) {
		return osswire.ErrInvalidArgument.Msgf("no such bucket access control exists").
			With("ArgumentName", "x-oss-acl").With("ArgumentValue", acl)
	}
	if err := h.layer.SetBucketACL(r.Context(), b, acl); err != nil {
		return osserr.Bucket(err, b)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}
