package s3config

import (
	"net/http"

	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// A bucket's location and versioning are fixed: answered, never set.

// GetBucketLocation answers the Region; S3 writes us-east-1 as empty.
func (h *Handler) GetBucketLocation(w http.ResponseWriter, r *http.Request, req Request) error {
	if _, err := h.getBucket(r, req); err != nil {
		return err
	}
	loc := h.Region
	if loc == "us-east-1" {
		loc = ""
	}
	return h.WriteXML(w, s3wire.LocationConstraint{Value: loc})
}

// GetBucketVersioning answers "never enabled": kossd keeps one version.
func (h *Handler) GetBucketVersioning(w http.ResponseWriter, r *http.Request, req Request) error {
	if _, err := h.getBucket(r, req); err != nil {
		return err
	}
	return h.WriteXML(w, s3wire.VersioningConfiguration{})
}
