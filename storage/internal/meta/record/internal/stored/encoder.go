package stored

import "github.com/koss-io/koss/storage/internal/meta/record/internal/wire"

// Encoder is a wire.Encoder that knows which optional fields the encoding
// it makes carries; the shared body encoders (EncodeObjectBody and the
// others) read its flags, which the caller sets from the version it writes.
//
// Ext says the encoding carries the S3 fields (Checksum, PartSizes,
// IfMatch...): commands of codec version 3, records of version 2. The
// shared body encoders write those fields only then, so every encoding
// made before they existed keeps its bytes.
//
// Sums says it also carries the part checksums of a multipart object
// (Object.PartChecksums, CompleteUpload.KeepPartChecksums): commands of
// codec version 4, object records and results of version 3. It implies
// Ext, and the same rule holds: those fields are written only then.
//
// ACL says it carries AppendObject.SetACL: commands of codec version 5.
//
// Tags says it carries tags and symlinks (Object.Tags and SymlinkTarget,
// Upload.Tags, AppendObject.Tags, CopyObject.ReplaceTags): commands of
// codec version 6, object and upload records of version 4, results of
// version 4. It implies all of the above.
//
// CORS says it carries a bucket's CORS configuration: results of version
// 5 (bucket records mark it by their own version, commands by their type).
type Encoder struct {
	wire.Encoder
	Ext  bool
	Sums bool
	ACL  bool
	Tags bool
	CORS bool
}

// Decoder reads what Encoder wrote. Its flags are the Encoder's, set from
// the version byte before decoding starts.
type Decoder struct {
	wire.Decoder
	Ext  bool
	Sums bool
	ACL  bool
	Tags bool
	CORS bool
}

// Checksum appends c.
func (e *Encoder) Checksum(c *Checksum) {
	e.Str(c.Algorithm)
	e.Str(c.Value)
	e.Str(c.Type)
}

// Checksum reads what Encoder.Checksum wrote. It does not judge the
// values: Apply rejects a malformed checksum (Checksum.Valid) as a domain
// error, where a decoding error would stop every replica.
func (d *Decoder) Checksum() Checksum {
	return Checksum{Algorithm: d.Str(), Value: d.Str(), Type: d.Str()}
}
