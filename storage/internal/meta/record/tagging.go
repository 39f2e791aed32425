package record

import (
	"github.com/koss-io/koss/storage/internal/meta/record/internal/config"
	"github.com/koss-io/koss/storage/internal/meta/record/internal/stored"
)

// The limits of object and bucket tags are package internal/config's;
// these names keep record.CheckObjectTags and the rest the names the
// layers above use, so they import only record (see package config).

// Tag limits, as OSS has them (see package config).
const (
	MaxObjectTags        = config.MaxObjectTags
	MaxObjectTagKeyLen   = config.MaxObjectTagKeyLen
	MaxObjectTagValueLen = config.MaxObjectTagValueLen
	MaxBucketTags        = config.MaxBucketTags
	MaxBucketTagKeyLen   = config.MaxBucketTagKeyLen
	MaxBucketTagValueLen = config.MaxBucketTagValueLen
)

// ErrInvalidTags is what CheckObjectTags and CheckBucketTags wrap.
var ErrInvalidTags = config.ErrInvalidTags

// CheckObjectTags reports why tags cannot be an object's, or nil. Apply
// judges with it too: every replica refuses the same values whoever
// proposed them.
func CheckObjectTags(tags map[string]string) error { return config.CheckObjectTags(tags) }

// TagCharsStrict reports whether every non-ASCII character of the tags'
// keys and values is a Unicode letter or digit, as OSS allows them. It
// uses Go's Unicode tables, so it belongs in the request path, never in
// Apply.
func TagCharsStrict(tags map[string]string) bool { return config.TagCharsStrict(tags) }

// CheckBucketTags reports why tags cannot be a bucket's, or nil.
func CheckBucketTags(tags map[string]string) error { return config.CheckBucketTags(tags) }

// SetObjectTagging replaces the tags of the existing object Bucket/Key
// (OSS PutObjectTagging; DeleteObjectTagging is a nil Tags). Apply checks
// them (CheckObjectTags, else CodeInvalidArgument); a missing object is
// CodeObjectNotFound. The object's content, metadata and modification
// time stay: OSS does not change Last-Modified for tags. Codec version 6.
type SetObjectTagging struct {
	Bucket string
	Key    string
	Tags   map[string]string
}

// SetBucketTagging replaces the tags of an existing bucket (OSS
// PutBucketTags; DeleteBucketTags is a nil Tags). Apply checks them
// (CheckBucketTags, else CodeInvalidArgument); a missing bucket is
// CodeBucketNotFound. Codec version 6.
type SetBucketTagging struct {
	Name string
	Tags map[string]string
}

// Type implements Command.
func (*SetObjectTagging) Type() CommandType { return CmdSetObjectTagging }

// Type implements Command.
func (*SetBucketTagging) Type() CommandType { return CmdSetBucketTagging }

func (c *SetObjectTagging) encode(e *stored.Encoder) { e.Str(c.Bucket); e.Str(c.Key); e.StrMap(c.Tags) }
func (c *SetObjectTagging) decode(d *stored.Decoder) {
	c.Bucket = d.Str()
	c.Key = d.Str()
	c.Tags = d.StrMap()
}

func (c *SetBucketTagging) encode(e *stored.Encoder) { e.Str(c.Name); e.StrMap(c.Tags) }
func (c *SetBucketTagging) decode(d *stored.Decoder) { c.Name = d.Str(); c.Tags = d.StrMap() }

// codecVersion: neither command existed before version 6.
func (*SetObjectTagging) codecVersion() uint8 { return tagsVersion }
func (*SetBucketTagging) codecVersion() uint8 { return tagsVersion }
