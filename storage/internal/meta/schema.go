package meta

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// The bbolt layout. Every bucket name and key encoding lives in this file.
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
//
// Bucket names never contain 0x00, so the objects of one bucket form one
// contiguous key range that sorts by object key in byte order, which is the
// order ListObjects returns.
//
// buckets, objects, keys, refs and placement are replicated state: identical
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

	keyApplied = []byte("applied")
	keySchema  = []byte("schema")
)

// allBuckets are created when a database is opened.
var allBuckets = [][]byte{bucketMeta, bucketBuckets, bucketObjects, bucketKeys, bucketRefs, bucketGarbage, bucketPlace, bucketUnder}

// snapshotSections are the replicated buckets in snapshot order, with the tag
// each section carries in the stream. Tags are part of the snapshot format.
// Optional sections were added later: a snapshot from older code ends
// before them, and restoring it leaves those buckets empty.
var snapshotSections = []struct {
	tag      uint8
	name     []byte
	optional bool
}{
	{1, bucketBuckets, false},
	{2, bucketObjects, false},
	{3, bucketKeys, false},
	{4, bucketRefs, false},
	{5, bucketPlace, true},
}

// schemaVersion is the layout version stored under meta/schema.
const schemaVersion = 1

// recordVersion prefixes every record value.
const recordVersion = 1

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

// Object types on disk.
const (
	objTypeNormal     = 1
	objTypeAppendable = 2
)

func encodeObjectBody(e *encoder, o *Object) {
	e.varint(o.Size)
	e.str(o.ETag)
	e.bytes(o.MD5)
	e.u64(o.CRC64)
	switch o.Type {
	case TypeNormal:
		e.u8(objTypeNormal)
	case TypeAppendable:
		e.u8(objTypeAppendable)
	default:
		panic(fmt.Sprintf("meta: encode object: unknown type %q", o.Type))
	}
	e.varint(o.MTime)
	encodeMetadata(e, &o.Meta)
	e.uvarint(uint64(len(o.Segments)))
	for i := range o.Segments {
		encodeSegment(e, &o.Segments[i])
	}
}

// decodeObjectBody fills o. Without withSegments it stops before the
// segments (listings do not need them) and leaves the decoder mid-record.
func decodeObjectBody(d *decoder, o *Object, withSegments bool) {
	o.Size = d.varint()
	o.ETag = d.str()
	o.MD5 = d.bytes()
	o.CRC64 = d.u64()
	switch t := d.u8(); t {
	case objTypeNormal:
		o.Type = TypeNormal
	case objTypeAppendable:
		o.Type = TypeAppendable
	default:
		d.fail(fmt.Errorf("meta: unknown object type %d", t))
	}
	o.MTime = d.varint()
	o.Meta = decodeMetadata(d)
	if !withSegments {
		return
	}
	n := d.count()
	if d.err != nil || n == 0 {
		return
	}
	o.Segments = make([]Segment, n)
	for i := range o.Segments {
		o.Segments[i] = decodeSegment(d, true)
	}
}

// Segment kinds on disk and in commands. segPlaced (a blob segment with its
// replica list) appears only in commands of codec version 2; records never
// hold replicas (see Segment).
const (
	segInline = 0
	segBlob   = 1
	segPlaced = 2
)

func encodeSegment(e *encoder, s *Segment) {
	switch {
	case s.Inline():
		e.u8(segInline)
		e.bytes(s.Data)
	case len(s.Replicas) > 0:
		e.u8(segPlaced)
		e.str(s.Blob)
		e.varint(s.Size)
		e.strs(s.Replicas)
	default:
		e.u8(segBlob)
		e.str(s.Blob)
		e.varint(s.Size)
	}
	e.u64(s.CRC64)
}

func decodeSegment(d *decoder, withData bool) Segment {
	var s Segment
	switch k := d.u8(); k {
	case segInline:
		s.Data = d.bytes()
		s.Size = int64(len(s.Data))
		if !withData {
			s.Data = nil
		}
	case segBlob, segPlaced:
		s.Blob = d.str()
		s.Size = d.varint()
		if k == segPlaced {
			s.Replicas = d.strs()
			if d.err == nil && len(s.Replicas) == 0 {
				d.fail(fmt.Errorf("meta: placed segment without replicas"))
			}
		}
		if d.err == nil && s.Blob == "" {
			d.fail(fmt.Errorf("meta: blob segment without id"))
		}
	default:
		d.fail(fmt.Errorf("meta: unknown segment kind %d", k))
	}
	s.CRC64 = d.u64()
	return s
}

