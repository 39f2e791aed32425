package s3config

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// The S3 tagging operations share the engine's tags with the OSS dialect
// (and so its limits: 10 object tags, 20 bucket tags, OSS's characters).

// PutObjectTagging replaces an object's tags; write access (route).
func (h *Handler) PutObjectTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	b, k := req.Bucket, req.Key
	body, err := req.ReadXML()
	if err != nil {
		return err
	}
	tags, ae := s3wire.ParseTagging(body)
	if ae != nil {
		return ae
	}
	if err := h.Layer.SetObjectTagging(r.Context(), b, k, tags); err != nil {
		return s3err.Object(err, b, k)
	}
	return h.WriteEmpty(w, http.StatusOK)
}

// GetObjectTagging answers an object's tags (an empty TagSet when none).
func (h *Handler) GetObjectTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	b, k := req.Bucket, req.Key
	info, err := h.Layer.HeadObject(r.Context(), b, k)
	if err != nil {
		return s3err.Object(err, b, k)
	}
	return h.WriteXML(w, s3wire.TaggingOf(info.Tags))
}

// DeleteObjectTagging removes an object's tags: 204.
func (h *Handler) DeleteObjectTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	b, k := req.Bucket, req.Key
	if err := h.Layer.SetObjectTagging(r.Context(), b, k, nil); err != nil {
		return s3err.Object(err, b, k)
	}
	return h.WriteEmpty(w, http.StatusNoContent)
}

// PutBucketTagging replaces a bucket's tags; root only, like
// PutBucketAcl. S3 answers 204.
func (h *Handler) PutBucketTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	body, err := req.ReadXML()
	if err != nil {
		return err
	}
	tags, ae := s3wire.ParseTagging(body)
	if ae != nil {
		return ae
	}
	if err := h.Layer.SetBucketTagging(r.Context(), b, tags); err != nil {
		return s3err.Bucket(err, b)
	}
	return h.WriteEmpty(w, http.StatusNoContent)
}

// GetBucketTagging answers a bucket's tags; a bucket without any is 404
// NoSuchTagSet, as S3 answers (the OSS dialect answers an empty set).
func (h *Handler) GetBucketTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	info, err := h.getBucket(r, req)
	if err != nil {
		return err
	}
	if len(info.Tags) == 0 {
		return s3wire.ErrNoSuchTagSet.With("BucketName", info.Name)
	}
	return h.WriteXML(w, s3wire.TaggingOf(info.Tags))
}

// DeleteBucketTagging removes a bucket's tags: 204.
func (h *Handler) DeleteBucketTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	if err := h.Layer.SetBucketTagging(r.Context(), b, nil); err != nil {
		return s3err.Bucket(err, b)
	}
	return h.WriteEmpty(w, http.StatusNoContent)
}
