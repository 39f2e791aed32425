package object

import (
	"bytes"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkPut measures durable PUTs through the whole single-node engine
// (blob fsync + rename + dir fsync, then a group-committed bbolt fsync).
// Run: go test -run XXX -bench Put ./storage/internal/object/
func BenchmarkPut(b *testing.B) {
	for _, size := range []int{4 << 10, 4 << 20} {
		for _, clients := range []int{1, 16} {
			b.Run(fmt.Sprintf("size=%s/clients=%d", human(size), clients), func(b *testing.B) {
				st := openStack(b, b.TempDir())
				if err := st.store.CreateBucket(b.Context(), "bench", BucketOptions{}); err != nil {
					b.Fatal(err)
				}
				body := data(1, size)
				var n atomic.Int64
				b.SetBytes(int64(size))
				b.SetParallelism(max(1, clients/max(1, runtimeProcs())))
				start := time.Now()
				if clients == 1 {
					for b.Loop() {
						putBench(b, st.store, &n, body)
					}
				} else {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							putBench(b, st.store, &n, body)
						}
					})
				}
				b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "ops/s")
			})
		}
	}
}

func putBench(b *testing.B, s *Store, n *atomic.Int64, body []byte) {
	i := n.Add(1)
	if _, err := s.PutObject(b.Context(), "bench", fmt.Sprint("k", i), bytes.NewReader(body), int64(len(body)), PutOptions{}); err != nil {
		b.Error(err)
	}
}

// BenchmarkGet measures reads of 4 KiB (inline) and 4 MiB (blob) objects.
func BenchmarkGet(b *testing.B) {
	for _, size := range []int{4 << 10, 4 << 20} {
		b.Run("size="+human(size), func(b *testing.B) {
			st := openStack(b, b.TempDir())
			ctx := b.Context()
			if err := st.store.CreateBucket(ctx, "bench", BucketOptions{}); err != nil {
				b.Fatal(err)
			}
			const keys = 16
			for i := range keys {
				if _, err := st.store.PutObject(ctx, "bench", fmt.Sprint("k", i), bytes.NewReader(data(i, size)), int64(size), PutOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(size))
			var n atomic.Int64
			start := time.Now()
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				buf := make([]byte, 256<<10)
				for pb.Next() {
					i := n.Add(1)
					_, rc, err := st.store.GetObject(ctx, "bench", fmt.Sprint("k", i%keys), nil)
					if err != nil {
						b.Error(err)
						return
					}
					if _, err := io.CopyBuffer(io.Discard, rc, buf); err != nil {
						b.Error(err)
					}
					rc.Close()
				}
			})
			b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "ops/s")
		})
	}
}

func human(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}
