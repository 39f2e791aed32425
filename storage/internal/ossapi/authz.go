package ossapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// authenticate verifies the request's signature and records who sent it.
// An unsigned request is anonymous (a zero principal), not an error:
// whether it may proceed depends on ACLs, decided by authorize.
func (h *Handler) authenticate(r *http.Request, st *reqState) error {
	res, err := h.verifier.Authenticate(r.Context(), r, st.target.bucket, st.target.key)
	if err != nil {
		if isAnonymous(err) {
			return nil
		}
		return err
	}
	st.principal = res.Principal
	st.rec.AccessKeyID = res.Principal.AccessKeyID
	if res.PayloadSHA256 != "" {
		st.payloadWrap = res.PayloadReader
	}
	return nil
}

// grantAllows reports whether the request's principal may do need on
// bucket by its own rights (root, or a grant), ACLs aside.
func grantAllows(st *reqState, bucket string, need access) bool {
	switch need {
	case accessRead:
		return st.principal.MayRead(bucket)
	case accessWrite:
		return st.principal.MayWrite(bucket)
	}
	return st.principal.Root
}

// authorize decides whether the request may perform an operation needing
// need on bucket (and key, for object operations). The root key may do
// everything; other keys need a grant; anyone, signed or not, may do what
// the bucket's (or object's) ACL makes public. A refusal of a request for a
// bucket that does not exist is NoSuchBucket, as on OSS, so that SDK helpers
// such as the v2 IsBucketExist tell the two apart.
func (h *Handler) authorize(ctx context.Context, st *reqState, bucket, key string, need access) error {
	if st.principal.Root {
		return nil
	}
	denied := osswire.ErrAccessDenied
	if st.anonymous() {
		denied = osswire.ErrAnonymousDenied
	}
	if need == accessRoot {
		return denied
	}
	if grantAllows(st, bucket, need) {
		return nil
	}
	info, err := h.layer.GetBucket(ctx, bucket)
	if err != nil {
		return osserr.Bucket(err, bucket)
	}
	allowed, err := h.aclAllows(ctx, info, key, need)
	if err != nil {
		return err
	}
	if allowed {
		return nil
	}
	return denied
}

// aclAllows applies public ACLs. An object's own ACL, when set to anything
// but "default", decides for that object; otherwise the bucket's does. A
// missing object has no ACL of its own; any other failure to read it (the
// Region unavailable, a timeout) is returned, never turned into a refusal:
// a client must see 503 and retry, not a permission verdict.
func (h *Handler) aclAllows(ctx context.Context, b object.BucketInfo, key string, need access) (bool, error) {
	acl := b.ACL
	if key != "" {
		info, err := h.layer.HeadObject(ctx, b.Name, key)
		switch {
		case errors.Is(err, object.ErrObjectNotFound):
		case errors.Is(err, object.ErrBucketNotFound):
			return false, osserr.Bucket(err, b.Name)
		case err != nil:
			return false, err
		default:
			switch info.Metadata.ACL {
			case osswire.ACLPrivate, osswire.ACLPublicRead, osswire.ACLPublicReadWrite:
				acl = info.Metadata.ACL
			}
		}
	}
	switch acl {
	case osswire.ACLPublicReadWrite:
		return true, nil
	case osswire.ACLPublicRead:
		return need == accessRead, nil
	}
	return false, nil
}

// isAnonymous reports whether a Verify error only says that the request
// carries no credentials.
func isAnonymous(err error) bool { return errors.Is(err, auth.ErrAnonymous) }
