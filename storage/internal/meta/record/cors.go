package record

import (
	"github.com/koss-io/koss/storage/internal/meta/record/internal/config"
	"github.com/koss-io/koss/storage/internal/meta/record/internal/stored"
)

// A bucket's CORS configuration is defined, with its check and encoding,
// in package internal/config; these aliases keep record.CORS and
// record.CheckCORS the names the layers above use, so they import only
// record (see package config for the documentation).
type (
	// CORS is a bucket's CORS configuration.
	CORS = config.CORS
	// CORSRule is one rule of a CORS configuration.
	CORSRule = config.CORSRule
)

// CORS limits, as OSS has them (see package config).
const (
	MaxCORSRules = config.MaxCORSRules
	MaxCORSBytes = config.MaxCORSBytes
)

// ErrInvalidCORS is what CheckCORS wraps.
var ErrInvalidCORS = config.ErrInvalidCORS

// CheckCORS reports why c cannot be a bucket's CORS configuration, or
// nil. Apply judges with it, so it consults nothing but its argument.
func CheckCORS(c *CORS) error { return config.CheckCORS(c) }

// SetBucketCors replaces the CORS configuration of an existing bucket
// (OSS PutBucketCors; DeleteBucketCors is a nil CORS). Apply checks it
// (CheckCORS, else CodeInvalidArgument); a missing bucket is
// CodeBucketNotFound. Codec version 7.
type SetBucketCors struct {
	Name string
	CORS *CORS
}

// Type implements Command.
func (*SetBucketCors) Type() CommandType { return CmdSetBucketCors }

func (c *SetBucketCors) encode(e *stored.Encoder) {
	e.Str(c.Name)
	e.Bool(c.CORS != nil)
	if c.CORS != nil {
		config.EncodeCORS(&e.Encoder, c.CORS)
	}
}

func (c *SetBucketCors) decode(d *stored.Decoder) {
	c.Name = d.Str()
	if d.Bool() {
		c.CORS = config.DecodeCORS(&d.Decoder)
	}
}

// codecVersion: the command did not exist before version 7.
func (*SetBucketCors) codecVersion() uint8 { return corsVersion }
