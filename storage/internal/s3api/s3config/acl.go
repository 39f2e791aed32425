package s3config

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// GetBucketACL answers a bucket's ACL as S3 grants (policy).
func (h *Handler) GetBucketACL(w http.ResponseWriter, r *http.Request, req Request) error {
	b, err := h.getBucket(r, req)
	if err != nil {
		return err
	}
	return h.WriteXML(w, h.policy(b.ACL))
}

// PutBucketACL sets a bucket's canned ACL from x-amz-acl: private,
// public-read or public-read-write, the three a bucket can have here (as
// in the OSS dialect). Any other canned ACL S3 knows (authenticated-read,
// the bucket-owner-* ones meant for objects...) is 501: kossd cannot grant
// what it names, and a success that changes nothing would mislead. A grant
// body or x-amz-grant-* header is 501 too (requestedACL); an unknown value
// is 400 InvalidArgument. Anonymous requests follow the new value from the
// next request on.
func (h *Handler) PutBucketACL(w http.ResponseWriter, r *http.Request, req Request) error {
	if _, err := h.getBucket(r, req); err != nil {
		return err
	}
	if v := r.Header.Get(s3wire.HeaderACL); v != "" && !bucketCannedACLs[v] {
		if _, ae := s3wire.ParseCannedACL(v); ae != nil {
			return ae
		}
		return s3wire.ErrNotImplemented.Msgf("The canned ACL %s is not supported on a bucket; use private, public-read or public-read-write.", v).
			With("Header", s3wire.HeaderACL)
	}
	acl, ae := requestedACL(r, req)
	if ae != nil {
		return ae
	}
	if err := h.Layer.SetBucketACL(r.Context(), req.Bucket, acl); err != nil {
		return s3err.Bucket(err, req.Bucket)
	}
	return h.WriteEmpty(w, http.StatusOK)
}

// bucketCannedACLs are the x-amz-acl values PutBucketAcl sets as they are.
var bucketCannedACLs = map[string]bool{s3wire.ACLPrivate: true, s3wire.ACLPublicRead: true, s3wire.ACLPublicReadWrite: true}

// requestedACL reads the canned ACL of PutBucketAcl/PutObjectAcl: the
// x-amz-acl header, or an AccessControlPolicy body, which is refused
// (kossd has no grantees but its own account).
func requestedACL(r *http.Request, req Request) (string, *s3wire.Error) {
	if ae := s3wire.RejectGrantHeaders(r.Header); ae != nil {
		return "", ae
	}
	v := r.Header.Get(s3wire.HeaderACL)
	if v == "" {
		body, err := req.ReadXML()
		if err != nil {
			return "", s3err.From(err)
		}
		if len(body) > 0 {
			return "", s3wire.ErrNotImplemented.Msgf("Access control lists in the body are not supported; use x-amz-acl.")
		}
		return "", s3wire.ErrInvalidRequest.Msgf("PutAcl needs an x-amz-acl header.")
	}
	return s3wire.ParseCannedACL(v)
}

// policy renders a stored ACL as S3 grants: the owner's FULL_CONTROL, and
// READ (and WRITE) for the AllUsers group when public.
func (h *Handler) policy(acl string) s3wire.AccessControlPolicy {
	const xsi = "http://www.w3.org/2001/XMLSchema-instance"
	const allUsers = "http://acs.amazonaws.com/groups/global/AllUsers"
	out := s3wire.AccessControlPolicy{Owner: h.Owner, Grants: []s3wire.Grant{{
		Grantee:    s3wire.Grantee{XMLNS: xsi, Type: "CanonicalUser", ID: h.Owner.ID, DisplayName: h.Owner.DisplayName},
		Permission: "FULL_CONTROL",
	}}}
	group := s3wire.Grantee{XMLNS: xsi, Type: "Group", URI: allUsers}
	switch acl {
	case s3wire.ACLPublicRead:
		out.Grants = append(out.Grants, s3wire.Grant{Grantee: group, Permission: "READ"})
	case s3wire.ACLPublicReadWrite:
		out.Grants = append(out.Grants, s3wire.Grant{Grantee: group, Permission: "READ"},
			s3wire.Grant{Grantee: group, Permission: "WRITE"})
	}
	return out
}

// GetObjectACL shows the ACL that decides for the object: its own, or its
// bucket's when it has none of its own.
func (h *Handler) GetObjectACL(w http.ResponseWriter, r *http.Request, req Request) error {
	b, k := req.Bucket, req.Key
	info, err := h.Layer.HeadObject(r.Context(), b, k)
	if err != nil {
		return s3err.Object(err, b, k)
	}
	acl := info.Metadata.ACL
	if !s3wire.OwnACL(acl) {
		bi, err := h.getBucket(r, req)
		if err != nil {
			return err
		}
		acl = bi.ACL
	}
	return h.WriteXML(w, h.policy(acl))
}

// PutObjectACL sets an object's canned ACL: a metadata-only copy of the
// object onto itself, conditional on the version read so that a
// concurrent write is never undone.
func (h *Handler) PutObjectACL(w http.ResponseWriter, r *http.Request, req Request) error {
	b, k := req.Bucket, req.Key
	acl, ae := requestedACL(r, req)
	if ae != nil {
		return ae
	}
	info, err := h.Layer.HeadObject(r.Context(), b, k)
	if err != nil {
		return s3err.Object(err, b, k)
	}
	md := info.Metadata
	md.ACL = acl
	ref := object.ObjectRef{Bucket: b, Key: k}
	_, err = h.Layer.CopyObject(r.Context(), ref, ref, object.CopyOptions{
		ReplaceMetadata: true, Metadata: md, Condition: object.Condition{IfMatch: info.ETag},
	})
	if err != nil {
		return s3err.Object(err, b, k)
	}
	return h.WriteEmpty(w, http.StatusOK)
}
