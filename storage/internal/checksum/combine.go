package checksum

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/bits"
	"sync"
)

// Part is one part of a multipart object, as Combine needs it: its raw
// checksum (not base64) and its length in bytes.
type Part struct {
	Sum  []byte
	Size int64
}

// Combine returns the FULL_OBJECT checksum (base64, as S3 reports it) of the
// concatenation of parts, in order, from their checksums and sizes only:
// the CRC of the whole content, with no pass over the data. It is defined
// for CRC32, CRC32C and CRC64NVME (FullObjectCapable) and is an error for
// the others, for a part whose Sum is not of the algorithm's size, and for a
// negative Size. No parts is the CRC of empty content.
func Combine(a Algorithm, parts []Part) (string, error) {
	c := combinerOf(a)
	if c == nil {
		return "", fmt.Errorf("checksum: %s has no FULL_OBJECT form (only CRC32, CRC32C and CRC64NVME combine)", string(a))
	}
	size := a.Size()
	var crc uint64
	for i, p := range parts {
		if len(p.Sum) != size {
			return "", fmt.Errorf("checksum: part %d has a %d-byte %s checksum, want %d bytes", i+1, len(p.Sum), string(a), size)
		}
		if p.Size < 0 {
			return "", fmt.Errorf("checksum: part %d has a negative size %d", i+1, p.Size)
		}
		crc = c.combine(crc, fromBigEndian(p.Sum), p.Size)
	}
	out := make([]byte, size)
	if size == 4 {
		binary.BigEndian.PutUint32(out, uint32(crc))
	} else {
		binary.BigEndian.PutUint64(out, crc)
	}
	return a.Encode(out), nil
}

func fromBigEndian(b []byte) uint64 {
	if len(b) == 4 {
		return uint64(binary.BigEndian.Uint32(b))
	}
	return binary.BigEndian.Uint64(b)
}

// crcCombiner combines the CRCs of adjacent pieces of data for one
// reflected CRC whose initial value and final XOR are all ones (CRC-32,
// CRC-32C and CRC-64/NVME all are). For such a CRC,
//
//	CRC(A||B) = Z^len(B) · CRC(A)  XOR  CRC(B)
//
// where Z is the bare register (no init, no final XOR) fed one zero byte:
// the all-ones init and final XOR of B cancel against A's final XOR and
// B's init. Z is linear over GF(2), so it is a width×width bit matrix and
// Z^n is the product of the squarings Z^(2^k) for the set bits k of n
// (zlib's crc32_combine, with the powers precomputed once). The cost is at
// most 63 matrix-vector products of width XORs each, whatever the length.
type crcCombiner struct {
	ops [63]gf2Matrix // ops[k] = Z^(2^k), 2^k zero bytes
}

// combine returns CRC(A||B) from crcA, crcB and len(B).
func (c *crcCombiner) combine(crcA, crcB uint64, lenB int64) uint64 {
	for n := uint64(lenB); n != 0; n &= n - 1 {
		crcA = c.ops[bits.TrailingZeros64(n)].times(crcA)
	}
	return crcA ^ crcB
}

// newCRCCombiner builds the combiner of the reflected polynomial poly (as
// hash/crc32 and hash/crc64 take it) of width 32 or 64 bits.
func newCRCCombiner(poly uint64, width int) *crcCombiner {
	// One zero bit: the reflected register shifts right and, when the low
	// bit falls out, XORs in the polynomial. Column i is where bit i goes.
	op := make(gf2Matrix, width)
	op[0] = poly
	for i := 1; i < width; i++ {
		op[i] = 1 << (i - 1)
	}
	// Square three times: 2, 4, then 8 zero bits, one byte.
	for range 3 {
		op = op.square()
	}
	c := &crcCombiner{}
	c.ops[0] = op
	for k := 1; k < len(c.ops); k++ {
		c.ops[k] = c.ops[k-1].square()
	}
	return c
}

// gf2Matrix is a square matrix over GF(2) of at most 64 columns: m[i] is
// the column that bit i of the input selects, so m.times(v) is the XOR of
// the columns of v's set bits.
type gf2Matrix []uint64

func (m gf2Matrix) times(v uint64) uint64 {
	var sum uint64
	for ; v != 0; v &= v - 1 {
		sum ^= m[bits.TrailingZeros64(v)]
	}
	return sum
}

// square returns m·m: column i of the product is m applied to column i.
func (m gf2Matrix) square() gf2Matrix {
	sq := make(gf2Matrix, len(m))
	for i := range m {
		sq[i] = m.times(m[i])
	}
	return sq
}

// The combiners are built on first use (a few hundred microseconds each):
// most processes never combine a CRC-64.
var (
	combineCRC32     = sync.OnceValue(func() *crcCombiner { return newCRCCombiner(crc32.IEEE, 32) })
	combineCRC32C    = sync.OnceValue(func() *crcCombiner { return newCRCCombiner(crc32.Castagnoli, 32) })
	combineCRC64NVME = sync.OnceValue(func() *crcCombiner { return newCRCCombiner(nvmePoly, 64) })
)

// combinerOf returns a's combiner, nil when a does not combine.
func combinerOf(a Algorithm) *crcCombiner {
	switch a {
	case CRC32:
		return combineCRC32()
	case CRC32C:
		return combineCRC32C()
	case CRC64NVME:
		return combineCRC64NVME()
	}
	return nil
}
