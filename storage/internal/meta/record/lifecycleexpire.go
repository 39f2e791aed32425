package record

import "strings"

// Day is the length of a lifecycle day unless a command says otherwise.
const Day int64 = 24 * 60 * 60 * 1e9

// due reports whether an action is due at now (unix nanoseconds) for
// something last modified (initiated) at since, days being day
// nanoseconds long. A Days action is due once since + Value days has
// passed; a Date action from Value on, whatever since; a CreatedBefore
// action when since is before Value.
func (a LifecycleAction) due(since, now, day int64) bool {
	switch a.When {
	case LifecycleDays:
		return now-since >= a.Value*day
	case LifecycleDate:
		return now >= a.Value
	case LifecycleCreatedBefore:
		return since < a.Value
	}
	return false
}

// ExpiresObject reports whether the enabled rule r expires the object at
// key, last modified at mtime and carrying tags, at now (unix
// nanoseconds), days being day nanoseconds long: the key starts with the
// rule's prefix, the object carries every tag of the rule with its value,
// and the rule's Expiration is due. It consults nothing else, so the
// lifecycle loop and Apply reach the same verdict.
func (r *LifecycleRule) ExpiresObject(key string, mtime int64, tags map[string]string, now, day int64) bool {
	if !r.Enabled || !strings.HasPrefix(key, r.Prefix) {
		return false
	}
	for k, v := range r.Tags {
		if got, ok := tags[k]; !ok || got != v {
			return false
		}
	}
	return r.Expiration.due(mtime, now, day)
}

// AbortsUpload is ExpiresObject for an upload of key initiated at
// initiated and the rule's AbortMultipartUpload.
func (r *LifecycleRule) AbortsUpload(key string, initiated, now, day int64) bool {
	return r.Enabled && strings.HasPrefix(key, r.Prefix) && r.AbortUpload.due(initiated, now, day)
}

// ExpiresObject reports whether any rule of l expires the object (see
// LifecycleRule.ExpiresObject); a nil l expires nothing.
func (l *Lifecycle) ExpiresObject(key string, mtime int64, tags map[string]string, now, day int64) bool {
	if l == nil {
		return false
	}
	for i := range l.Rules {
		if l.Rules[i].ExpiresObject(key, mtime, tags, now, day) {
			return true
		}
	}
	return false
}

// AbortsUpload reports whether any rule of l aborts the upload.
func (l *Lifecycle) AbortsUpload(key string, initiated, now, day int64) bool {
	if l == nil {
		return false
	}
	for i := range l.Rules {
		if l.Rules[i].AbortsUpload(key, initiated, now, day) {
			return true
		}
	}
	return false
}

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

func (c *ExpireObjects) encode(e *encoder) {
	e.str(c.Bucket)
	e.varint(c.Now)
	e.varint(c.Day)
	e.uvarint(uint64(len(c.Objects)))
	for _, o := range c.Objects {
		e.str(o.Key)
		e.str(o.ETag)
		e.varint(o.MTime)
	}
}

func (c *ExpireObjects) decode(d *decoder) {
	c.Bucket = d.str()
	c.Now = d.varint()
	c.Day = d.varint()
	n := d.count()
	if d.err != nil || n == 0 {
		return
	}
	c.Objects = make([]Expired, n)
	for i := range c.Objects {
		c.Objects[i] = Expired{Key: d.str(), ETag: d.str(), MTime: d.varint()}
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

func (c *AbortLifecycleUploads) encode(e *encoder) {
	e.str(c.Bucket)
	e.varint(c.Now)
	e.varint(c.Day)
	e.uvarint(uint64(len(c.Uploads)))
	for _, u := range c.Uploads {
		e.str(u.Key)
		e.str(u.UploadID)
	}
}

func (c *AbortLifecycleUploads) decode(d *decoder) {
	c.Bucket = d.str()
	c.Now = d.varint()
	c.Day = d.varint()
	n := d.count()
	if d.err != nil || n == 0 {
		return
	}
	c.Uploads = make([]UploadRef, n)
	for i := range c.Uploads {
		c.Uploads[i] = UploadRef{Key: d.str(), UploadID: d.str()}
	}
}

// codecVersion: the command did not exist before version 8.
func (*AbortLifecycleUploads) codecVersion() uint8 { return lifecycleVersion }
