package record

import "github.com/koss-io/koss/storage/internal/meta/record/internal/stored"

// The stored records are defined, with their encodings, in package
// internal/stored, which record's commands and results share them with
// (the body of a PutObject is an object record's). The names below are
// aliases, not new types, so that every importer keeps writing
// record.Object and record.Bucket and sees one data model, and so that
// the commands here can embed the records; see package stored for each
// type's documentation.
type (
	// Bucket is a bucket record with its counters.
	Bucket = stored.Bucket
	// Metadata is what a client stores with an object besides its bytes.
	Metadata = stored.Metadata
	// Segment is one contiguous piece of an object's content.
	Segment = stored.Segment
	// Object is an object record.
	Object = stored.Object
	// Checksum is an S3 flexible checksum of some content.
	Checksum = stored.Checksum
	// AccessKey is a stored access key.
	AccessKey = stored.AccessKey
	// Placement is where one blob is stored.
	Placement = stored.Placement
	// Upload is a multipart upload in progress.
	Upload = stored.Upload
	// Part is one uploaded part of an upload.
	Part = stored.Part
)

// Object types, spelled as OSS reports them (see package stored).
const (
	TypeNormal     = stored.TypeNormal
	TypeAppendable = stored.TypeAppendable
	TypeMultipart  = stored.TypeMultipart
	TypeSymlink    = stored.TypeSymlink
)

// ReplicationFactor is how many nodes should hold each blob.
const ReplicationFactor = stored.ReplicationFactor

// MultipartETag is the ETag OSS gives a completed multipart object made of
// parts; see etag.Multipart.
func MultipartETag(parts []Part) string { return stored.MultipartETag(parts) }

// EncodeObject returns the stored form of o. Bucket and Key are not part
// of it: they are the record's key.
func EncodeObject(o *Object) []byte { return stored.EncodeObject(o) }

// DecodeObject parses a stored object record, the object bucket/key.
func DecodeObject(bucket, key string, v []byte) (Object, error) {
	return stored.DecodeObject(bucket, key, v)
}

// DecodeObjectHead parses a stored object record but its segments:
// listings need neither them nor their inline bytes, so decoding stops
// before them.
func DecodeObjectHead(bucket, key string, v []byte) (Object, error) {
	return stored.DecodeObjectHead(bucket, key, v)
}

// EncodeBucket returns the stored form of b. Name is not part of it: it is
// the record's key. Each bucket record keeps the lowest version its value
// needs (see package stored).
func EncodeBucket(b *Bucket) []byte { return stored.EncodeBucket(b) }

// DecodeBucket parses a stored bucket record, the bucket name.
func DecodeBucket(name string, v []byte) (Bucket, error) { return stored.DecodeBucket(name, v) }

// EncodeAccessKey returns the stored form of k. ID is not part of it: it is
// the record's key.
func EncodeAccessKey(k *AccessKey) []byte { return stored.EncodeAccessKey(k) }

// DecodeAccessKey parses a stored key record, the key id.
func DecodeAccessKey(id string, v []byte) (AccessKey, error) { return stored.DecodeAccessKey(id, v) }

// EncodePlacement returns the stored form of p. Blob is not part of it: it
// is the record's key.
func EncodePlacement(p *Placement) []byte { return stored.EncodePlacement(p) }

// DecodePlacement parses a stored placement record, the blob id.
func DecodePlacement(id string, v []byte) (Placement, error) { return stored.DecodePlacement(id, v) }

// EncodeUpload returns the stored form of u. Bucket, Key and ID are not
// part of it: they are the record's key.
func EncodeUpload(u *Upload) []byte { return stored.EncodeUpload(u) }

// DecodeUpload parses a stored upload record.
func DecodeUpload(bucket, key, id string, v []byte) (Upload, error) {
	return stored.DecodeUpload(bucket, key, id, v)
}

// EncodePart returns the stored form of p, without replica lists (the
// placement table holds them). Number is not part of it: it is the
// record's key.
func EncodePart(p *Part) []byte { return stored.EncodePart(p) }

// DecodePart parses a stored part record, part number n.
func DecodePart(n int, v []byte) (Part, error) { return stored.DecodePart(n, v) }
