package record

import (
	"errors"
	"fmt"
)

// The stored forms of records: the values of the state machine's bbolt
// buckets (which bucket and key hold each is the state machine's schema,
// not this package's business). Each starts with recordVersion; the
// encodings of an object's body, its segments and its metadata are shared
// with the commands that carry them.

// recordVersion prefixes every record value. recordVersionExt (2) marks
// an object, upload or part record that carries S3 fields (see
// encoder.ext); recordVersionSums (3) an object record that also carries
// its parts' checksums (encoder.sums); recordVersionTags (4) an object or
// upload record that also carries tags (and, for an object, a symlink
// target: encoder.tags). Records keep the lowest version their value
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
func recordHeader(e *encoder, ext, sums, tags bool) {
	e.ext, e.sums, e.tags = ext || sums || tags, sums || tags, tags
	switch {
	case tags:
		e.u8(recordVersionTags)
	case sums:
		e.u8(recordVersionSums)
	case ext:
		e.u8(recordVersionExt)
	default:
		e.u8(recordVersion)
	}
}

// readRecordHeader reads the version byte of a record that may carry S3
// fields, and reports whether it is one this code knows for this kind of
// record: version 3 only where sums says the kind has one (objects),
// version 4 only where tags says so (objects and uploads).
func readRecordHeader(d *decoder, sums, tags bool) bool {
	switch d.u8() {
	case recordVersion:
		return d.err == nil
	case recordVersionExt:
		d.ext = true
		return d.err == nil
	case recordVersionSums:
		d.ext, d.sums = sums, sums
		return sums && d.err == nil
	case recordVersionTags:
		d.ext, d.sums, d.tags = tags, sums && tags, tags
		return tags && d.err == nil
	default:
		return false
	}
}

// needsExt reports whether o has S3 fields to encode.
func (o *Object) needsExt() bool {
	return !o.Checksum.IsZero() || len(o.PartSizes) > 0 || o.needsSums()
}

// needsSums reports whether o has part checksums to encode.
func (o *Object) needsSums() bool { return len(o.PartChecksums) > 0 }

// needsTags reports whether o has tags or is a symlink: fields of record
// version 4 (codec version 6).
func (o *Object) needsTags() bool {
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
	case TypeMultipart:
		e.u8(objTypeMultipart)
	case TypeSymlink:
		if !e.tags {
			panic("record: encode object: a symlink needs an encoding with tags")
		}
		e.u8(objTypeSymlink)
	default:
		panic(fmt.Sprintf("record: encode object: unknown type %q", o.Type))
	}
	e.varint(o.MTime)
	encodeMetadata(e, &o.Meta)
	if e.ext {
		e.checksum(&o.Checksum)
		e.int64s(o.PartSizes)
	}
	if e.sums {
		e.strs(o.PartChecksums)
	}
	if e.tags {
		e.strMap(o.Tags)
		e.str(o.SymlinkTarget)
	}
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
	case objTypeMultipart:
		o.Type = TypeMultipart
	case objTypeSymlink:
		o.Type = TypeSymlink
		if !d.tags {
			d.fail(errors.New("record: symlink in an encoding without tags"))
		}
	default:
		d.fail(fmt.Errorf("record: unknown object type %d", t))
	}
	o.MTime = d.varint()
	o.Meta = decodeMetadata(d)
	if d.ext {
		o.Checksum = d.checksum()
		o.PartSizes = d.int64s()
	}
	if d.sums {
		o.PartChecksums = d.strs()
	}
	if d.tags {
		o.Tags = d.strMap()
		o.SymlinkTarget = d.str()
	}
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
				d.fail(errors.New("record: placed segment without replicas"))
			}
		}
		if d.err == nil && s.Blob == "" {
			d.fail(errors.New("record: blob segment without id"))
		}
	default:
		d.fail(fmt.Errorf("record: unknown segment kind %d", k))
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

