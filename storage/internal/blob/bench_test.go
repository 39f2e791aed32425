package blob_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/blob/blobtest"
)

// BenchmarkCreate measures durable blob writes; BenchmarkRawFsync writes the
// same bytes as plain files with fsync, the baseline Create is compared with.
func BenchmarkCreate(b *testing.B) {
	for _, size := range []int{4 << 10, 4 << 20} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			d, err := blob.New(blob.Config{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			data := blobtest.Data(1, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := d.Create(context.Background(), blob.NewID(), bytes.NewReader(data), blob.CreateOptions{Size: int64(size)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRawFsync(b *testing.B) {
	for _, size := range []int{4 << 10, 4 << 20} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			dir := b.TempDir()
			data := blobtest.Data(1, size)
			b.SetBytes(int64(size))
			i := 0
			for b.Loop() {
				i++
				f, err := os.Create(filepath.Join(dir, strconv.Itoa(i)))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.Write(data); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}

func BenchmarkRead(b *testing.B) {
	d, err := blob.New(blob.Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	const size = 4 << 20
	id := blob.NewID()
	if _, err := d.Create(context.Background(), id, bytes.NewReader(blobtest.Data(1, size)), blob.CreateOptions{Size: size}); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 256<<10)
	b.SetBytes(size)
	for b.Loop() {
		h, err := d.Open(id)
		if err != nil {
			b.Fatal(err)
		}
		r := blob.NewReader(h, 0, size)
		for {
			n, err := r.Read(buf)
			if n == 0 || err != nil {
				break
			}
		}
		h.Close()
	}
}
