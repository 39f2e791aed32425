package record

import "github.com/koss-io/koss/storage/internal/meta/record/internal/stored"

// Expired names one object the lifecycle loop saw expire: by its key and
// the ETag and modification time it had, so that Apply deletes it only if
// it is still that very object.
type Expired struct {
	Key   string
	ETag  string
	MTime int64
}

// ExpireObjects deletes objects of Bucket that its lifecycle rules expire
// at Now (unix nanoseconds, the leader's decision time), days being Day
// nanoseconds long (record.Day but in tests). Apply re-checks each one: it
// is deleted only if it still exists with the ETag and MTime the loop saw
// and the bucket's current rules still expire it at Now; anything else
// (re-written, already gone, rules changed or removed) is left alone. The
// Result's Length is how many it deleted. A missing bucket is
// CodeBucketNotFound, Day < 1 CodeInvalidArgument. Codec version 8.
type ExpireObjects struct {
	Bucket  string
	Now     int64
	Day     int64
	Objects []Expired
}

// Type implements Command.
func (*ExpireObjects) Type() CommandType { return CmdExpireObjects }

func (c *ExpireObjects) encode(e *stored.Encoder) {
	e.Str(c.Bucket)
	e.Varint(c.Now)
	e.Varint(c.Day)
	e.Uvarint(uint64(len(c.Objects)))
	for _, o := range c.Objects {
		e.Str(o.Key)
		e.Str(o.ETag)
		e.Varint(o.MTime)
	}
}

func (c *ExpireObjects) decode(d *stored.Decoder) {
	c.Bucket = d.Str()
	c.Now = d.Varint()
	c.Day = d.Varint()
	n := d.Count()
	if d.Err() != nil || n == 0 {
		return
	}
	c.Objects = make([]Expired, n)
	for i := range c.Objects {
		c.Objects[i] = Expired{Key: d.Str(), ETag: d.Str(), MTime: d.Varint()}
	}
}

// codecVersion: the command did not exist before version 8.
func (*ExpireObjects) codecVersion() uint8 { return lifecycleVersion }

// UploadRef names one upload the lifecycle loop saw due.
type UploadRef struct {
	Key, UploadID string
}

// AbortLifecycleUploads aborts uploads of Bucket that its lifecycle rules
// abort at Now (unix nanoseconds, the leader's decision time), days being
// Day nanoseconds long. Apply re-checks each one against the bucket's
// current rules and the upload's own initiation time; one already gone,
// or no longer due (rules changed or removed), is left alone. The
// Result's Length is how many it aborted. A missing bucket is
// CodeBucketNotFound, Day < 1 CodeInvalidArgument. Codec version 8.
type AbortLifecycleUploads struct {
	Bucket  string
	Now     int64
	Day     int64
	Uploads []UploadRef
}

// Type implements Command.
func (*AbortLifecycleUploads) Type() CommandType { return CmdAbortLifecycleUploads }

func (c *AbortLifecycleUploads) encode(e *stored.Encoder) {
	e.Str(c.Bucket)
	e.Varint(c.Now)
	e.Varint(c.Day)
	e.Uvarint(uint64(len(c.Uploads)))
	for _, u := range c.Uploads {
		e.Str(u.Key)
		e.Str(u.UploadID)
	}
}

func (c *AbortLifecycleUploads) decode(d *stored.Decoder) {
	c.Bucket = d.Str()
	c.Now = d.Varint()
	c.Day = d.Varint()
	n := d.Count()
	if d.Err() != nil || n == 0 {
		return
	}
	c.Uploads = make([]UploadRef, n)
	for i := range c.Uploads {
		c.Uploads[i] = UploadRef{Key: d.Str(), UploadID: d.Str()}
	}
}

// codecVersion: the command did not exist before version 8.
func (*AbortLifecycleUploads) codecVersion() uint8 { return lifecycleVersion }
