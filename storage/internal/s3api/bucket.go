package s3api

import (
	"errors"
	"net/http"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// maxListBuckets bounds one ListBuckets answer (S3's default quota is of
// that order; the call has paging parameters kossd does not need yet).
const maxListBuckets = 10000

func (h *Handler) listBuckets(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if st.anonymous() {
		return s3wire.ErrAccessDenied
	}
	q := r.URL.Query()
	prefix := q.Get("prefix")
	out := s3wire.ListAllMyBucketsResult{Owner: h.owner, Prefix: prefix}
	marker := ""
	for len(out.Buckets) < maxListBuckets {
		page, err := h.layer.ListBuckets(r.Context(), object.ListBucketsOptions{Prefix: prefix, Marker: marker, MaxKeys: 1000})
		if err != nil {
			return err
		}
		for _, b := range page.Buckets {
			// A key sees the buckets it holds a grant on; root sees all.
			if _, granted := st.principal.Grants[b.Name]; st.principal.Root || granted {
				out.Buckets = append(out.Buckets, s3wire.BucketRecord{Name: b.Name, CreationDate: s3wire.ISOTime(b.Created), BucketRegion: h.region})
			}
		}
		if !page.IsTruncated || len(page.Buckets) == 0 {
			break
		}
		marker = page.Buckets[len(page.Buckets)-1].Name
	}
	return writeXML(w, out)
}

// createBucket creates a bucket (root only). Re-creating a bucket that
// exists fails, as S3 does outside us-east-1 (and MinIO everywhere): with
// 409 BucketAlreadyOwnedByYou when the caller owns it (root, for a bucket
// made through this API or OSS's; a key with a grant on it), which rclone
// and the SDKs' tools treat as "it is there", and with 409
// BucketAlreadyExists when another owner holds the name (a bucket made
// through the admin API). us-east-1's legacy 200 is not reproduced: kossd
// has one behaviour whatever its Region is called.
func (h *Handler) createBucket(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b := st.target.bucket
	acl := s3wire.ACLPrivate
	if v := r.Header.Get(s3wire.HeaderACL); v != "" {
		var ae *s3wire.Error
		if acl, ae = s3wire.ParseCannedACL(v); ae != nil {
			return ae
		}
	}
	if ae := s3wire.RejectGrantHeaders(r.Header); ae != nil {
		return ae
	}
	if r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled") == "true" {
		return s3wire.ErrNotImplemented.Msgf("Object lock is not supported.").With("Header", "x-amz-bucket-object-lock-enabled")
	}
	body, err := h.readXMLBody(r, st)
	if err != nil {
		return err
	}
	if _, ae := s3wire.ParseCreateBucket(body); ae != nil {
		return ae
	}
	if !st.principal.Root {
		if st.anonymous() {
			return s3wire.ErrAccessDenied
		}
		if _, err := h.layer.GetBucket(r.Context(), b); err == nil && st.principal.MayWrite(b) {
			return s3wire.ErrBucketAlreadyOwnedByYou.With("BucketName", b)
		}
		return s3wire.ErrAccessDenied
	}
	// The layer's CreateBucket succeeds for the same owner, so the
	// existing bucket is looked at first. Two concurrent creates of a new
	// name may both succeed; the layer has no create-only option to close
	// that window.
	if info, err := h.layer.GetBucket(r.Context(), b); err == nil {
		if info.Owner != "" {
			return s3wire.ErrBucketAlreadyExists.With("BucketName", b)
		}
		return s3wire.ErrBucketAlreadyOwnedByYou.With("BucketName", b)
	} else if !errors.Is(err, object.ErrBucketNotFound) {
		return s3err.Bucket(err, b)
	}
	if err := h.layer.CreateBucket(r.Context(), b, object.BucketOptions{ACL: acl}); err != nil {
		if errors.Is(err, object.ErrBucketAlreadyExists) {
			return s3wire.ErrBucketAlreadyExists.With("BucketName", b)
		}
		return s3err.Bucket(err, b)
	}
	w.Header().Set("Location", "/"+b)
	return writeEmpty(w, http.StatusOK)
}

