package crc64ecma

import (
	"hash/crc64"
	"math/rand/v2"
	"testing"
)

var stdTable = crc64.MakeTable(crc64.ECMA)

func TestMatchesHashCRC64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1<<20+77)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	lengths := []int{0, 1, 7, 8, 15, 16, 63, 64, 65, 255, 256, 257, 319, 320, 321, 1000, 4096, 65536 + 3, 1 << 20, len(data)}
	for range 200 {
		lengths = append(lengths, rng.IntN(len(data)+1))
	}
	for _, n := range lengths {
		for _, init := range []uint64{0, 1, ^uint64(0), rng.Uint64()} {
			off := rng.IntN(16) // unaligned starts too
			if off+n > len(data) {
				off = 0
			}
			p := data[off : off+n]
			if got, want := Update(init, p), crc64.Update(init, stdTable, p); got != want {
				t.Fatalf("Update(%#x, %d bytes at offset %d) = %#x, want %#x", init, n, off, got, want)
			}
		}
	}
	// A known value: "123456789" is the CRC catalogue's check input.
	if got := Checksum([]byte("123456789")); got != 0x995dc9bbdf1939fa {
		t.Errorf("Checksum(123456789) = %#x, want 0x995dc9bbdf1939fa", got)
	}
}

// Streaming in pieces of any size gives the one-shot result.
func TestIncremental(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 300_000)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	want := crc64.Checksum(data, stdTable)
	for range 50 {
		var crc uint64
		for p := data; len(p) > 0; {
			n := min(len(p), 1+rng.IntN(9000))
			crc = Update(crc, p[:n])
			p = p[n:]
		}
		if crc != want {
			t.Fatalf("incremental CRC %#x, want %#x", crc, want)
		}
	}
}

func FuzzUpdate(f *testing.F) {
	f.Add(uint64(0), make([]byte, 300))
	f.Add(^uint64(0), []byte("123456789"))
	f.Fuzz(func(t *testing.T, init uint64, p []byte) {
		if got, want := Update(init, p), crc64.Update(init, stdTable, p); got != want {
			t.Fatalf("Update(%#x, %d bytes) = %#x, want %#x", init, len(p), got, want)
		}
	})
}

func BenchmarkUpdate(b *testing.B) {
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Update(0, data)
	}
}

func BenchmarkHashCRC64(b *testing.B) {
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		crc64.Update(0, stdTable, data)
	}
}
