package record

import (
	"errors"
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record/etag"
)

// Multipart uploads. An upload is opened by CreateUpload, collects parts
// (PutPart; a part number uploaded again replaces the old part), and ends
// with CompleteUpload, which makes the parts' segments the segments of a
// Multipart object without moving a byte, or with AbortUpload. Part blobs
// are referenced from PutPart on, exactly like object blobs, so repair,
// scrub, the collector and the orphan sweeper treat them alike.

// Limits of multipart uploads, as OSS has them.
const (
	MinPartNumber = 1
	MaxPartNumber = 10000
	// MinPartSize is the smallest part but the last one at Complete.
	MinPartSize = 100 << 10
	// MaxPartSize is the largest part.
	MaxPartSize = 5 << 30
)

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

// CompletePart names one part of a CompleteUpload and the ETag the client
// has for it.
type CompletePart struct {
	Number int
	ETag   string
}

// CreateUpload opens upload ID for Bucket/Key.
type CreateUpload struct {
	Upload Upload
}

// PutPart stores Part in upload Bucket/Key/UploadID, replacing (and
// releasing) a part with the same number.
type PutPart struct {
	Bucket   string
	Key      string
	UploadID string
	Part     Part
}

// CompleteUpload makes the listed parts (all of them, in number order,
// with All) the object Bucket/Key, checked at apply time: ascending numbers
// (CodeInvalidPartOrder), each part present with the given ETag
// (CodeInvalidPart), every part but the last at least MinPartSize
// (CodeEntityTooSmall). Parts not listed are released, and so is the
// upload. An empty list (OSS accepts an empty document) makes an empty
// object. ForbidOverwrite adds to the upload's own; ACL, when set,
// replaces the one taken at initiation.
type CompleteUpload struct {
	Bucket          string
	Key             string
	UploadID        string
	Parts           []CompletePart
	All             bool
	ForbidOverwrite bool
	ACL             string
	MTime           int64
	// MD5 is the MD5 of the whole object for a Sequential upload, computed
	// by the proposer over the listed parts in order (their ETags, checked
	// here, pin the bytes it read), so that Apply reads no blob.
	MD5 []byte
	// The S3 fields (codec version 3). Checksum is the object's, computed
	// by the dialect from the parts'. IfMatch, when set, completes only
	// over an existing object with that ETag (CodeObjectNotFound when
	// there is none, CodePreconditionFailed when it differs). KeepPartSizes
	// records the chosen parts' sizes in the object: a field of the command
	// rather than a rule of Apply, so that every replica of one log builds
	// the same record whichever code version applies it (commands of older
	// proposers lack it, and their objects the sizes).
	Checksum      Checksum
	IfMatch       string
	KeepPartSizes bool
	// KeepPartChecksums (codec version 4) records the chosen parts'
	// checksum values in the object when the object has a checksum and
	// every chosen part has one of its algorithm; a field of the command
	// for the same reason as KeepPartSizes.
	KeepPartChecksums bool
}

// needsExt reports whether c has S3 fields to encode.
func (c *CompleteUpload) needsExt() bool {
	return !c.Checksum.IsZero() || c.IfMatch != "" || c.KeepPartSizes || c.KeepPartChecksums
}

// AbortUpload drops an upload and releases its parts.
type AbortUpload struct {
	Bucket   string
	Key      string
	UploadID string
}

// AbortStaleUploads aborts, in key order, at most Max uploads initiated
// before Before (unix nanoseconds, chosen by the proposer: Apply reads no
// clock). Result.Length is how many it aborted.
type AbortStaleUploads struct {
	Before int64
	Max    int
}

// Type implements Command.
func (*CreateUpload) Type() CommandType { return CmdCreateUpload }

// Type implements Command.
func (*PutPart) Type() CommandType { return CmdPutPart }

// Type implements Command.
func (*CompleteUpload) Type() CommandType { return CmdCompleteUpload }

// Type implements Command.
func (*AbortUpload) Type() CommandType { return CmdAbortUpload }

