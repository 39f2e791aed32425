package stored

import (
	"errors"
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record/etag"
	"github.com/koss-io/koss/storage/internal/meta/record/internal/wire"
)

// The records of multipart uploads (the commands that write them are
// package record's): an upload in progress and its parts.

// Upload is an upload in progress. Bucket, Key and ID are the record's key.
// Meta, the ACL and the storage class in it, and ForbidOverwrite are taken
// at initiation, as OSS takes them.
type Upload struct {
	Bucket          string
	Key             string
	ID              string
	Initiated       int64 // unix nanoseconds, from the command
	Meta            Metadata
	ForbidOverwrite bool
	// Sequential uploads (Initiate with ?sequential) take parts in
	// ascending number order only, and their object gets the MD5 of its
	// whole content, as OSS gives them a Content-MD5.
	Sequential bool // Checksum is the algorithm and type S3's CreateMultipartUpload
	// declared (no value).
	Checksum Checksum
	// Tags are the object tags given at initiation (x-oss-tagging): the
	// completed object gets them. Record version 4, codec version 6.
	Tags map[string]string
}

// Part is one uploaded part. Number is the record's key. Segment is the
// part's data (inline or a blob), nil for an empty part.
type Part struct {
	Number  int
	Size    int64
	MD5     []byte
	CRC64   uint64
	MTime   int64 // unix nanoseconds, from the command
	Segment *Segment
	// Checksum is the part's S3 flexible checksum, zero when none.
	Checksum Checksum
}

// ETag is the part's ETag: its MD5 in quoted upper-case hex, as OSS
// returns it.
func (p *Part) ETag() string { return etag.MD5(p.MD5) }

// MultipartETag is the ETag OSS gives a completed multipart object made of
// parts; see etag.Multipart.
func MultipartETag(parts []Part) string {
	sums := make([][]byte, len(parts))
	for i := range parts {
		sums[i] = parts[i].MD5
	}
	return etag.Multipart(sums)
}

// EncodeUploadBody writes an upload but its key: the body of an upload
// record and of CreateUpload.
func EncodeUploadBody(e *Encoder, u *Upload) {
	e.Varint(u.Initiated)
	EncodeMetadata(e, &u.Meta)
	e.Bool(u.ForbidOverwrite)
	if e.Ext {
		// With the S3 fields the flag is always written, then the checksum.
		e.Bool(u.Sequential)
		e.Checksum(&u.Checksum)
		if e.Tags {
			e.StrMap(u.Tags)
		}
		return
	}
	// Optional trailing field: records and commands of uploads that are not
	// sequential encode as before.
	if u.Sequential {
		e.Bool(true)
	}
}

// DecodeUploadBody reads what EncodeUploadBody wrote.
func DecodeUploadBody(d *Decoder, u *Upload) {
	u.Initiated = d.Varint()
	u.Meta = DecodeMetadata(d)
	u.ForbidOverwrite = d.Bool()
	if d.Ext {
		u.Sequential = d.Bool()
		u.Checksum = d.Checksum()
		if d.Tags {
			u.Tags = d.StrMap()
		}
		return
	}
	// Present only when true, so canonical only as true.
	if d.Len() > 0 {
		if u.Sequential = d.Bool(); !u.Sequential {
			d.Fail(errors.New("record: upload: sequential flag present but false"))
		}
	}
}

// EncodePartBody writes a part but its number: the body of a part record
// and of PutPart.
func EncodePartBody(e *Encoder, p *Part) {
	e.Varint(p.Size)
	e.Bytes(p.MD5)
	e.U64(p.CRC64)
	e.Varint(p.MTime)
	e.Bool(p.Segment != nil)
	if p.Segment != nil {
		EncodeSegment(e, p.Segment)
	}
	if e.Ext {
		e.Checksum(&p.Checksum)
	}
}

// DecodePartBody reads what EncodePartBody wrote.
func DecodePartBody(d *Decoder, p *Part) {
	p.Size = d.Varint()
	p.MD5 = d.Bytes()
	p.CRC64 = d.U64()
	p.MTime = d.Varint()
	if d.Bool() {
		s := DecodeSegment(d, true)
		p.Segment = &s
	}
	if d.Ext {
		p.Checksum = d.Checksum()
	}
}

// EncodeUpload returns the stored form of u. Bucket, Key and ID are not
// part of it: they are the record's key.
func EncodeUpload(u *Upload) []byte {
	e := Encoder{}
	recordHeader(&e, !u.Checksum.IsZero(), false, len(u.Tags) > 0)
	EncodeUploadBody(&e, u)
	return e.Buf
}

// DecodeUpload parses a stored upload record.
func DecodeUpload(bucket, key, id string, v []byte) (Upload, error) {
	u := Upload{Bucket: bucket, Key: key, ID: id}
	d := Decoder{Decoder: wire.NewDecoder(v)}
	if !readRecordHeader(&d, false, true) {
		return u, fmt.Errorf("record: upload %s/%s/%s: unknown record version", bucket, key, id)
	}
	DecodeUploadBody(&d, &u)
	if err := d.Done(); err != nil {
		return u, fmt.Errorf("record: upload %s/%s/%s: %w", bucket, key, id, err)
	}
	return u, nil
}

// EncodePart returns the stored form of p, without replica lists (the
// placement table holds them). Number is not part of it: it is the
// record's key.
func EncodePart(p *Part) []byte {
	c := *p
	if c.Segment != nil && len(c.Segment.Replicas) > 0 {
		s := *c.Segment
		s.Replicas = nil
		c.Segment = &s
	}
	e := Encoder{}
	recordHeader(&e, !c.Checksum.IsZero(), false, false)
	EncodePartBody(&e, &c)
	return e.Buf
}

// DecodePart parses a stored part record, part number n.
func DecodePart(n int, v []byte) (Part, error) {
	p := Part{Number: n}
	d := Decoder{Decoder: wire.NewDecoder(v)}
	if !readRecordHeader(&d, false, false) {
		return p, fmt.Errorf("record: part %d: unknown record version", n)
	}
	DecodePartBody(&d, &p)
	if err := d.Done(); err != nil {
		return p, fmt.Errorf("record: part %d: %w", n, err)
	}
	return p, nil
}
