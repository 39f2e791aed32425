package record

import "github.com/koss-io/koss/storage/internal/meta/record/internal/stored"

// SetBucketACL replaces the canned ACL of an existing bucket (OSS
// PutBucketAcl, S3 PutBucketAcl with x-amz-acl). Apply accepts only
// "private", "public-read" and "public-read-write"; a missing bucket is
// CodeBucketNotFound. It needs codec version 5 (aclVersion).
type SetBucketACL struct {
	Name string
	ACL  string
}

// Type implements Command.
func (*SetBucketACL) Type() CommandType { return CmdSetBucketACL }

func (c *SetBucketACL) encode(e *stored.Encoder) { e.Str(c.Name); e.Str(c.ACL) }
func (c *SetBucketACL) decode(d *stored.Decoder) { c.Name = d.Str(); c.ACL = d.Str() }

// codecVersion: the command did not exist before version 5, so a payload
// labelled lower is refused by Decode.
func (*SetBucketACL) codecVersion() uint8 { return aclVersion }