// Type implements Command.
func (*AbortStaleUploads) Type() CommandType { return CmdAbortStaleUploads }

func (c *CreateUpload) encode(e *encoder) {
	e.str(c.Upload.Bucket)
	e.str(c.Upload.Key)
	e.str(c.Upload.ID)
	encodeUploadBody(e, &c.Upload)
}

func (c *CreateUpload) decode(d *decoder) {
	c.Upload.Bucket = d.str()
	c.Upload.Key = d.str()
	c.Upload.ID = d.str()
	decodeUploadBody(d, &c.Upload)
}

func (c *PutPart) encode(e *encoder) {
	e.str(c.Bucket)
	e.str(c.Key)
	e.str(c.UploadID)
	e.uvarint(uint64(c.Part.Number))
	encodePartBody(e, &c.Part)
}

func (c *PutPart) decode(d *decoder) {
	c.Bucket = d.str()
	c.Key = d.str()
	c.UploadID = d.str()
	c.Part.Number = int(d.uvarint())
	decodePartBody(d, &c.Part)
}

// codecVersion: a part's blob segment carries its replica list the way
// PutObject's does; a checksum needs version 3.
func (c *PutPart) codecVersion() uint8 {
	if !c.Part.Checksum.IsZero() {
		return extVersion
	}
	if c.Part.Segment == nil {
		return 1
	}
	return segmentsVersion([]Segment{*c.Part.Segment})
}

// codecVersion: an upload that declares a checksum needs version 3, one
// with tags version 6.
func (c *CreateUpload) codecVersion() uint8 {
	if len(c.Upload.Tags) > 0 {
		return tagsVersion
	}
	if !c.Upload.Checksum.IsZero() {
		return extVersion
	}
	return 1
}

// codecVersion: the S3 fields need version 3, KeepPartChecksums 4.
func (c *CompleteUpload) codecVersion() uint8 {
	if c.KeepPartChecksums {
		return sumsVersion
	}
	if c.needsExt() {
		return extVersion
	}
	return 1
}

func (c *CompleteUpload) encode(e *encoder) {
	e.str(c.Bucket)
	e.str(c.Key)
	e.str(c.UploadID)
	e.uvarint(uint64(len(c.Parts)))
	for _, p := range c.Parts {
		e.uvarint(uint64(p.Number))
		e.str(p.ETag)
	}
	e.boolean(c.All)
	e.boolean(c.ForbidOverwrite)
	e.str(c.ACL)
	e.varint(c.MTime)
	if e.ext {
		// Version 3 writes the MD5 always (maybe empty), then the S3 fields.
		e.bytes(c.MD5)
		e.checksum(&c.Checksum)
		e.str(c.IfMatch)
		e.boolean(c.KeepPartSizes)
		if e.sums {
			e.boolean(c.KeepPartChecksums)
		}
		return
	}
	// Optional trailing field: commands without it encode as before.
	if len(c.MD5) > 0 {
		e.bytes(c.MD5)
	}
}

func (c *CompleteUpload) decode(d *decoder) {
	c.Bucket = d.str()
	c.Key = d.str()
	c.UploadID = d.str()
	if n := d.count(); d.err == nil && n > 0 {
		c.Parts = make([]CompletePart, n)
		for i := range c.Parts {
			c.Parts[i] = CompletePart{Number: int(d.uvarint()), ETag: d.str()}
		}
	}
	c.All = d.boolean()
	c.ForbidOverwrite = d.boolean()
	c.ACL = d.str()
	c.MTime = d.varint()
	if d.ext {
		if c.MD5 = d.bytes(); d.err == nil && len(c.MD5) != 0 && len(c.MD5) != 16 {
			d.fail(errors.New("record: complete upload: MD5 not 16 bytes"))
		}
		c.Checksum = d.checksum()
		c.IfMatch = d.str()
		c.KeepPartSizes = d.boolean()
		if d.sums {
			c.KeepPartChecksums = d.boolean()
		}
		return
	}
	// Present only when set, so canonical only as 16 bytes.
	if len(d.b) > 0 {
		if c.MD5 = d.bytes(); len(c.MD5) != 16 {
			d.fail(errors.New("record: complete upload: MD5 present but not 16 bytes"))
		}
	}
}

