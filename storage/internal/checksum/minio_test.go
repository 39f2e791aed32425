package checksum

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/minio/minio-go/v7"
)

// minioType is minio-go's name for each algorithm.
var minioType = map[Algorithm]minio.ChecksumType{
	CRC32: minio.ChecksumCRC32, CRC32C: minio.ChecksumCRC32C, CRC64NVME: minio.ChecksumCRC64NVME,
	SHA1: minio.ChecksumSHA1, SHA256: minio.ChecksumSHA256, MD5: minio.ChecksumMD5, SHA512: minio.ChecksumSHA512,
	XXHASH64: minio.ChecksumXXHash64, XXHASH3: minio.ChecksumXXHash3, XXHASH128: minio.ChecksumXXHash128,
}

// TestAgainstMinio: for every algorithm and several inputs, the value
// minio-go puts on the wire (its own hashers and encoding) must equal ours,
// with the same header name and raw size; one differing byte order or
// encoding would make every upload of that algorithm fail as BadDigest.
func TestAgainstMinio(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	random := make([]byte, 100_000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	inputs := [][]byte{nil, []byte("a"), []byte("hello, world"), bytes.Repeat([]byte{0xff}, 1000), random}
	for _, a := range All {
		mt, ok := minioType[a]
		if !ok {
			t.Fatalf("%s: no minio-go type", a)
		}
		if mt.Key() != a.Header() || mt.String() != string(a) || mt.RawByteLen() != a.Size() {
			t.Errorf("%s: minio-go says header %q, name %q, size %d; we say %q, %q, %d",
				a, mt.Key(), mt.String(), mt.RawByteLen(), a.Header(), string(a), a.Size())
		}
		for i, in := range inputs {
			if theirs, ours := mt.EncodeToString(in), a.Sum(in); theirs != ours {
				t.Errorf("%s of input %d (%d bytes): ours %s, minio-go's %s", a, i, len(in), ours, theirs)
			}
		}
		if mt.CanComposite() != a.CompositeCapable() || mt.CanMergeCRC() != a.FullObjectCapable() {
			t.Errorf("%s: minio-go composite %v full-object %v; ours %v %v", a,
				mt.CanComposite(), mt.CanMergeCRC(), a.CompositeCapable(), a.FullObjectCapable())
		}
	}
}

// TestCombineAgainstMinio: minio-go computes a FULL_OBJECT upload's CRC on
// the client from the parts' checksums and sizes and sends it with
// CompleteMultipartUpload; the server's Combine must reach the same value
// or every such upload is refused.
func TestCombineAgainstMinio(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, a := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		mt := minioType[a]
		for trial := range 20 {
			var mparts []minio.ObjectPart
			var parts []Part
			var whole []byte
			for n := range 1 + rng.IntN(5) {
				data := make([]byte, rng.IntN(70_000)+1)
				for i := range data {
					data[i] = byte(rng.Uint32())
				}
				whole = append(whole, data...)
				p := part(a, data)
				parts = append(parts, p)
				op := minio.ObjectPart{PartNumber: n + 1, Size: p.Size}
				enc := a.Encode(p.Sum)
				switch a {
				case CRC32:
					op.ChecksumCRC32 = enc
				case CRC32C:
					op.ChecksumCRC32C = enc
				case CRC64NVME:
					op.ChecksumCRC64NVME = enc
				}
				mparts = append(mparts, op)
			}
			theirs, err := mt.FullObjectChecksum(mparts)
			if err != nil {
				t.Fatalf("%s: minio-go: %v", a, err)
			}
			ours, err := Combine(a, parts)
			if err != nil {
				t.Fatal(err)
			}
			if ours != theirs.Encoded() || ours != a.Sum(whole) {
				t.Fatalf("%s trial %d (%d parts): ours %s, minio-go's %s, whole %s", a, trial, len(parts), ours, theirs.Encoded(), a.Sum(whole))
			}
		}
	}
}