// EncodeObject returns the stored form of o. Bucket and Key are not part
// of it: they are the record's key.
func EncodeObject(o *Object) []byte {
	e := encoder{b: make([]byte, 0, 128+inlineBytes(o))}
	recordHeader(&e, o.needsExt(), o.needsSums(), o.needsTags())
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
	d := decoder{b: v}
	if !readRecordHeader(&d, true, true) {
		return o, fmt.Errorf("record: object %s/%s: unknown record version", bucket, key)
	}
	decodeObjectBody(&d, &o, withSegments)
	if withSegments {
		if err := d.done(); err != nil {
			return o, fmt.Errorf("record: object %s/%s: %w", bucket, key, err)
		}
	} else if d.err != nil {
		return o, fmt.Errorf("record: object %s/%s: %w", bucket, key, d.err)
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
	e := encoder{}
	switch {
	case b.Lifecycle != nil:
		e.u8(bucketVersionLifecycle)
	case b.CORS != nil:
		e.u8(bucketVersionCORS)
	case len(b.Tags) > 0:
		e.u8(bucketVersionTags)
	default:
		e.u8(recordVersion)
	}
	e.varint(b.Created)
	e.str(b.ACL)
	e.str(b.StorageClass)
	e.str(b.Owner)
	e.varint(b.Objects)
	e.varint(b.Bytes)
	if len(b.Tags) > 0 || b.CORS != nil || b.Lifecycle != nil {
		e.strMap(b.Tags)
	}
	if b.Lifecycle != nil {
		encodeBucketTail(&e, b)
	} else if b.CORS != nil {
		encodeCORS(&e, b.CORS)
	}
	return e.b
}

// DecodeBucket parses a stored bucket record, the bucket name.
func DecodeBucket(name string, v []byte) (Bucket, error) {
	d := decoder{b: v}
	version := d.u8()
	if version < recordVersion || version > bucketVersionLifecycle {
		return Bucket{}, fmt.Errorf("record: bucket %s: unknown record version", name)
	}
	b := Bucket{
		Name:         name,
		Created:      d.varint(),
		ACL:          d.str(),
		StorageClass: d.str(),
		Owner:        d.str(),
		Objects:      d.varint(),
		Bytes:        d.varint(),
	}
	switch version {
	case bucketVersionTags:
		// Version 2 exists only for tags: none would re-encode as 1.
		if b.Tags = d.strMap(); d.err == nil && len(b.Tags) == 0 {
			d.fail(errors.New("record: bucket record of version 2 without tags"))
		}
	case bucketVersionCORS:
		// Version 3 exists only for CORS: a record without rules would
		// re-encode as 1 or 2.
		b.Tags = d.strMap()
		if b.CORS = decodeCORS(&d); d.err == nil && len(b.CORS.Rules) == 0 {
			d.fail(errors.New("record: bucket record of version 3 without CORS rules"))
		}
	case bucketVersionLifecycle:
		// Version 4 exists only for lifecycle rules.
		b.Tags = d.strMap()
		decodeBucketTail(&d, &b)
		if d.err == nil && (len(b.Lifecycle.Rules) == 0 || (b.CORS != nil && len(b.CORS.Rules) == 0)) {
			d.fail(errors.New("record: bucket record of version 4 without lifecycle rules, or with empty CORS"))
		}
	}
	if err := d.done(); err != nil {
		return Bucket{}, fmt.Errorf("record: bucket %s: %w", name, err)
	}
	return b, nil
}

// EncodeAccessKey returns the stored form of k. ID is not part of it: it is
// the record's key.
func EncodeAccessKey(k *AccessKey) []byte {
	e := encoder{}
	e.u8(recordVersion)
	e.str(k.Secret)
	e.strMap(k.Grants)
	e.varint(k.Created)
	return e.b
}

// DecodeAccessKey parses a stored key record, the key id.
func DecodeAccessKey(id string, v []byte) (AccessKey, error) {
	d := decoder{b: v}
	if d.u8() != recordVersion {
		return AccessKey{}, fmt.Errorf("record: key record: unknown record version")
	}
	k := AccessKey{ID: id, Secret: d.str(), Grants: d.strMap(), Created: d.varint()}
	if err := d.done(); err != nil {
		// The id is safe to name; the secret is never part of an error.
		return AccessKey{}, fmt.Errorf("record: key %s: %w", id, err)
	}
	return k, nil
}

// EncodePlacement returns the stored form of p. Blob is not part of it: it
// is the record's key.
func EncodePlacement(p *Placement) []byte {
	e := encoder{}
	e.u8(recordVersion)
	e.varint(p.Size)
	e.u64(p.CRC64)
	e.strs(p.Replicas)
	return e.b
}

// DecodePlacement parses a stored placement record, the blob id.
func DecodePlacement(id string, v []byte) (Placement, error) {
	d := decoder{b: v}
	if d.u8() != recordVersion {
		return Placement{}, fmt.Errorf("record: placement %s: unknown record version", id)
	}
	p := Placement{Blob: id, Size: d.varint(), CRC64: d.u64(), Replicas: d.strs()}
	if err := d.done(); err != nil {
		return Placement{}, fmt.Errorf("record: placement %s: %w", id, err)
	}
	return p, nil
}
