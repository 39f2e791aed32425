package s3api

import (
	"encoding/binary"

	"github.com/koss-io/koss/storage/internal/checksum"
)

// The FULL_OBJECT checksum of a multipart object with a CRC algorithm is
// the CRC of the whole content, made from the parts' CRCs and sizes
// without reading any byte again: crc(A‖B) = shift(crc(A), len(B)) ⊕
// crc(B), the shift being multiplication by x^(8·len(B)) modulo the
// polynomial, done with square-and-multiply over GF(2) matrices (the
// method of zlib's crc32_combine). It holds for the three S3 CRCs, whose
// initial value and final xor are both all ones.
//
// It belongs with the other checksum code (package checksum) once its
// owner takes it; it lives here because only the S3 dialect needs it.

// crcPolys are the reflected polynomials and widths of the CRCs S3 uses.
var crcPolys = map[checksum.Algorithm]struct {
	poly  uint64
	width int
}{
	checksum.CRC32:     {0xedb88320, 32},
	checksum.CRC32C:    {0x82f63b78, 32},
	checksum.CRC64NVME: {0x9a6c9329ac4bc9b5, 64},
}

// combinable reports whether alg's sums can be combined into a
// FULL_OBJECT checksum.
func combinable(alg checksum.Algorithm) bool {
	_, ok := crcPolys[alg]
	return ok
}

// combineCRCs returns the raw CRC of the concatenation of parts whose raw
// CRCs (big-endian, as S3 encodes them) and sizes are given.
func combineCRCs(alg checksum.Algorithm, sums [][]byte, sizes []int64) []byte {
	p := crcPolys[alg]
	var crc uint64
	for i, s := range sums {
		v := decodeCRC(s)
		if i == 0 {
			crc = v
			continue
		}
		crc = crcCombine(crc, v, sizes[i], p.poly, p.width)
	}
	out := make([]byte, p.width/8)
	if p.width == 32 {
		binary.BigEndian.PutUint32(out, uint32(crc))
	} else {
		binary.BigEndian.PutUint64(out, crc)
	}
	return out
}

func decodeCRC(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// crcCombine is crc(A‖B) from crc1 = crc(A), crc2 = crc(B) and len2 =
// len(B).
func crcCombine(crc1, crc2 uint64, len2 int64, poly uint64, width int) uint64 {
	if len2 <= 0 {
		return crc1
	}
	var even, odd [64]uint64
	// odd: the operator for one zero bit.
	odd[0] = poly
	row := uint64(1)
	for n := 1; n < width; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(even[:width], odd[:width]) // two zero bits
	gf2Square(odd[:width], even[:width]) // four zero bits
	// Apply len2 zero bytes, one bit of len2 at a time: the first square
	// gives the operator for one zero byte.
	for {
		gf2Square(even[:width], odd[:width])
		if len2&1 != 0 {
			crc1 = gf2Times(even[:width], crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
		gf2Square(odd[:width], even[:width])
		if len2&1 != 0 {
			crc1 = gf2Times(odd[:width], crc1)
		}
		len2 >>= 1
		if len2 == 0 {
			break
		}
	}
	return crc1 ^ crc2
}

func gf2Times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat []uint64) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}
