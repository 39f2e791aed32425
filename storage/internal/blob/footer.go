package blob

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// Footer constants; see the package doc for the layout.
const (
	trailerLen    = 64
	formatVersion = 1
	// DefaultBlockSize is the checksum block size of new blobs (64 KiB).
	DefaultBlockSize = 64 << 10
	// MaxBlockSize bounds Config.BlockSize (and what a footer may claim).
	MaxBlockSize = 16 << 20
)

var (
	trailerMagic = []byte("KOSSBLOB")
	castagnoli   = crc32.MakeTable(crc32.Castagnoli)
)

// numBlocks is the number of checksum blocks of a blob of size bytes.
func numBlocks(size int64, blockSize int) int64 {
	return (size + int64(blockSize) - 1) / int64(blockSize)
}

// encodeFooter returns the block table followed by the trailer.
func encodeFooter(table []uint32, blockSize int, size int64, md5sum [16]byte, crc64sum uint64) []byte {
	out := make([]byte, 4*len(table)+trailerLen)
	for i, c := range table {
		binary.LittleEndian.PutUint32(out[4*i:], c)
	}
	tableCRC := crc32.Checksum(out[:4*len(table)], castagnoli)
	t := out[4*len(table):]
	copy(t[0:8], trailerMagic)
	binary.LittleEndian.PutUint32(t[8:], formatVersion)
	binary.LittleEndian.PutUint32(t[12:], uint32(blockSize))
	binary.LittleEndian.PutUint64(t[16:], uint64(size))
	copy(t[24:40], md5sum[:])
	binary.LittleEndian.PutUint64(t[40:], crc64sum)
	binary.LittleEndian.PutUint32(t[48:], tableCRC)
	binary.LittleEndian.PutUint32(t[56:], crc32.Checksum(t[:56], castagnoli))
	return out
}

// trailer is the decoded fixed part of a footer.
type trailer struct {
	blockSize int
	size      int64
	md5       [16]byte
	crc64     uint64
	tableCRC  uint32
}

// decodeTrailer parses and checks the last trailerLen bytes of a blob file
// whose total length is fileSize.
func decodeTrailer(t []byte, fileSize int64) (trailer, error) {
	var tr trailer
	if len(t) != trailerLen || !bytes.Equal(t[0:8], trailerMagic) {
		return tr, fmt.Errorf("%w: bad trailer magic", ErrCorrupt)
	}
	if got, want := crc32.Checksum(t[:56], castagnoli), binary.LittleEndian.Uint32(t[56:]); got != want {
		return tr, fmt.Errorf("%w: trailer checksum %08x, want %08x", ErrCorrupt, got, want)
	}
	if v := binary.LittleEndian.Uint32(t[8:]); v != formatVersion {
		return tr, fmt.Errorf("%w: unknown format version %d", ErrCorrupt, v)
	}
	bs := binary.LittleEndian.Uint32(t[12:])
	size := binary.LittleEndian.Uint64(t[16:])
	if bs == 0 || bs > MaxBlockSize || size > uint64(fileSize) {
		return tr, fmt.Errorf("%w: implausible block size %d or size %d", ErrCorrupt, bs, size)
	}
	tr.blockSize = int(bs)
	tr.size = int64(size)
	copy(tr.md5[:], t[24:40])
	tr.crc64 = binary.LittleEndian.Uint64(t[40:])
	tr.tableCRC = binary.LittleEndian.Uint32(t[48:])
	if want := tr.size + 4*numBlocks(tr.size, tr.blockSize) + trailerLen; want != fileSize {
		return tr, fmt.Errorf("%w: file is %d bytes, footer implies %d", ErrCorrupt, fileSize, want)
	}
	return tr, nil
}

// decodeTable parses the block table and checks it against tableCRC.
func decodeTable(b []byte, tableCRC uint32) ([]uint32, error) {
	if got := crc32.Checksum(b, castagnoli); got != tableCRC {
		return nil, fmt.Errorf("%w: block table checksum %08x, want %08x", ErrCorrupt, got, tableCRC)
	}
	table := make([]uint32, len(b)/4)
	for i := range table {
		table[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return table, nil
}
