package blob_test

import (
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/blob/blobtest"
)

func TestDiskConformance(t *testing.T) {
	tests := map[string]int{
		"default block size":  0,
		"4 KiB blocks":        4 << 10,
		"tiny 13-byte blocks": 13,
	}
	for name, bs := range tests {
		t.Run(name, func(t *testing.T) {
			blobtest.Run(t, func(t *testing.T) blob.Store {
				cfg := blob.DefaultConfig()
				cfg.Dir = t.TempDir()
				if bs != 0 {
					cfg.BlockSize = bs
				}
				d, err := blob.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { d.Close() })
				return d
			})
		})
	}
}
