package s3api

import (
	"context"
	"errors"
	"net/http"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// authenticate verifies the request's signature (awsauth) and records who
// sent it and its decoded body. Unsigned requests are anonymous: whether
// they may proceed is for authorize to decide from ACLs.
func (h *Handler) authenticate(r *http.Request, st *reqState) error {
	res, err := h.authn.Authenticate(r.Context(), r)
	if err != nil {
		return err
	}
	st.body = res.Body
	if !res.Anonymous {
		st.principal = res.Principal
		st.rec.AccessKeyID = res.Principal.AccessKeyID
	}
	return nil
}

// grantAllows reports whether the principal may do need on bucket by its
// own rights (root, or a grant), ACLs aside.
func grantAllows(st *reqState, bucket string, need access) bool {
	switch need {
	case accessRead:
		return st.principal.MayRead(bucket)
	case accessWrite:
		return st.principal.MayWrite(bucket)
	}
	return st.principal.Root
}

// authorize decides whether the request may do need on bucket (and key),
// by the rules of the OSS dialect: the root key may do everything, other
// keys need a grant, anyone may do what the bucket's (or the object's)
// ACL makes public. A refused request for a bucket that does not exist is
// NoSuchBucket, so that HeadBucket tells "absent" from "not yours".
func (h *Handler) authorize(ctx context.Context, st *reqState, bucket, key string, need access) error {
	if st.principal.Root {
		return nil
	}
	if need == accessRoot {
		return s3wire.ErrAccessDenied
	}
	if grantAllows(st, bucket, need) {
		return nil
	}
	info, err := h.layer.GetBucket(ctx, bucket)
	if err != nil {
		return s3err.Bucket(err, bucket)
	}
	allowed, err := h.aclAllows(ctx, info, key, need)
	if err != nil {
		return err
	}
	if !allowed {
		return s3wire.ErrAccessDenied
	}
	return nil
}

// aclAllows applies public ACLs: an object's own ACL, when set, decides
// for it; otherwise the bucket's. A failure to read the object other than
// its absence is returned, never turned into a refusal: the client must
// see 503 and retry, not a permission verdict.
func (h *Handler) aclAllows(ctx context.Context, b object.BucketInfo, key string, need access) (bool, error) {
	acl := b.ACL
	if key != "" {
		info, err := h.layer.HeadObject(ctx, b.Name, key)
		switch {
		case errors.Is(err, object.ErrObjectNotFound):
		case err != nil:
			return false, s3err.Object(err, b.Name, key)
		default:
			if s3wire.OwnACL(info.Metadata.ACL) {
				acl = info.Metadata.ACL
			}
		}
	}
	switch acl {
	case s3wire.ACLPublicReadWrite:
		return true, nil
	case s3wire.ACLPublicRead:
		return need == accessRead, nil
	}
	return false, nil
}