func (h *Handler) deleteBucket(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if err := h.layer.DeleteBucket(r.Context(), st.target.bucket); err != nil {
		return s3err.Bucket(err, st.target.bucket)
	}
	return writeEmpty(w, http.StatusNoContent)
}

func (h *Handler) getBucket(r *http.Request, st *reqState) (object.BucketInfo, error) {
	b, err := h.layer.GetBucket(r.Context(), st.target.bucket)
	if err != nil {
		return b, s3err.Bucket(err, st.target.bucket)
	}
	return b, nil
}

// headBucket answers with the bucket's region, which the Go SDK's
// GetBucketRegion (and the manager) read.
func (h *Handler) headBucket(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if _, err := h.getBucket(r, st); err != nil {
		return err
	}
	w.Header().Set(s3wire.HeaderBucketRegion, h.region)
	return writeEmpty(w, http.StatusOK)
}

// getBucketLocation answers the Region; S3 writes us-east-1 as empty.
func (h *Handler) getBucketLocation(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if _, err := h.getBucket(r, st); err != nil {
		return err
	}
	loc := h.region
	if loc == "us-east-1" {
		loc = ""
	}
	return writeXML(w, s3wire.LocationConstraint{Value: loc})
}

// getBucketVersioning answers "never enabled": kossd keeps one version.
func (h *Handler) getBucketVersioning(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if _, err := h.getBucket(r, st); err != nil {
		return err
	}
	return writeXML(w, s3wire.VersioningConfiguration{})
}

func (h *Handler) getBucketACL(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, err := h.getBucket(r, st)
	if err != nil {
		return err
	}
	return writeXML(w, h.policy(b.ACL))
}

// putBucketACL sets a bucket's canned ACL from x-amz-acl: private,
// public-read or public-read-write, the three a bucket can have here (as
// in the OSS dialect). Any other canned ACL S3 knows (authenticated-read,
// the bucket-owner-* ones meant for objects...) is 501: kossd cannot grant
// what it names, and a success that changes nothing would mislead. A grant
// body or x-amz-grant-* header is 501 too (requestedACL); an unknown value
// is 400 InvalidArgument. Anonymous requests follow the new value from the
// next request on.
func (h *Handler) putBucketACL(w http.ResponseWriter, r *http.Request, st *reqState) error {
	if _, err := h.getBucket(r, st); err != nil {
		return err
	}
	if v := r.Header.Get(s3wire.HeaderACL); v != "" && !bucketCannedACLs[v] {
		if _, ae := s3wire.ParseCannedACL(v); ae != nil {
			return ae
		}
		return s3wire.ErrNotImplemented.Msgf("The canned ACL %s is not supported on a bucket; use private, public-read or public-read-write.", v).
			With("Header", s3wire.HeaderACL)
	}
	acl, ae := h.requestedACL(r, st)
	if ae != nil {
		return ae
	}
	if err := h.layer.SetBucketACL(r.Context(), st.target.bucket, acl); err != nil {
		return s3err.Bucket(err, st.target.bucket)
	}
	return writeEmpty(w, http.StatusOK)
}

// bucketCannedACLs are the x-amz-acl values PutBucketAcl sets as they are.
var bucketCannedACLs = map[string]bool{s3wire.ACLPrivate: true, s3wire.ACLPublicRead: true, s3wire.ACLPublicReadWrite: true}

// requestedACL reads the canned ACL of PutBucketAcl/PutObjectAcl: the
// x-amz-acl header, or an AccessControlPolicy body, which is refused
// (kossd has no grantees but its own account).
func (h *Handler) requestedACL(r *http.Request, st *reqState) (string, *s3wire.Error) {
	if ae := s3wire.RejectGrantHeaders(r.Header); ae != nil {
		return "", ae
	}
	v := r.Header.Get(s3wire.HeaderACL)
	if v == "" {
		body, err := h.readXMLBody(r, st)
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
	out := s3wire.AccessControlPolicy{Owner: h.owner, Grants: []s3wire.Grant{{
		Grantee:    s3wire.Grantee{XMLNS: xsi, Type: "CanonicalUser", ID: h.owner.ID, DisplayName: h.owner.DisplayName},
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
