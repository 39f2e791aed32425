package object

import (
	"errors"
	"fmt"
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/replica"
)

func TestNoSpaceIsStorageFull(t *testing.T) {
	tests := map[string]error{
		"the local disk's guard": fmt.Errorf("blob: create x: %w", blob.ErrNoSpace),
		"a quorum lost to a full local disk": fmt.Errorf("%w: blob stored on 1 of 3 nodes (need 2): %w",
			replica.ErrUnavailable, errors.Join(fmt.Errorf("n1: %w", blob.ErrNoSpace), errors.New("n2: no answer in time"))),
	}
	for name, err := range tests {
		t.Run(name, func(t *testing.T) {
			got := toLayerErr(err)
			if !errors.Is(got, ErrStorageFull) || errors.Is(got, ErrUnavailable) {
				t.Fatalf("toLayerErr = %v: want ErrStorageFull, not ErrUnavailable", got)
			}
		})
	}
	if got := toLayerErr(fmt.Errorf("%w: n2: connection refused", replica.ErrUnavailable)); !errors.Is(got, ErrUnavailable) {
		t.Fatalf("a quorum lost to down nodes: %v, want ErrUnavailable", got)
	}
}
