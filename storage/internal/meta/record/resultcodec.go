package record

import (
	"errors"
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record/internal/config"
	"github.com/koss-io/koss/storage/internal/meta/record/internal/stored"
	"github.com/koss-io/koss/storage/internal/meta/record/internal/wire"
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
// byte and its lifecycle configuration (stored.EncodeBucketTail).
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
	e := stored.Encoder{Encoder: wire.Encoder{Buf: make([]byte, 0, 64)}}
	lifecycle := r.Bucket != nil && r.Bucket.Lifecycle != nil
	switch {
	case lifecycle:
		e.U8(resultVersionLifecycle)
		e.Ext, e.Sums, e.Tags = true, true, true
	case r.Bucket != nil && r.Bucket.CORS != nil:
		e.U8(resultVersionCORS)
		e.Ext, e.Sums, e.Tags, e.CORS = true, true, true, true
	case (r.Object != nil && stored.NeedsTags(r.Object)) || (r.Bucket != nil && len(r.Bucket.Tags) > 0):
		e.U8(resultVersionTags)
		e.Ext, e.Sums, e.Tags = true, true, true
	case r.Object != nil && stored.NeedsSums(r.Object):
		e.U8(resultVersionSums)
		e.Ext, e.Sums = true, true
	case r.Object != nil && stored.NeedsExt(r.Object):
		e.U8(resultVersionExt)
		e.Ext = true
	default:
		e.U8(resultVersion)
	}
	// A leading 1 keeps the form distinct from an encoded nil.
	e.U8(1)
	e.U8(uint8(r.Code))
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
	e.U8(bits)
	e.Varint(r.Length)
	if o := r.Object; o != nil {
		e.Str(o.Bucket)
		e.Str(o.Key)
		e.Varint(o.Size)
		e.Str(o.ETag)
		e.Bytes(o.MD5)
		e.U64(o.CRC64)
		e.Str(o.Type)
		e.Varint(o.MTime)
		stored.EncodeMetadata(&e, &o.Meta)
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
		for _, s := range o.Segments {
			e.Str(s.Blob)
			e.Varint(s.Size)
			e.U64(s.CRC64)
			e.Bytes(s.Data)
		}
	}
	if b := r.Bucket; b != nil {
		e.Str(b.Name)
		e.Varint(b.Created)
		e.Str(b.ACL)
		e.Str(b.StorageClass)
		e.Str(b.Owner)
		e.Varint(b.Objects)
		e.Varint(b.Bytes)
		if e.Tags {
			e.StrMap(b.Tags)
		}
		if e.CORS {
			config.EncodeCORS(&e.Encoder, b.CORS)
		}
		if lifecycle {
			stored.EncodeBucketTail(&e, b)
		}
	}
	if k := r.Key; k != nil {
		e.Str(k.ID)
		e.Str(k.Secret)
		e.StrMap(k.Grants)
		e.Varint(k.Created)
	}
	return e.Buf
}

// DecodeResult parses bytes made by EncodeResult.
func DecodeResult(b []byte) (*Result, error) {
	d := stored.Decoder{Decoder: wire.NewDecoder(b)}
	lifecycle := false
	switch v := d.U8(); {
	case d.Err() != nil, v == resultVersion:
	case v == resultVersionExt:
		d.Ext = true
	case v == resultVersionSums:
		d.Ext, d.Sums = true, true
	case v == resultVersionTags:
		d.Ext, d.Sums, d.Tags = true, true, true
	case v == resultVersionCORS:
		d.Ext, d.Sums, d.Tags, d.CORS = true, true, true, true
	case v == resultVersionLifecycle:
		d.Ext, d.Sums, d.Tags, lifecycle = true, true, true, true
	default:
		return nil, fmt.Errorf("record: decode result: unknown version %d", v)
	}
	if d.U8() != 1 && d.Err() == nil {
		return nil, errors.New("record: decode result: nil result")
	}
	r := &Result{Code: Code(d.U8())}
	bits := d.U8()
	r.Length = d.Varint()
	if bits&resHasObject != 0 {
		o := &Object{
			Bucket: d.Str(),
			Key:    d.Str(),
			Size:   d.Varint(),
			ETag:   d.Str(),
			MD5:    d.Bytes(),
			CRC64:  d.U64(),
			Type:   d.Str(),
			MTime:  d.Varint(),
			Meta:   stored.DecodeMetadata(&d),
		}
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
		if n := d.Count(); d.Err() == nil && n > 0 {
			o.Segments = make([]Segment, n)
			for i := range o.Segments {
				o.Segments[i] = Segment{Blob: d.Str(), Size: d.Varint(), CRC64: d.U64(), Data: d.Bytes()}
			}
		}
		r.Object = o
	}
	if bits&resHasBucket != 0 {
		r.Bucket = &Bucket{
			Name:         d.Str(),
			Created:      d.Varint(),
			ACL:          d.Str(),
			StorageClass: d.Str(),
			Owner:        d.Str(),
			Objects:      d.Varint(),
			Bytes:        d.Varint(),
		}
		if d.Tags {
			r.Bucket.Tags = d.StrMap()
		}
		if d.CORS {
			r.Bucket.CORS = config.DecodeCORS(&d.Decoder)
		}
		if lifecycle {
			stored.DecodeBucketTail(&d, r.Bucket)
		}
	}
	if bits&resHasKey != 0 {
		r.Key = &AccessKey{ID: d.Str(), Secret: d.Str(), Grants: d.StrMap(), Created: d.Varint()}
	}
	if err := d.Done(); err != nil {
		return nil, fmt.Errorf("record: decode result: %w", err)
	}
	return r, nil
}
