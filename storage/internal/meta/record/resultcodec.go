package record

import (
	"errors"
	"fmt"
)

// resultVersion is the first byte of an encoded Result; resultVersionExt
// (2) that of a Result whose object carries S3 fields (Checksum,
// PartSizes), which follow its metadata. Results without them keep
// version 1 and their old bytes. resultVersionSums (3) is that of a Result
// whose object also carries its part checksums (after PartSizes).
// resultVersionTags (4) that of a Result whose object has tags or is a
// symlink, or whose bucket has tags: all of the above, then the object's
// tags and symlink target after its part checksums, and the bucket's tags
// after its counters. resultVersionCORS (5) that of a Result whose bucket
// has a CORS configuration: all of version 4, then the bucket's CORS
// configuration after its tags. resultVersionLifecycle (6) that of a
// Result whose bucket has a lifecycle configuration: all of version 4,
// then after the bucket's tags its CORS configuration behind a presence
// byte and its lifecycle configuration (encodeBucketTail).
const (
	resultVersion          = 1
	resultVersionExt       = 2
	resultVersionSums      = 3
	resultVersionTags      = 4
	resultVersionCORS      = 5
	resultVersionLifecycle = 6
)

// ResultCodec encodes the Results of Apply for the wire: when a follower
// forwards a command to the leader, the leader's result comes back in this
// form. It implements consensus.ResultCodec; the zero value is ready to use.
type ResultCodec struct{}

// EncodeResult encodes v, which must be a *Result (or nil, for entries that
// have no result).
func (ResultCodec) EncodeResult(v any) ([]byte, error) {
	if v == nil {
		return []byte{resultVersion, 0}, nil
	}
	r, ok := v.(*Result)
	if !ok {
		return nil, fmt.Errorf("record: encode result: unexpected type %T", v)
	}
	if r == nil {
		return []byte{resultVersion, 0}, nil
	}
	return EncodeResult(r), nil
}

// DecodeResult decodes what EncodeResult made; it returns a *Result, or a
// nil interface for an encoded nil.
func (ResultCodec) DecodeResult(b []byte) (any, error) {
	if len(b) == 2 && b[0] == resultVersion && b[1] == 0 {
		return nil, nil
	}
	r, err := DecodeResult(b)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Presence bits of a Result's optional parts.
const (
	resHasObject = 1 << iota
	resHasBucket
	resHasKey
)

// EncodeResult returns the wire form of r:
// [version][code][presence bits][length][object?][bucket?][key?].
func EncodeResult(r *Result) []byte {
	e := encoder{b: make([]byte, 0, 64)}
	lifecycle := r.Bucket != nil && r.Bucket.Lifecycle != nil
	switch {
	case lifecycle:
		e.u8(resultVersionLifecycle)
		e.ext, e.sums, e.tags = true, true, true
	case r.Bucket != nil && r.Bucket.CORS != nil:
		e.u8(resultVersionCORS)
		e.ext, e.sums, e.tags, e.cors = true, true, true, true
	case (r.Object != nil && r.Object.needsTags()) || (r.Bucket != nil && len(r.Bucket.Tags) > 0):
		e.u8(resultVersionTags)
		e.ext, e.sums, e.tags = true, true, true
	case r.Object != nil && r.Object.needsSums():
		e.u8(resultVersionSums)
		e.ext, e.sums = true, true
	case r.Object != nil && r.Object.needsExt():
		e.u8(resultVersionExt)
		e.ext = true
	default:
		e.u8(resultVersion)
	}
	// A leading 1 keeps the form distinct from an encoded nil.
	e.u8(1)
	e.u8(uint8(r.Code))
	var bits uint8
	if r.Object != nil {
		bits |= resHasObject
	}
	if r.Bucket != nil {
		bits |= resHasBucket
	}
	if r.Key != nil {
		bits |= resHasKey
	}
	e.u8(bits)
	e.varint(r.Length)
	if o := r.Object; o != nil {
		e.str(o.Bucket)
		e.str(o.Key)
		e.varint(o.Size)
		e.str(o.ETag)
		e.bytes(o.MD5)
		e.u64(o.CRC64)
		e.str(o.Type)
		e.varint(o.MTime)
		encodeMetadata(&e, &o.Meta)
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
		for _, s := range o.Segments {
			e.str(s.Blob)
			e.varint(s.Size)
			e.u64(s.CRC64)
			e.bytes(s.Data)
		}
	}
	if b := r.Bucket; b != nil {
		e.str(b.Name)
		e.varint(b.Created)
		e.str(b.ACL)
		e.str(b.StorageClass)
		e.str(b.Owner)
		e.varint(b.Objects)
		e.varint(b.Bytes)
		if e.tags {
			e.strMap(b.Tags)
		}
		if e.cors {
			encodeCORS(&e, b.CORS)
		}
		if lifecycle {
			encodeBucketTail(&e, b)
		}
	}
	if k := r.Key; k != nil {
		e.str(k.ID)
		e.str(k.Secret)
		e.strMap(k.Grants)
		e.varint(k.Created)
	}
	return e.b
}

// DecodeResult parses bytes made by EncodeResult.
func DecodeResult(b []byte) (*Result, error) {
	d := decoder{b: b}
	lifecycle := false
	switch v := d.u8(); {
	case d.err != nil, v == resultVersion:
	case v == resultVersionExt:
		d.ext = true
	case v == resultVersionSums:
		d.ext, d.sums = true, true
	case v == resultVersionTags:
		d.ext, d.sums, d.tags = true, true, true
	case v == resultVersionCORS:
		d.ext, d.sums, d.tags, d.cors = true, true, true, true
	case v == resultVersionLifecycle:
		d.ext, d.sums, d.tags, lifecycle = true, true, true, true
	default:
		return nil, fmt.Errorf("record: decode result: unknown version %d", v)
	}
	if d.u8() != 1 && d.err == nil {
		return nil, errors.New("record: decode result: nil result")
	}
	r := &Result{Code: Code(d.u8())}
	bits := d.u8()
	r.Length = d.varint()
	if bits&resHasObject != 0 {
		o := &Object{
			Bucket: d.str(),
			Key:    d.str(),
			Size:   d.varint(),
			ETag:   d.str(),
			MD5:    d.bytes(),
			CRC64:  d.u64(),
			Type:   d.str(),
			MTime:  d.varint(),
			Meta:   decodeMetadata(&d),
		}
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
		if n := d.count(); d.err == nil && n > 0 {
			o.Segments = make([]Segment, n)
			for i := range o.Segments {
				o.Segments[i] = Segment{Blob: d.str(), Size: d.varint(), CRC64: d.u64(), Data: d.bytes()}
			}
		}
		r.Object = o
	}
	if bits&resHasBucket != 0 {
		r.Bucket = &Bucket{
			Name:         d.str(),
			Created:      d.varint(),
			ACL:          d.str(),
			StorageClass: d.str(),
			Owner:        d.str(),
			Objects:      d.varint(),
			Bytes:        d.varint(),
		}
		if d.tags {
			r.Bucket.Tags = d.strMap()
		}
		if d.cors {
			r.Bucket.CORS = decodeCORS(&d)
		}
		if lifecycle {
			decodeBucketTail(&d, r.Bucket)
		}
	}
	if bits&resHasKey != 0 {
		r.Key = &AccessKey{ID: d.str(), Secret: d.str(), Grants: d.strMap(), Created: d.varint()}
	}
	if err := d.done(); err != nil {
		return nil, fmt.Errorf("record: decode result: %w", err)
	}
	return r, nil
}
