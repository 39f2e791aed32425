package stored

import (
	"errors"
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record/internal/config"
	"github.com/koss-io/koss/storage/internal/meta/record/internal/wire"
)

// The stored forms of records: the values of the state machine's bbolt
// buckets (which bucket and key hold each is the state machine's schema,
// not this package's business). Each starts with recordVersion; the
// encodings of an object's body, its segments and its metadata are shared
// with the commands that carry them.

// recordVersion prefixes every record value. recordVersionExt (2) marks
// an object, upload or part record that carries S3 fields (see
// Encoder.Ext); recordVersionSums (3) an object record that also carries
// its parts' checksums (Encoder.Sums); recordVersionTags (4) an object or
// upload record that also carries tags (and, for an object, a symlink
// target: Encoder.Tags). Records keep the lowest version their value
// needs, so old values keep their bytes, and every version decodes.
//
// Bucket records have their own numbering: 1, or bucketVersionTags (2)
// for a bucket with tags, or bucketVersionCORS (3) for a bucket with a
// CORS configuration (and perhaps tags).
const (
	recordVersion     = 1
	recordVersionExt  = 2
	recordVersionSums = 3
	recordVersionTags = 4
	bucketVersionTags = 2
	bucketVersionCORS = 3
	// bucketVersionLifecycle (4): a bucket with a lifecycle configuration.
	bucketVersionLifecycle = 4
)

// recordHeader writes a record's version byte: 4 when tags, 3 when sums,
// 2 when ext, else 1. Version 4 carries every field of the versions below
// it (an upload has no part checksums to write, so sums changes nothing
// there).
func recordHeader(e *Encoder, ext, sums, tags bool) {
	e.Ext, e.Sums, e.Tags = ext || sums || tags, sums || tags, tags
	switch {
	case tags:
		e.U8(recordVersionTags)
	case sums:
		e.U8(recordVersionSums)
	case ext:
		e.U8(recordVersionExt)
	default:
		e.U8(recordVersion)
	}
}

// readRecordHeader reads the version byte of a record that may carry S3
// fields, and reports whether it is one this code knows for this kind of
// record: version 3 only where sums says the kind has one (objects),
// version 4 only where tags says so (objects and uploads).
func readRecordHeader(d *Decoder, sums, tags bool) bool {
	switch d.U8() {
	case recordVersion:
		return d.Err() == nil
	case recordVersionExt:
		d.Ext = true
		return d.Err() == nil
	case recordVersionSums:
		d.Ext, d.Sums = sums, sums
		return sums && d.Err() == nil
	case recordVersionTags:
		d.Ext, d.Sums, d.Tags = tags, sums && tags, tags
		return tags && d.Err() == nil
	default:
		return false
	}
}

// NeedsExt reports whether o has S3 fields to encode.
func NeedsExt(o *Object) bool {
	return !o.Checksum.IsZero() || len(o.PartSizes) > 0 || NeedsSums(o)
}

// NeedsSums reports whether o has part checksums to encode.
func NeedsSums(o *Object) bool { return len(o.PartChecksums) > 0 }

// NeedsTags reports whether o has tags or is a symlink: fields of record
// version 4 (codec version 6).
func NeedsTags(o *Object) bool {
	return len(o.Tags) > 0 || o.SymlinkTarget != "" || o.Type == TypeSymlink
}

// Object types on disk. objTypeSymlink appears only in encodings that
// carry tags (record version 4, codec version 6), with the target.
const (
	objTypeNormal     = 1
	objTypeAppendable = 2
	objTypeMultipart  = 3
	objTypeSymlink    = 4
)

