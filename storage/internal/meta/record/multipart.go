package record

import (
	"errors"

	"github.com/koss-io/koss/storage/internal/meta/record/internal/stored"
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

func (c *CreateUpload) encode(e *stored.Encoder) {
	e.Str(c.Upload.Bucket)
	e.Str(c.Upload.Key)
	e.Str(c.Upload.ID)
	stored.EncodeUploadBody(e, &c.Upload)
}

func (c *CreateUpload) decode(d *stored.Decoder) {
	c.Upload.Bucket = d.Str()
	c.Upload.Key = d.Str()
	c.Upload.ID = d.Str()
	stored.DecodeUploadBody(d, &c.Upload)
}

func (c *PutPart) encode(e *stored.Encoder) {
	e.Str(c.Bucket)
	e.Str(c.Key)
	e.Str(c.UploadID)
	e.Uvarint(uint64(c.Part.Number))
	stored.EncodePartBody(e, &c.Part)
}

func (c *PutPart) decode(d *stored.Decoder) {
	c.Bucket = d.Str()
	c.Key = d.Str()
	c.UploadID = d.Str()
	c.Part.Number = int(d.Uvarint())
	stored.DecodePartBody(d, &c.Part)
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

func (c *CompleteUpload) encode(e *stored.Encoder) {
	e.Str(c.Bucket)
	e.Str(c.Key)
	e.Str(c.UploadID)
	e.Uvarint(uint64(len(c.Parts)))
	for _, p := range c.Parts {
		e.Uvarint(uint64(p.Number))
		e.Str(p.ETag)
	}
	e.Bool(c.All)
	e.Bool(c.ForbidOverwrite)
	e.Str(c.ACL)
	e.Varint(c.MTime)
	if e.Ext {
		// Version 3 writes the MD5 always (maybe empty), then the S3 fields.
		e.Bytes(c.MD5)
		e.Checksum(&c.Checksum)
		e.Str(c.IfMatch)
		e.Bool(c.KeepPartSizes)
		if e.Sums {
			e.Bool(c.KeepPartChecksums)
		}
		return
	}
	// Optional trailing field: commands without it encode as before.
	if len(c.MD5) > 0 {
		e.Bytes(c.MD5)
	}
}

func (c *CompleteUpload) decode(d *stored.Decoder) {
	c.Bucket = d.Str()
	c.Key = d.Str()
	c.UploadID = d.Str()
	if n := d.Count(); d.Err() == nil && n > 0 {
		c.Parts = make([]CompletePart, n)
		for i := range c.Parts {
			c.Parts[i] = CompletePart{Number: int(d.Uvarint()), ETag: d.Str()}
		}
	}
	c.All = d.Bool()
	c.ForbidOverwrite = d.Bool()
	c.ACL = d.Str()
	c.MTime = d.Varint()
	if d.Ext {
		if c.MD5 = d.Bytes(); d.Err() == nil && len(c.MD5) != 0 && len(c.MD5) != 16 {
			d.Fail(errors.New("record: complete upload: MD5 not 16 bytes"))
		}
		c.Checksum = d.Checksum()
		c.IfMatch = d.Str()
		c.KeepPartSizes = d.Bool()
		if d.Sums {
			c.KeepPartChecksums = d.Bool()
		}
		return
	}
	// Present only when set, so canonical only as 16 bytes.
	if d.Len() > 0 {
		if c.MD5 = d.Bytes(); len(c.MD5) != 16 {
			d.Fail(errors.New("record: complete upload: MD5 present but not 16 bytes"))
		}
	}
}

func (c *AbortUpload) encode(e *stored.Encoder) { e.Str(c.Bucket); e.Str(c.Key); e.Str(c.UploadID) }
func (c *AbortUpload) decode(d *stored.Decoder) {
	c.Bucket = d.Str()
	c.Key = d.Str()
	c.UploadID = d.Str()
}

func (c *AbortStaleUploads) encode(e *stored.Encoder) { e.Varint(c.Before); e.Uvarint(uint64(c.Max)) }
func (c *AbortStaleUploads) decode(d *stored.Decoder) {
	c.Before = d.Varint()
	c.Max = int(d.Uvarint())
}
