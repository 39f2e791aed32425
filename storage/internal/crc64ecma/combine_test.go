package crc64ecma

import (
	"fmt"
	"hash/crc64"
	"math/rand/v2"
	"testing"
)

func TestCombine(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 2, 7, 8, 63, 64, 65, 1000, 65536, 100003}
	for _, na := range sizes {
		for _, nb := range sizes {
			a := make([]byte, na)
			b := make([]byte, nb)
			for i := range a {
				a[i] = byte(r.Uint32())
			}
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			want := crc64.Update(crc64.Checksum(a, stdTable), stdTable, b)
			if got := Combine(crc64.Checksum(a, stdTable), crc64.Checksum(b, stdTable), int64(nb)); got != want {
				t.Fatalf("Combine(%d, %d) = %x, want %x", na, nb, got, want)
			}
		}
	}
}

// TestCombineRandomLengths splits random prefixes of one buffer at random
// points, lengths from 0 to several MiB, and checks that combining the
// parts' CRCs gives hash/crc64 of the whole.
func TestCombineRandomLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	buf := make([]byte, 7<<20)
	_, _ = rand.NewChaCha8([32]byte{5}).Read(buf) // never fails
	pairs := [][2]int{{0, 0}, {0, 6 << 20}, {6 << 20, 0}, {1, 5<<20 + 3}, {3<<20 + 1, 3<<20 + 7}, {len(buf) - 1, 1}}
	for range 30 {
		na := r.IntN(len(buf) + 1)
		pairs = append(pairs, [2]int{na, r.IntN(len(buf) - na + 1)})
	}
	for _, p := range pairs {
		na, nb := p[0], p[1]
		a, b := buf[:na], buf[na:na+nb]
		want := crc64.Checksum(buf[:na+nb], stdTable)
		if got := Combine(Checksum(a), Checksum(b), int64(nb)); got != want {
			t.Fatalf("Combine(len %d, len %d) = %#x, want %#x", na, nb, got, want)
		}
	}
}

// TestCombineChain combines many parts in order, as a multipart upload
// does with its parts' CRCs.
func TestCombineChain(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(r.Uint32())
	}
	var crc uint64
	for p := buf; len(p) > 0; {
		n := min(len(p), r.IntN(50000))
		crc = Combine(crc, Checksum(p[:n]), int64(n))
		p = p[n:]
	}
	if want := crc64.Checksum(buf, stdTable); crc != want {
		t.Fatalf("chained Combine = %#x, want %#x", crc, want)
	}
}

// BenchmarkCombine shows that the cost grows with the number of set bits
// of the second length (at most 63), not with the length.
func BenchmarkCombine(b *testing.B) {
	for _, n := range []int64{1 << 10, 1<<20 - 1, 1 << 30, 5<<30 - 1, 1<<62 - 1} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				Combine(0x1234, 0x5678, n)
			}
		})
	}
}
