package meta

import (
	"encoding/binary"

	"github.com/koss-io/koss/storage/internal/meta/snapstream"
)

// The bbolt layout. Every bucket name and key encoding lives in this file;
// the record values are package record's (record.EncodeBucket,
// EncodeObject, EncodeAccessKey, EncodePlacement).
//
//	meta     "applied" -> uint64 BE, index of the last applied log entry
//	         "schema"  -> uint64 BE, schemaVersion
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
	bucketMeta    = []byte("meta")
	bucketBuckets = []byte("buckets")
	bucketObjects = []byte("objects")
	bucketKeys    = []byte("keys")
	bucketRefs    = []byte("refs")
	bucketGarbage = []byte("garbage")
	bucketPlace   = []byte("placement")
	bucketUnder   = []byte("underrep")
	bucketUploads = []byte("uploads")
	bucketParts   = []byte("parts")

	keyApplied = []byte("applied")
	keySchema  = []byte("schema")
)

// allBuckets are created when a database is opened.
var allBuckets = [][]byte{bucketMeta, bucketBuckets, bucketObjects, bucketKeys, bucketRefs, bucketGarbage, bucketPlace, bucketUnder, bucketUploads, bucketParts}

// snapshotSections are the replicated buckets in snapshot order, with the tag
// each section carries in the stream (see snapstream.Section).
var snapshotSections = []snapstream.Section{
	{Tag: 1, Name: bucketBuckets},
	{Tag: 2, Name: bucketObjects},
	{Tag: 3, Name: bucketKeys},
	{Tag: 4, Name: bucketRefs},
	{Tag: 5, Name: bucketPlace, Optional: true},
	{Tag: 6, Name: bucketUploads, Optional: true},
	{Tag: 7, Name: bucketParts, Optional: true},
}

// schemaVersion is the layout version stored under meta/schema.
const schemaVersion = 1

// objectKey is the objects-bucket key of bucket/key.
func objectKey(bucket, key string) []byte {
	b := make([]byte, 0, len(bucket)+1+len(key))
	b = append(b, bucket...)
	b = append(b, 0)
	return append(b, key...)
}

// objectPrefix is the start of bucket's range in the objects bucket.
func objectPrefix(bucket string) []byte {
	return append([]byte(bucket), 0)
}

func u64Bytes(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func bytesU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func encodeRefCount(n uint64) []byte { return binary.AppendUvarint(nil, n) }

func decodeRefCount(v []byte) uint64 {
	n, _ := binary.Uvarint(v)
	return n
}