func (c *AbortUpload) encode(e *encoder) { e.str(c.Bucket); e.str(c.Key); e.str(c.UploadID) }
func (c *AbortUpload) decode(d *decoder) { c.Bucket = d.str(); c.Key = d.str(); c.UploadID = d.str() }

func (c *AbortStaleUploads) encode(e *encoder) { e.varint(c.Before); e.uvarint(uint64(c.Max)) }
func (c *AbortStaleUploads) decode(d *decoder) { c.Before = d.varint(); c.Max = int(d.uvarint()) }

func encodeUploadBody(e *encoder, u *Upload) {
	e.varint(u.Initiated)
	encodeMetadata(e, &u.Meta)
	e.boolean(u.ForbidOverwrite)
	if e.ext {
		// With the S3 fields the flag is always written, then the checksum.
		e.boolean(u.Sequential)
		e.checksum(&u.Checksum)
		if e.tags {
			e.strMap(u.Tags)
		}
		return
	}
	// Optional trailing field: records and commands of uploads that are not
	// sequential encode as before.
	if u.Sequential {
		e.boolean(true)
	}
}

func decodeUploadBody(d *decoder, u *Upload) {
	u.Initiated = d.varint()
	u.Meta = decodeMetadata(d)
	u.ForbidOverwrite = d.boolean()
	if d.ext {
		u.Sequential = d.boolean()
		u.Checksum = d.checksum()
		if d.tags {
			u.Tags = d.strMap()
		}
		return
	}
	// Present only when true, so canonical only as true.
	if len(d.b) > 0 {
		if u.Sequential = d.boolean(); !u.Sequential {
			d.fail(errors.New("record: upload: sequential flag present but false"))
		}
	}
}

func encodePartBody(e *encoder, p *Part) {
	e.varint(p.Size)
	e.bytes(p.MD5)
	e.u64(p.CRC64)
	e.varint(p.MTime)
	e.boolean(p.Segment != nil)
	if p.Segment != nil {
		encodeSegment(e, p.Segment)
	}
	if e.ext {
		e.checksum(&p.Checksum)
	}
}

func decodePartBody(d *decoder, p *Part) {
	p.Size = d.varint()
	p.MD5 = d.bytes()
	p.CRC64 = d.u64()
	p.MTime = d.varint()
	if d.boolean() {
		s := decodeSegment(d, true)
		p.Segment = &s
	}
	if d.ext {
		p.Checksum = d.checksum()
	}
}

// EncodeUpload returns the stored form of u. Bucket, Key and ID are not
// part of it: they are the record's key.
func EncodeUpload(u *Upload) []byte {
	e := encoder{}
	recordHeader(&e, !u.Checksum.IsZero(), false, len(u.Tags) > 0)
	encodeUploadBody(&e, u)
	return e.b
}

// DecodeUpload parses a stored upload record.
func DecodeUpload(bucket, key, id string, v []byte) (Upload, error) {
	u := Upload{Bucket: bucket, Key: key, ID: id}
	d := decoder{b: v}
	if !readRecordHeader(&d, false, true) {
		return u, fmt.Errorf("record: upload %s/%s/%s: unknown record version", bucket, key, id)
	}
	decodeUploadBody(&d, &u)
	if err := d.done(); err != nil {
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
	e := encoder{}
	recordHeader(&e, !c.Checksum.IsZero(), false, false)
	encodePartBody(&e, &c)
	return e.b
}

// DecodePart parses a stored part record, part number n.
func DecodePart(n int, v []byte) (Part, error) {
	p := Part{Number: n}
	d := decoder{b: v}
	if !readRecordHeader(&d, false, false) {
		return p, fmt.Errorf("record: part %d: unknown record version", n)
	}
	decodePartBody(&d, &p)
	if err := d.done(); err != nil {
		return p, fmt.Errorf("record: part %d: %w", n, err)
	}
	return p, nil
}
