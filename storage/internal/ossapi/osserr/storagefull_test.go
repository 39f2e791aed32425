package osserr

import (
	"fmt"
	"net/http"
	"syscall"
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/replica"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
)

// A full disk is 507 XKossStorageFull in both dialects, also when it
// arrives as a lost quorum (a replicated write whose local replica was
// full), and never 500 or 503.
func TestStorageFullIs507InBothDialects(t *testing.T) {
	tests := map[string]error{
		"guard": fmt.Errorf("%w: %w", object.ErrStorageFull, blob.ErrNoSpace),
		"ENOSPC from the file system": fmt.Errorf("%w: blob: create x: %w: write: %w",
			object.ErrStorageFull, blob.ErrNoSpace, syscall.ENOSPC),
		"quorum lost to a full local disk": fmt.Errorf("%w: %w: blob stored on 1 of 3 nodes (need 2): %w",
			object.ErrStorageFull, replica.ErrUnavailable, fmt.Errorf("node-1: %w", blob.ErrNoSpace)),
	}
	for name, err := range tests {
		t.Run(name, func(t *testing.T) {
			if got := From(err); got.Code != "XKossStorageFull" || got.Status != http.StatusInsufficientStorage {
				t.Errorf("OSS: %s (%d), want XKossStorageFull (507)", got.Code, got.Status)
			}
			if got := s3err.From(err); got.Code != "XKossStorageFull" || got.Status != http.StatusInsufficientStorage {
				t.Errorf("S3: %s (%d), want XKossStorageFull (507)", got.Code, got.Status)
			}
		})
	}
}
