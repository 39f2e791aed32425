package s3api

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// The S3 tagging operations share the engine's tags with the OSS dialect
// (and so its limits: 10 object tags, 20 bucket tags, OSS's characters).

// putObjectTagging replaces an object's tags; write access (route).
func (h *Handler) putObjectTagging(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	body, err := h.readXMLBody(r, st)
	if err != nil {
		return err
	}
	tags, ae := s3wire.ParseTagging(body)
	if ae != nil {
		return ae
	}
	if err := h.layer.SetObjectTagging(r.Context(), b, k, tags); err != nil {
		return s3err.Object(err, b, k)
	}
	return writeEmpty(w, http.StatusOK)
}

// getObjectTagging answers an object's tags (an empty TagSet when none).
func (h *Handler) getObjectTagging(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	info, err := h.layer.HeadObject(r.Context(), b, k)
	if err != nil {
		return s3err.Object(err, b, k)
	}
	return writeXML(w, s3wire.TaggingOf(info.Tags))
}

// deleteObjectTagging removes an object's tags: 204.
func (h *Handler) deleteObjectTagging(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	if err := h.layer.SetObjectTagging(r.Context(), b, k, nil); err != nil {
		return s3err.Object(err, b, k)
	}
	return writeEmpty(w, http.StatusNoContent)
}

// putBucketTagging replaces a bucket's tags; root only, like
// PutBucketAcl. S3 answers 204.
func (h *Handler) putBucketTagging(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b := st.target.bucket
	body, err := h.readXMLBody(r, st)
	if err != nil {
		return err
	}
	tags, ae := s3wire.ParseTagging(body)
	if ae != nil {
		return ae
	}
	if err := h.layer.SetBucketTagging(r.Context(), b, tags); err != nil {
		return s3err.Bucket(err, b)
	}
	return writeEmpty(w, http.StatusNoContent)
}

// getBucketTagging answers a bucket's tags; a bucket without any is 404
// NoSuchTagSet, as S3 answers (the OSS dialect answers an empty set).
func (h *Handler) getBucketTagging(w http.ResponseWriter, r *http.Request, st *reqState) error {
	info, err := h.getBucket(r, st)
	if err != nil {
		return err
	}
	if len(info.Tags) == 0 {
		return s3wire.ErrNoSuchTagSet.With("BucketName", info.Name)
	}
	return writeXML(w, s3wire.TaggingOf(info.Tags))
}

// deleteBucketTagging removes a bucket's tags: 204.
func (h *Handler) deleteBucketTagging(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b := st.target.bucket
	if err := h.layer.SetBucketTagging(r.Context(), b, nil); err != nil {
		return s3err.Bucket(err, b)
	}
	return writeEmpty(w, http.StatusNoContent)
}
