package ossapi

import (
	"maps"
	"net/http"
	"strings"

	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// putObjectTagging replaces an object's tags (PUT /<bucket>/<key>?tagging
// with a Tagging document); it needs write access to the object (route).
// The state machine judges the limits and the object's existence in one
// step, so a tagging that races a delete never resurrects the object.
func (h *Handler) putObjectTagging(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	body, err := h.readXMLBody(r, st)
	if err != nil {
		return err
	}
	tags, ae := osswire.ParseTagging(body)
	if ae != nil {
		return ae
	}
	if err := h.layer.SetObjectTagging(r.Context(), b, k, tags); err != nil {
		return osserr.Object(err, b, k)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// getObjectTagging answers an object's tags; a symlink's are its own.
func (h *Handler) getObjectTagging(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	info, err := h.layer.HeadObject(r.Context(), b, k)
	if err != nil {
		return osserr.Object(err, b, k)
	}
	return writeXML(w, osswire.TaggingOf(info.Tags))
}

// deleteObjectTagging removes an object's tags: 204, as OSS answers.
func (h *Handler) deleteObjectTagging(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b, k := st.target.bucket, st.target.key
	if err := h.layer.SetObjectTagging(r.Context(), b, k, nil); err != nil {
		return osserr.Object(err, b, k)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// putBucketTags replaces a bucket's tags (PUT /<bucket>?tagging). Like
// PutBucketAcl it is the bucket owner's, here root (the route's access).
func (h *Handler) putBucketTags(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b := st.target.bucket
	body, err := h.readXMLBody(r, st)
	if err != nil {
		return err
	}
	tags, ae := osswire.ParseTagging(body)
	if ae != nil {
		return ae
	}
	if err := h.layer.SetBucketTagging(r.Context(), b, tags); err != nil {
		return osserr.Bucket(err, b)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// getBucketTags answers a bucket's tags (an empty TagSet when none, as
// OSS answers).
func (h *Handler) getBucketTags(w http.ResponseWriter, r *http.Request, st *reqState) error {
	info, err := h.getBucket(r, st)
	if err != nil {
		return err
	}
	return writeXML(w, osswire.TaggingOf(info.Tags))
}

// deleteBucketTags removes a bucket's tags: all of them, or with
// ?tagging=k1,k2 (as the v2 SDK's DeleteBucketTags sends keys) only
// those; 204. Removing some keys reads the tags and writes the rest: a
// concurrent PutBucketTags (root only, like this) may be undone by it.
func (h *Handler) deleteBucketTags(w http.ResponseWriter, r *http.Request, st *reqState) error {
	b := st.target.bucket
	var keep map[string]string
	if list := r.URL.Query().Get("tagging"); list != "" {
		info, err := h.getBucket(r, st)
		if err != nil {
			return err
		}
		keep = maps.Clone(info.Tags)
		for _, k := range strings.Split(list, ",") {
			delete(keep, k)
		}
	}
	if err := h.layer.SetBucketTagging(r.Context(), b, keep); err != nil {
		return osserr.Bucket(err, b)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