// EncodeObjectBody writes an object but its bucket and key: the body of an
// object record and of PutObject.
func EncodeObjectBody(e *Encoder, o *Object) {
	e.Varint(o.Size)
	e.Str(o.ETag)
	e.Bytes(o.MD5)
	e.U64(o.CRC64)
	switch o.Type {
	case TypeNormal:
		e.U8(objTypeNormal)
	case TypeAppendable:
		e.U8(objTypeAppendable)
	case TypeMultipart:
		e.U8(objTypeMultipart)
	case TypeSymlink:
		if !e.Tags {
			panic("record: encode object: a symlink needs an encoding with tags")
		}
		e.U8(objTypeSymlink)
	default:
		panic(fmt.Sprintf("record: encode object: unknown type %q", o.Type))
	}
	e.Varint(o.MTime)
	EncodeMetadata(e, &o.Meta)
	if e.Ext {
		e.Checksum(&o.Checksum)
		e.Int64s(o.PartSizes)
	}
	if e.Sums {
		e.Strs(o.PartChecksums)
	}
	if e.Tags {
		e.StrMap(o.Tags)
		e.Str(o.SymlinkTarget)
	}
	e.Uvarint(uint64(len(o.Segments)))
	for i := range o.Segments {
		EncodeSegment(e, &o.Segments[i])
	}
}

