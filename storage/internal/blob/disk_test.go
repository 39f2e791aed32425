package blob_test

import (
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/blob/blobtest"
)

func TestDiskConformance(t *testing.T) {
	tests := map[string]struct {
		blockSize int
		buffered  bool
	}{
		"default block size":  {},
		"4 KiB blocks":        {blockSize: 4 << 10},
		"tiny 13-byte blocks": {blockSize: 13}, // chunks not aligned for direct I/O
		"buffered writes":     {buffered: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			blobtest.Run(t, func(t *testing.T) blob.Store {
				cfg := blob.DefaultConfig()
				cfg.Dir = t.TempDir()
				cfg.BufferedWrites = tc.buffered
				if tc.blockSize != 0 {
					cfg.BlockSize = tc.blockSize
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

func TestDiskIsAReplica(t *testing.T) {
	blobtest.RunReplica(t, func(t *testing.T) blob.Replica {
		cfg := blob.DefaultConfig()
		cfg.Dir = t.TempDir()
		d, err := blob.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	})
}
