package crc64ecma

import (
	"encoding/binary"
	"hash/crc64"
	"math/bits"
)

// table is hash/crc64's table for the ECMA polynomial: the short inputs,
// tails and folded remainders go through it.
var table = crc64.MakeTable(crc64.ECMA)

// minFold is the shortest input worth folding; below it the table method is
// as fast and the call overhead dominates.
const minFold = 256

// Checksum returns the CRC-64/ECMA of p.
func Checksum(p []byte) uint64 { return Update(0, p) }

// Update returns the CRC-64/ECMA of the data whose checksum is crc followed
// by p, like crc64.Update(crc, crc64.MakeTable(crc64.ECMA), p).
func Update(crc uint64, p []byte) uint64 {
	if useFolding && len(p) >= minFold {
		n := len(p) &^ 63
		// The register of the reflected algorithm starts as ^crc; XORing it
		// into the first 8 bytes (foldBlocks does) is the same thing.
		lo, hi := foldBlocks(^crc, p[:n], &foldConstants)
		// lo, hi is a 128-bit value congruent to the message (mod P): its
		// CRC from a zero register is the message's. hash/crc64 with crc =
		// all ones starts from a zero register and applies the final XOR.
		var rem [16]byte
		binary.LittleEndian.PutUint64(rem[:8], lo)
		binary.LittleEndian.PutUint64(rem[8:], hi)
		crc = crc64.Update(^uint64(0), table, rem[:])
		p = p[n:]
	}
	return crc64.Update(crc, table, p)
}

// polynomial is the ECMA-182 generator without its x^64 term, most
// significant coefficient in bit 63 (the "normal" form; crc64.ECMA is the
// bit-reversed one).
var polynomial = bits.Reverse64(crc64.ECMA)

// xPowModP returns x^n mod P in the reflected form the folding uses: the
// coefficient of x^63 in bit 0.
func xPowModP(n int) uint64 {
	r := uint64(1)
	for range n {
		carry := r >> 63
		r <<= 1
		if carry != 0 {
			r ^= polynomial
		}
	}
	return bits.Reverse64(r)
}

// foldConstants holds, for fold distances of 4, 1, 2 and 3 blocks of 128
// bits, the pair (x^(128d+63) mod P, x^(128d-1) mod P): folding a 128-bit
// lane A = Ahi*x^64 + Alo forward by d blocks is Ahi*x^(128d+64) +
// Alo*x^(128d), and a carry-less multiply of two reflected 64-bit values
// yields the product times x, hence the exponents one lower.
var foldConstants = func() (k [8]uint64) {
	for i, d := range []int{4, 1, 2, 3} {
		k[2*i] = xPowModP(128*d + 63)
		k[2*i+1] = xPowModP(128*d - 1)
	}
	return k
}()