func encodeMetadata(e *encoder, m *Metadata) {
	e.str(m.ContentType)
	e.str(m.CacheControl)
	e.str(m.ContentDisposition)
	e.str(m.ContentEncoding)
	e.str(m.ContentLanguage)
	e.str(m.Expires)
	e.str(m.ACL)
	e.str(m.StorageClass)
	e.strMap(m.User)
}

func decodeMetadata(d *decoder) Metadata {
	return Metadata{
		ContentType:        d.str(),
		CacheControl:       d.str(),
		ContentDisposition: d.str(),
		ContentEncoding:    d.str(),
		ContentLanguage:    d.str(),
		Expires:            d.str(),
		ACL:                d.str(),
		StorageClass:       d.str(),
		User:               d.strMap(),
	}
}

// encodeObjectRecord is the value stored under objectKey.
func encodeObjectRecord(o *Object) []byte {
	e := encoder{b: make([]byte, 0, 128+inlineBytes(o))}
	e.u8(recordVersion)
	encodeObjectBody(&e, o)
	return e.b
}

func inlineBytes(o *Object) int {
	n := 0
	for _, s := range o.Segments {
		n += len(s.Data)
	}
	return n
}

// decodeObjectRecord parses a stored object record; k is its bbolt key.
func decodeObjectRecord(k, v []byte, withSegments bool) (Object, error) {
	var o Object
	bucket, key, ok := strings.Cut(string(k), "\x00")
	if !ok {
		return o, fmt.Errorf("meta: malformed object key %q", k)
	}
	o.Bucket, o.Key = bucket, key
	d := decoder{b: v}
	if d.u8() != recordVersion {
		return o, fmt.Errorf("meta: object %s/%s: unknown record version", bucket, key)
	}
	decodeObjectBody(&d, &o, withSegments)
	if withSegments {
		if err := d.done(); err != nil {
			return o, fmt.Errorf("meta: object %s/%s: %w", bucket, key, err)
		}
	} else if d.err != nil {
		return o, fmt.Errorf("meta: object %s/%s: %w", bucket, key, d.err)
	}
	return o, nil
}

func encodeBucketRecord(b *Bucket) []byte {
	e := encoder{}
	e.u8(recordVersion)
	e.varint(b.Created)
	e.str(b.ACL)
	e.str(b.StorageClass)
	e.str(b.Owner)
	e.varint(b.Objects)
	e.varint(b.Bytes)
	return e.b
}

func decodeBucketRecord(name, v []byte) (Bucket, error) {
	d := decoder{b: v}
	if d.u8() != recordVersion {
		return Bucket{}, fmt.Errorf("meta: bucket %s: unknown record version", name)
	}
	b := Bucket{
		Name:         string(name),
		Created:      d.varint(),
		ACL:          d.str(),
		StorageClass: d.str(),
		Owner:        d.str(),
		Objects:      d.varint(),
		Bytes:        d.varint(),
	}
	if err := d.done(); err != nil {
		return Bucket{}, fmt.Errorf("meta: bucket %s: %w", name, err)
	}
	return b, nil
}

func encodeKeyRecord(k *AccessKey) []byte {
	e := encoder{}
	e.u8(recordVersion)
	e.str(k.Secret)
	e.strMap(k.Grants)
	e.varint(k.Created)
	return e.b
}

func decodeKeyRecord(id, v []byte) (AccessKey, error) {
	d := decoder{b: v}
	if d.u8() != recordVersion {
		return AccessKey{}, fmt.Errorf("meta: key record: unknown record version")
	}
	k := AccessKey{ID: string(id), Secret: d.str(), Grants: d.strMap(), Created: d.varint()}
	if err := d.done(); err != nil {
		// The id is safe to name; the secret is never part of an error.
		return AccessKey{}, fmt.Errorf("meta: key %s: %w", id, err)
	}
	return k, nil
}

func encodeRefCount(n uint64) []byte { return binary.AppendUvarint(nil, n) }

func decodeRefCount(v []byte) uint64 {
	n, _ := binary.Uvarint(v)
	return n
}
