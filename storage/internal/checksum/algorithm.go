package checksum

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/zeebo/xxh3"
)

// Algorithm is an S3 checksum algorithm, named as S3 names it in
// x-amz-checksum-algorithm and x-amz-sdk-checksum-algorithm.
type Algorithm string

// The algorithms S3 supports for object checksums. The first five are the
// original flexible checksums; MD5, SHA512 and the three xxHash variants are
// the later additions (aws-sdk-go-v2 service/s3 types.ChecksumAlgorithm,
// minio-go's ChecksumType).
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
	MD5       Algorithm = "MD5"
	SHA512    Algorithm = "SHA512"
	XXHASH64  Algorithm = "XXHASH64"  // XXH64, seed 0
	XXHASH3   Algorithm = "XXHASH3"   // XXH3, 64-bit, seed 0
	XXHASH128 Algorithm = "XXHASH128" // XXH3, 128-bit, seed 0
)

// All lists every supported algorithm.
var All = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256, MD5, SHA512, XXHASH64, XXHASH3, XXHASH128}

// nvmePoly is the CRC-64/NVME polynomial, bit-reversed as hash/crc64 wants it.
const nvmePoly = 0x9a6c9329ac4bc9b5

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	nvme       = crc64.MakeTable(nvmePoly)
)

// Parse returns the algorithm named s, in any case.
func Parse(s string) (Algorithm, bool) {
	for _, a := range All {
		if strings.EqualFold(s, string(a)) {
			return a, true
		}
	}
	return "", false
}

// New returns a new hash of the algorithm. It panics for an Algorithm that
// is not one of the constants (a programming error: parse names with Parse).
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		return crc64.New(nvme)
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	case MD5:
		return md5.New()
	case SHA512:
		return sha512.New()
	case XXHASH64:
		// Sum appends the 64-bit value big-endian, as minio-go sends it.
		return xxhash.New()
	case XXHASH3:
		return xxh3.New()
	case XXHASH128:
		// Sum appends the high then the low 64 bits, each big-endian.
		return xxh3.New128()
	}
	panic(fmt.Sprintf("checksum: unknown algorithm %q", string(a)))
}

// Size is the length in bytes of the algorithm's raw sum.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return crc32.Size
	case CRC64NVME:
		return crc64.Size
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	case MD5:
		return md5.Size
	case SHA512:
		return sha512.Size
	case XXHASH64, XXHASH3:
		return 8
	case XXHASH128:
		return 16
	}
	return 0
}

// FullObjectCapable reports whether S3 can report a multipart object's
// checksum of this algorithm as FULL_OBJECT: the checksum of the whole
// content, which only the CRCs can derive from the parts' values (Combine).
func (a Algorithm) FullObjectCapable() bool {
	switch a {
	case CRC32, CRC32C, CRC64NVME:
		return true
	}
	return false
}

// CompositeCapable reports whether a multipart object's checksum of this
// algorithm may be COMPOSITE (the checksum of the parts' checksums,
// Composite). Every algorithm but CRC64NVME, which S3 supports as
// FULL_OBJECT only.
func (a Algorithm) CompositeCapable() bool {
	return a.Size() > 0 && a != CRC64NVME
}

// Header is the request and response header that carries the algorithm's
// value, e.g. "x-amz-checksum-crc32".
func (a Algorithm) Header() string { return HeaderPrefix + strings.ToLower(string(a)) }

// Encode is how S3 writes a raw sum: standard base64.
func (a Algorithm) Encode(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// Decode parses a value as a client sends it (standard base64 of a raw sum of
// the algorithm's size).
func (a Algorithm) Decode(v string) ([]byte, error) {
	sum, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(sum) != a.Size() {
		return nil, fmt.Errorf("checksum: value for %s is not the base64 of a %d-byte %s sum", a.Header(), a.Size(), string(a))
	}
	return sum, nil
}

// Sum is the encoded checksum of data.
func (a Algorithm) Sum(data []byte) string {
	h := a.New()
	h.Write(data)
	return a.Encode(h.Sum(nil))
}
