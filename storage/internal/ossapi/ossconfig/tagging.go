package ossconfig

import (
	"maps"
	"net/http"
	"strings"

	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// PutObjectTagging replaces an object's tags (PUT /<bucket>/<key>?tagging
// with a Tagging document); it needs write access to the object (route).
// The state machine judges the limits and the object's existence in one
// step, so a tagging that races a delete never resurrects the object.
func (h *Handler) PutObjectTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	b, k := req.Bucket, req.Key
	body, err := req.ReadXML()
	if err != nil {
		return err
	}
	tags, ae := osswire.ParseTagging(body)
	if ae != nil {
		return ae
	}
	if err := h.Layer.SetObjectTagging(r.Context(), b, k, tags); err != nil {
		return osserr.Object(err, b, k)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// GetObjectTagging answers an object's tags; a symlink's are its own.
func (h *Handler) GetObjectTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	b, k := req.Bucket, req.Key
	info, err := h.Layer.HeadObject(r.Context(), b, k)
	if err != nil {
		return osserr.Object(err, b, k)
	}
	return h.WriteXML(w, osswire.TaggingOf(info.Tags))
}

// DeleteObjectTagging removes an object's tags: 204, as OSS answers.
func (h *Handler) DeleteObjectTagging(w http.ResponseWriter, r *http.Request, req Request) error {
	b, k := req.Bucket, req.Key
	if err := h.Layer.SetObjectTagging(r.Context(), b, k, nil); err != nil {
		return osserr.Object(err, b, k)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// PutBucketTags replaces a bucket's tags (PUT /<bucket>?tagging). Like
// PutBucketAcl it is the bucket owner's, here root (the route's access).
func (h *Handler) PutBucketTags(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	body, err := req.ReadXML()
	if err != nil {
		return err
	}
	tags, ae := osswire.ParseTagging(body)
	if ae != nil {
		return ae
	}
	if err := h.Layer.SetBucketTagging(r.Context(), b, tags); err != nil {
		return osserr.Bucket(err, b)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// GetBucketTags answers a bucket's tags (an empty TagSet when none, as
// OSS answers).
func (h *Handler) GetBucketTags(w http.ResponseWriter, r *http.Request, req Request) error {
	info, err := h.getBucket(r, req)
	if err != nil {
		return err
	}
	return h.WriteXML(w, osswire.TaggingOf(info.Tags))
}

// DeleteBucketTags removes a bucket's tags: all of them, or with
// ?tagging=k1,k2 (as the v2 SDK's DeleteBucketTags sends keys) only
// those; 204. Removing some keys reads the tags and writes the rest: a
// concurrent PutBucketTags (root only, like this) may be undone by it.
func (h *Handler) DeleteBucketTags(w http.ResponseWriter, r *http.Request, req Request) error {
	b := req.Bucket
	var keep map[string]string
	if list := r.URL.Query().Get("tagging"); list != "" {
		info, err := h.getBucket(r, req)
		if err != nil {
			return err
		}
		keep = maps.Clone(info.Tags)
		for _, k := range strings.Split(list, ",") {
			delete(keep, k)
		}
	}
	if err := h.Layer.SetBucketTagging(r.Context(), b, keep); err != nil {
		return osserr.Bucket(err, b)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
