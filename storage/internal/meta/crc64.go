package meta

import "hash/crc64"

// CRC64Combine returns the CRC-64/ECMA (Go crc64.ECMA table, as in
// x-oss-hash-crc64ecma) of A||B given crcA = CRC(A), crcB = CRC(B) and lenB =
// len(B). It lets the state machine keep the CRC of an appendable object up
// to date from the CRC of each appended segment alone.
//
// Because this CRC starts and ends with all ones, CRC(A||B) is CRC(A) run
// through lenB zero bytes of the bare register, XOR CRC(B). Running through
// zeros is linear, so it is a 64x64 matrix over GF(2); zeroOps[k] holds the
// matrix for 2^k zero bytes and a combine multiplies by one matrix per set
// bit of lenB (the method of zlib's crc32_combine, with precomputed powers).
func CRC64Combine(crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA
	}
	for k := 0; lenB != 0; k++ {
		if lenB&1 != 0 {
			crcA = gf2Times(&zeroOps[k], crcA)
		}
		lenB >>= 1
	}
	return crcA ^ crcB
}

type gf2Matrix [64]uint64

var zeroOps [63]gf2Matrix

func init() {
	// One zero bit: shift right, XOR the (reflected) polynomial when the
	// low bit falls out.
	var op gf2Matrix
	op[0] = crc64.ECMA
	for i := 1; i < 64; i++ {
		op[i] = 1 << (i - 1)
	}
	// Square three times: 2, 4, then 8 zero bits = one byte.
	for range 3 {
		op = gf2Square(&op)
	}
	zeroOps[0] = op
	for k := 1; k < len(zeroOps); k++ {
		zeroOps[k] = gf2Square(&zeroOps[k-1])
	}
}

func gf2Times(m *gf2Matrix, v uint64) uint64 {
	var sum uint64
	for i := 0; v != 0; i, v = i+1, v>>1 {
		if v&1 != 0 {
			sum ^= m[i]
		}
	}
	return sum
}

func gf2Square(m *gf2Matrix) gf2Matrix {
	var sq gf2Matrix
	for i := range m {
		sq[i] = gf2Times(m, m[i])
	}
	return sq
}
