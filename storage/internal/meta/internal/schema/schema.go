package schema

import (
	"bytes"
	"encoding/binary"

	bolt "go.etcd.io/bbolt"

	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/meta/snapstream"
)

// The bbolt layout. Every bucket name and key encoding lives in this file;
// the record values are package record's (record.EncodeBucket,
// EncodeObject, EncodeAccessKey, EncodePlacement).
//
//	meta     "applied" -> uint64 BE, index of the last applied log entry
//	         "schema"  -> uint64 BE, Version
//	buckets  <bucket name>                 -> bucket record
//	objects  <bucket name> 0x00 <key>      -> object record
//	keys     <access key id>               -> key record
//	refs     <blob id>                     -> uvarint count of segments referring to it
//	placement <blob id>                    -> placement record (size, CRC-64, replica node ids)
//	underrep <blob id>                     -> empty; the placement entries with fewer than
//	                                          ReplicationFactor replicas (an index)
//	garbage  <blob id>                     -> uint64 BE index at which its count reached 0
//	uploads  <bucket> 0x00 <key> 0x00 <id> -> upload record (multipart upload in progress)
//	parts    <upload id> 0x00 <u32 BE n>   -> part record (part n of that upload)
//
// Bucket names never contain 0x00, so the objects of one bucket form one
// contiguous key range that sorts by object key in byte order, which is the
// order ListObjects returns.
//
// Upload ids contain no 0x00 (Apply refuses them), so the uploads of one
// bucket sort by key, then id, and the parts of one upload by number.
//
// buckets, objects, keys, refs, placement, uploads and parts are replicated state: identical
// on every replica after the same log, and what a snapshot carries.
// underrep is derived from placement (rebuilt by Restore). garbage is
// node-local bookkeeping for this node's blob collector: Apply adds to it
// deterministically, but the collector removes entries outside Apply once it
// has deleted the blob files, so it is left out of snapshots.
var (
	BucketMeta    = []byte("meta")
	BucketBuckets = []byte("buckets")
	BucketObjects = []byte("objects")
	BucketKeys    = []byte("keys")
	BucketRefs    = []byte("refs")
	BucketGarbage = []byte("garbage")
	BucketPlace   = []byte("placement")
	BucketUnder   = []byte("underrep")
	BucketUploads = []byte("uploads")
	BucketParts   = []byte("parts")

	KeyApplied = []byte("applied")
	KeySchema  = []byte("schema")
)

// AllBuckets are created when a database is opened.
var AllBuckets = [][]byte{BucketMeta, BucketBuckets, BucketObjects, BucketKeys, BucketRefs, BucketGarbage, BucketPlace, BucketUnder, BucketUploads, BucketParts}

// SnapshotSections are the replicated buckets in snapshot order, with the tag
// each section carries in the stream (see snapstream.Section).
var SnapshotSections = []snapstream.Section{
	{Tag: 1, Name: BucketBuckets},
	{Tag: 2, Name: BucketObjects},
	{Tag: 3, Name: BucketKeys},
	{Tag: 4, Name: BucketRefs},
	{Tag: 5, Name: BucketPlace, Optional: true},
	{Tag: 6, Name: BucketUploads, Optional: true},
	{Tag: 7, Name: BucketParts, Optional: true},
}

// Version is the layout version stored under meta/schema.
const Version = 1

// ObjectKey is the objects-bucket key of bucket/key.
func ObjectKey(bucket, key string) []byte {
	b := make([]byte, 0, len(bucket)+1+len(key))
	b = append(b, bucket...)
	b = append(b, 0)
	return append(b, key...)
}

// ObjectPrefix is the start of bucket's range in the objects bucket.
func ObjectPrefix(bucket string) []byte {
	return append([]byte(bucket), 0)
}

// U64Bytes is the encoding of the applied index, the layout version and a
// garbage entry's index.
func U64Bytes(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// BytesU64 undoes U64Bytes; a missing or malformed value is 0.
func BytesU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// EncodeRefCount is the value of a refs entry.
func EncodeRefCount(n uint64) []byte { return binary.AppendUvarint(nil, n) }

// DecodeRefCount undoes EncodeRefCount; a missing entry counts 0.
func DecodeRefCount(v []byte) uint64 {
	n, _ := binary.Uvarint(v)
	return n
}

// UploadKey is the uploads-bucket key of an upload.
func UploadKey(bucket, key, id string) []byte {
	b := make([]byte, 0, len(bucket)+len(key)+len(id)+2)
	b = append(append(b, bucket...), 0)
	b = append(append(b, key...), 0)
	return append(b, id...)
}

// SplitUploadKey undoes UploadKey: the bucket ends at the first 0x00 (bucket
// names have none), the id starts after the last (ids have none).
func SplitUploadKey(k []byte) (bucket, key, id string) {
	i, j := bytes.IndexByte(k, 0), bytes.LastIndexByte(k, 0)
	return string(k[:i]), string(k[i+1 : j]), string(k[j+1:])
}

// PartPrefix is the start of upload id's range in the parts bucket.
func PartPrefix(id string) []byte { return append([]byte(id), 0) }

// PartKey is the parts-bucket key of part n of upload id.
func PartKey(id string, n int) []byte {
	return binary.BigEndian.AppendUint32(PartPrefix(id), uint32(n))
}

// PartNumber is the part number a parts-bucket key ends with.
func PartNumber(k []byte) int { return int(binary.BigEndian.Uint32(k[len(k)-4:])) }

// UploadParts returns the parts of upload id in number order.
func UploadParts(parts *bolt.Bucket, id string) ([]record.Part, error) {
	var out []record.Part
	prefix := PartPrefix(id)
	c := parts.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		p, err := record.DecodePart(PartNumber(k), v)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
