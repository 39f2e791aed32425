package s3api

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/koss-io/koss/storage/internal/checksum"
)

// The combined CRC of parts must be the CRC of their concatenation, for
// every CRC S3 has, whatever the part sizes (empty ones included).
func TestCombineCRCs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, alg := range []checksum.Algorithm{checksum.CRC32, checksum.CRC32C, checksum.CRC64NVME} {
		for trial := 0; trial < 20; trial++ {
			var whole []byte
			var sums [][]byte
			var sizes []int64
			for range 1 + r.IntN(5) {
				part := make([]byte, r.IntN(3000))
				for i := range part {
					part[i] = byte(r.Uint32())
				}
				whole = append(whole, part...)
				h := alg.New()
				h.Write(part)
				sums = append(sums, h.Sum(nil))
				sizes = append(sizes, int64(len(part)))
			}
			h := alg.New()
			h.Write(whole)
			if got, want := combineCRCs(alg, sums, sizes), h.Sum(nil); !bytes.Equal(got, want) {
				t.Fatalf("%s of %v: combined %x, whole %x", alg, sizes, got, want)
			}
		}
	}
}