// DecodeObjectBody fills o. Without withSegments it stops before the
// segments (listings do not need them) and leaves the decoder mid-record.
func DecodeObjectBody(d *Decoder, o *Object, withSegments bool) {
	o.Size = d.Varint()
	o.ETag = d.Str()
	o.MD5 = d.Bytes()
	o.CRC64 = d.U64()
	switch t := d.U8(); t {
	case objTypeNormal:
		o.Type = TypeNormal
	case objTypeAppendable:
		o.Type = TypeAppendable
	case objTypeMultipart:
		o.Type = TypeMultipart
	case objTypeSymlink:
		o.Type = TypeSymlink
		if !d.Tags {
			d.Fail(errors.New("record: symlink in an encoding without tags"))
		}
	default:
		d.Fail(fmt.Errorf("record: unknown object type %d", t))
	}
	o.MTime = d.Varint()
	o.Meta = DecodeMetadata(d)
	if d.Ext {
		o.Checksum = d.Checksum()
		o.PartSizes = d.Int64s()
	}
	if d.Sums {
		o.PartChecksums = d.Strs()
	}
	if d.Tags {
		o.Tags = d.StrMap()
		o.SymlinkTarget = d.Str()
	}
	if !withSegments {
		return
	}
	n := d.Count()
	if d.Err() != nil || n == 0 {
		return
	}
	o.Segments = make([]Segment, n)
	for i := range o.Segments {
		o.Segments[i] = DecodeSegment(d, true)
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

// EncodeSegment writes one segment, with its replica list only when it
// has one (segPlaced, commands only).
func EncodeSegment(e *Encoder, s *Segment) {
	switch {
	case s.Inline():
		e.U8(segInline)
		e.Bytes(s.Data)
	case len(s.Replicas) > 0:
		e.U8(segPlaced)
		e.Str(s.Blob)
		e.Varint(s.Size)
		e.Strs(s.Replicas)
	default:
		e.U8(segBlob)
		e.Str(s.Blob)
		e.Varint(s.Size)
	}
	e.U64(s.CRC64)
}

// DecodeSegment reads what EncodeSegment wrote; without withData it drops
// inline bytes (keeping their length).
func DecodeSegment(d *Decoder, withData bool) Segment {
	var s Segment
	switch k := d.U8(); k {
	case segInline:
		s.Data = d.Bytes()
		s.Size = int64(len(s.Data))
		if !withData {
			s.Data = nil
		}
	case segBlob, segPlaced:
		s.Blob = d.Str()
		s.Size = d.Varint()
		if k == segPlaced {
			s.Replicas = d.Strs()
			if d.Err() == nil && len(s.Replicas) == 0 {
				d.Fail(errors.New("record: placed segment without replicas"))
			}
		}
		if d.Err() == nil && s.Blob == "" {
			d.Fail(errors.New("record: blob segment without id"))
		}
	default:
		d.Fail(fmt.Errorf("record: unknown segment kind %d", k))
	}
	s.CRC64 = d.U64()
	return s
}

// EncodeMetadata writes an object's metadata, in records, commands and
// results alike.
func EncodeMetadata(e *Encoder, m *Metadata) {
	e.Str(m.ContentType)
	e.Str(m.CacheControl)
	e.Str(m.ContentDisposition)
	e.Str(m.ContentEncoding)
	e.Str(m.ContentLanguage)
	e.Str(m.Expires)
	e.Str(m.ACL)
	e.Str(m.StorageClass)
	e.StrMap(m.User)
}

// DecodeMetadata reads what EncodeMetadata wrote.
func DecodeMetadata(d *Decoder) Metadata {
	return Metadata{
		ContentType:        d.Str(),
		CacheControl:       d.Str(),
		ContentDisposition: d.Str(),
		ContentEncoding:    d.Str(),
		ContentLanguage:    d.Str(),
		Expires:            d.Str(),
		ACL:                d.Str(),
		StorageClass:       d.Str(),
		User:               d.StrMap(),
	}
}

// EncodeObject returns the stored form of o. Bucket and Key are not part
// of it: they are the record's key.
func EncodeObject(o *Object) []byte {
	e := Encoder{Encoder: wire.Encoder{Buf: make([]byte, 0, 128+inlineBytes(o))}}
	recordHeader(&e, NeedsExt(o), NeedsSums(o), NeedsTags(o))
	EncodeObjectBody(&e, o)
	return e.Buf
}

func inlineBytes(o *Object) int {
	n := 0
	for _, s := range o.Segments {
		n += len(s.Data)
	}
	return n
}

// DecodeObject parses a stored object record, the object bucket/key.
func DecodeObject(bucket, key string, v []byte) (Object, error) {
	return decodeObject(bucket, key, v, true)
}

// DecodeObjectHead parses a stored object record but its segments:
// listings need neither them nor their inline bytes, so decoding stops
// before them.
func DecodeObjectHead(bucket, key string, v []byte) (Object, error) {
	return decodeObject(bucket, key, v, false)
}

func decodeObject(bucket, key string, v []byte, withSegments bool) (Object, error) {
	o := Object{Bucket: bucket, Key: key}
	d := Decoder{Decoder: wire.NewDecoder(v)}
	if !readRecordHeader(&d, true, true) {
		return o, fmt.Errorf("record: object %s/%s: unknown record version", bucket, key)
	}
	DecodeObjectBody(&d, &o, withSegments)
	if withSegments {
		if err := d.Done(); err != nil {
			return o, fmt.Errorf("record: object %s/%s: %w", bucket, key, err)
		}
	} else if d.Err() != nil {
		return o, fmt.Errorf("record: object %s/%s: %w", bucket, key, d.Err())
	}
	return o, nil
}

// EncodeBucket returns the stored form of b. Name is not part of it: it is
// the record's key. A bucket without tags or CORS keeps version 1 and its
// old bytes; one with tags and no CORS is version 2, the tags last; one
// with CORS is version 3: the tags (perhaps none), then the CORS
// configuration; one with a lifecycle configuration is version 4: the
// tags (perhaps none), whether a CORS configuration follows and it, then
// the lifecycle configuration.
func EncodeBucket(b *Bucket) []byte {
	e := Encoder{}
	switch {
	case b.Lifecycle != nil:
		e.U8(bucketVersionLifecycle)
	case b.CORS != nil:
		e.U8(bucketVersionCORS)
	case len(b.Tags) > 0:
		e.U8(bucketVersionTags)
	default:
		e.U8(recordVersion)
	}
	e.Varint(b.Created)
	e.Str(b.ACL)
	e.Str(b.StorageClass)
	e.Str(b.Owner)
	e.Varint(b.Objects)
	e.Varint(b.Bytes)
	if len(b.Tags) > 0 || b.CORS != nil || b.Lifecycle != nil {
		e.StrMap(b.Tags)
	}
	if b.Lifecycle != nil {
		EncodeBucketTail(&e, b)
	} else if b.CORS != nil {
		config.EncodeCORS(&e.Encoder, b.CORS)
	}
	return e.Buf
}

// DecodeBucket parses a stored bucket record, the bucket name.
func DecodeBucket(name string, v []byte) (Bucket, error) {
	d := Decoder{Decoder: wire.NewDecoder(v)}
	version := d.U8()
	if version < recordVersion || version > bucketVersionLifecycle {
		return Bucket{}, fmt.Errorf("record: bucket %s: unknown record version", name)
	}
	b := Bucket{
		Name:         name,
		Created:      d.Varint(),
		ACL:          d.Str(),
		StorageClass: d.Str(),
		Owner:        d.Str(),
		Objects:      d.Varint(),
		Bytes:        d.Varint(),
	}
	switch version {
	case bucketVersionTags:
		// Version 2 exists only for tags: none would re-encode as 1.
		if b.Tags = d.StrMap(); d.Err() == nil && len(b.Tags) == 0 {
			d.Fail(errors.New("record: bucket record of version 2 without tags"))
		}
	case bucketVersionCORS:
		// Version 3 exists only for CORS: a record without rules would
		// re-encode as 1 or 2.
		b.Tags = d.StrMap()
		if b.CORS = config.DecodeCORS(&d.Decoder); d.Err() == nil && len(b.CORS.Rules) == 0 {
			d.Fail(errors.New("record: bucket record of version 3 without CORS rules"))
		}
	case bucketVersionLifecycle:
		// Version 4 exists only for lifecycle rules.
		b.Tags = d.StrMap()
		DecodeBucketTail(&d, &b)
		if d.Err() == nil && (len(b.Lifecycle.Rules) == 0 || (b.CORS != nil && len(b.CORS.Rules) == 0)) {
			d.Fail(errors.New("record: bucket record of version 4 without lifecycle rules, or with empty CORS"))
		}
	}
	if err := d.Done(); err != nil {
		return Bucket{}, fmt.Errorf("record: bucket %s: %w", name, err)
	}
	return b, nil
}

// EncodeAccessKey returns the stored form of k. ID is not part of it: it is
// the record's key.
func EncodeAccessKey(k *AccessKey) []byte {
	e := Encoder{}
	e.U8(recordVersion)
	e.Str(k.Secret)
	e.StrMap(k.Grants)
	e.Varint(k.Created)
	return e.Buf
}

// DecodeAccessKey parses a stored key record, the key id.
func DecodeAccessKey(id string, v []byte) (AccessKey, error) {
	d := Decoder{Decoder: wire.NewDecoder(v)}
	if d.U8() != recordVersion {
		return AccessKey{}, fmt.Errorf("record: key record: unknown record version")
	}
	k := AccessKey{ID: id, Secret: d.Str(), Grants: d.StrMap(), Created: d.Varint()}
	if err := d.Done(); err != nil {
		// The id is safe to name; the secret is never part of an error.
		return AccessKey{}, fmt.Errorf("record: key %s: %w", id, err)
	}
	return k, nil
}

// EncodePlacement returns the stored form of p. Blob is not part of it: it
// is the record's key.
func EncodePlacement(p *Placement) []byte {
	e := Encoder{}
	e.U8(recordVersion)
	e.Varint(p.Size)
	e.U64(p.CRC64)
	e.Strs(p.Replicas)
	return e.Buf
}

// DecodePlacement parses a stored placement record, the blob id.
func DecodePlacement(id string, v []byte) (Placement, error) {
	d := Decoder{Decoder: wire.NewDecoder(v)}
	if d.U8() != recordVersion {
		return Placement{}, fmt.Errorf("record: placement %s: unknown record version", id)
	}
	p := Placement{Blob: id, Size: d.Varint(), CRC64: d.U64(), Replicas: d.Strs()}
	if err := d.Done(); err != nil {
		return Placement{}, fmt.Errorf("record: placement %s: %w", id, err)
	}
	return p, nil
}

// EncodeBucketTail writes what follows a bucket's tags in a version 4
// bucket record and a version 6 result: its CORS configuration if any
// (after a presence byte), then its lifecycle configuration.
func EncodeBucketTail(e *Encoder, b *Bucket) {
	e.Bool(b.CORS != nil)
	if b.CORS != nil {
		config.EncodeCORS(&e.Encoder, b.CORS)
	}
	config.EncodeLifecycle(&e.Encoder, b.Lifecycle)
}

// DecodeBucketTail reads what EncodeBucketTail wrote into b.
func DecodeBucketTail(d *Decoder, b *Bucket) {
	if d.Bool() {
		b.CORS = config.DecodeCORS(&d.Decoder)
	}
	b.Lifecycle = config.DecodeLifecycle(&d.Decoder)
}
