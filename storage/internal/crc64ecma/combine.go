package crc64ecma

import (
	"hash/crc64"
	"math/bits"
)

// Combine returns the CRC-64/ECMA of A||B given crcA = Checksum(A), crcB =
// Checksum(B) and lenB = len(B), without the bytes. The state machine keeps
// an appendable object's CRC current from the CRC of each appended segment
// this way, and a multipart upload's CRC is its parts' CRCs combined in
// part order, with no pass over the data. A lenB of zero or less returns
// crcA.
//
// Because this CRC starts and ends with all ones, CRC(A||B) is CRC(A) run
// through lenB zero bytes of the bare register, XOR CRC(B). Running the
// register through zeros is linear over GF(2), so it is a 64x64 bit
// matrix; zeroOps[k] is the matrix for 2^k zero bytes, and Combine applies
// one matrix per set bit of lenB (zlib's crc32_combine, with the powers
// precomputed). The cost is O(log lenB): at most 63 matrix-vector products
// of at most 64 XORs each, whatever the length (a microsecond or two for
// 5 GiB), so combining the CRCs of many large parts costs nothing next to
// reading them.
func Combine(crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA
	}
	for n := uint64(lenB); n != 0; n &= n - 1 {
		crcA = zeroOps[bits.TrailingZeros64(n)].times(crcA)
	}
	return crcA ^ crcB
}

// gf2Matrix is a 64x64 matrix over GF(2): m[i] is the column that bit i of
// the input selects, so m.times(v) is the XOR of the columns of v's set
// bits.
type gf2Matrix [64]uint64

// zeroOps[k] runs the register through 2^k zero bytes. 63 entries cover
// every positive int64 length; together they are 31.5 KiB, built once at
// start-up by repeated squaring (63 squarings, well under a millisecond).
var zeroOps = func() (ops [63]gf2Matrix) {
	// One zero bit: the reflected register shifts right and, when the low
	// bit falls out, XORs in the reflected polynomial.
	var op gf2Matrix
	op[0] = crc64.ECMA
	for i := 1; i < 64; i++ {
		op[i] = 1 << (i - 1)
	}
	// Square three times: 2, 4, then 8 zero bits, one byte.
	for range 3 {
		op = op.square()
	}
	ops[0] = op
	for k := 1; k < len(ops); k++ {
		ops[k] = ops[k-1].square()
	}
	return ops
}()

// times returns m·v. It visits only v's set bits: a CRC has about 32.
func (m *gf2Matrix) times(v uint64) uint64 {
	var sum uint64
	for ; v != 0; v &= v - 1 {
		sum ^= m[bits.TrailingZeros64(v)]
	}
	return sum
}

// square returns m·m: column i of the product is m applied to column i.
func (m *gf2Matrix) square() gf2Matrix {
	var sq gf2Matrix
	for i := range m {
		sq[i] = m.times(m[i])
	}
	return sq
}
