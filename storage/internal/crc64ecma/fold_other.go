//go:build !amd64

package crc64ecma

const useFolding = false

func foldBlocks(uint64, []byte, *[8]uint64) (lo, hi uint64) {
	panic("crc64ecma: folding is not available on this architecture")
}
