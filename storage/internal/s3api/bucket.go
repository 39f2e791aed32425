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
