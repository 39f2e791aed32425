package crc64ecma

import "golang.org/x/sys/cpu"

var useFolding = cpu.X86.HasPCLMULQDQ && cpu.X86.HasSSE2

// foldBlocks folds p (a non-empty multiple of 64 bytes) with init XORed into
// its first 8 bytes down to a 128-bit value congruent to it modulo P, returned
// as its little-endian halves. Implemented in fold_amd64.s.
//
//go:noescape
func foldBlocks(init uint64, p []byte, k *[8]uint64) (lo, hi uint64)
