package meta

import (
	"hash/crc64"
	"math/rand/v2"
	"testing"
)

func TestCRC64Combine(t *testing.T) {
	tab := crc64.MakeTable(crc64.ECMA)
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
			want := crc64.Update(crc64.Checksum(a, tab), tab, b)
			if got := CRC64Combine(crc64.Checksum(a, tab), crc64.Checksum(b, tab), int64(nb)); got != want {
				t.Fatalf("combine(%d, %d) = %x, want %x", na, nb, got, want)
			}
		}
	}
}

func BenchmarkCRC64Combine(b *testing.B) {
	for b.Loop() {
		CRC64Combine(0x1234, 0x5678, 5<<30-1)
	}
}
