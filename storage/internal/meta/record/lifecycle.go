package record

import (
	"errors"
	"fmt"
	"strings"
)

// Lifecycle limits, as OSS has them: at most 1000 rules a bucket, IDs of
// 1-255 bytes, unique within the configuration, prefixes of at most 1024
// bytes, and a rule's tags are object tags (CheckObjectTags). MaxLifecycleBytes
// bounds the strings of one configuration, which OSS bounds by the size
// of its request body: a bucket record stays small whatever the document.
const (
	MaxLifecycleRules     = 1000
	MaxLifecycleIDLen     = 255
	MaxLifecyclePrefixLen = 1024
	MaxLifecycleBytes     = 1 << 20
)

// ErrInvalidLifecycle is what CheckLifecycle wraps.
var ErrInvalidLifecycle = errors.New("record: invalid lifecycle configuration")

// LifecycleWhen says which element of an action's document gave its time.
// The numbers are stored in records: append, never renumber.
type LifecycleWhen uint8

// When an action takes effect.
const (
	// LifecycleNever: the rule has no such action.
	LifecycleNever LifecycleWhen = 0
	// LifecycleDays: Value days after the object's last modification (an
	// upload's initiation).
	LifecycleDays LifecycleWhen = 1
	// LifecycleDate (OSS's deprecated Date): from Value (unix
	// nanoseconds) on, every matching object, whenever it was written.
	LifecycleDate LifecycleWhen = 2
	// LifecycleCreatedBefore: objects (uploads) last modified (initiated)
	// before Value, unix nanoseconds.
	LifecycleCreatedBefore LifecycleWhen = 3
)

// LifecycleAction is when one action of a rule (expire objects, abort
// uploads) applies: When says how Value reads.
type LifecycleAction struct {
	When  LifecycleWhen
	Value int64
}

// LifecycleRule is one rule of a bucket's lifecycle configuration (OSS
// PutBucketLifecycle's Rule): objects whose key starts with Prefix and
// that carry every one of Tags expire as Expiration says; uploads under
// Prefix are aborted as AbortUpload says. A rule that is not Enabled is
// kept and does nothing.
type LifecycleRule struct {
	ID          string
	Prefix      string
	Enabled     bool
	Tags        map[string]string
	Expiration  LifecycleAction
	AbortUpload LifecycleAction
}

// Lifecycle is a bucket's lifecycle configuration, its rules in the order
// the client gave them.
type Lifecycle struct {
	Rules []LifecycleRule
}

// CheckLifecycle reports why l cannot be a bucket's lifecycle
// configuration, or nil. Apply judges with it, so it consults nothing but
// its argument (no clock: a date in the past is a valid rule).
func CheckLifecycle(l *Lifecycle) error {
	if l == nil {
		return nil
	}
	if len(l.Rules) == 0 || len(l.Rules) > MaxLifecycleRules {
		return fmt.Errorf("%w: %d rules, want 1-%d", ErrInvalidLifecycle, len(l.Rules), MaxLifecycleRules)
	}
	ids := make(map[string]bool, len(l.Rules))
	size := 0
	for i, r := range l.Rules {
		switch {
		case r.ID == "" || len(r.ID) > MaxLifecycleIDLen:
			return fmt.Errorf("%w: rule %d: ID of %d bytes, want 1-%d", ErrInvalidLifecycle, i+1, len(r.ID), MaxLifecycleIDLen)
		case ids[r.ID]:
			return fmt.Errorf("%w: rule ID %q used twice", ErrInvalidLifecycle, r.ID)
		case len(r.Prefix) > MaxLifecyclePrefixLen:
			return fmt.Errorf("%w: rule %q: prefix of %d bytes, at most %d", ErrInvalidLifecycle, r.ID, len(r.Prefix), MaxLifecyclePrefixLen)
		case strings.ContainsAny(r.ID+r.Prefix, "\x00"):
			return fmt.Errorf("%w: rule %q: NUL in ID or prefix", ErrInvalidLifecycle, r.ID)
		case r.Expiration.When == LifecycleNever && r.AbortUpload.When == LifecycleNever:
			return fmt.Errorf("%w: rule %q has no action", ErrInvalidLifecycle, r.ID)
		case r.AbortUpload.When == LifecycleDate:
			return fmt.Errorf("%w: rule %q: AbortMultipartUpload takes Days or CreatedBeforeDate", ErrInvalidLifecycle, r.ID)
		case len(r.Tags) > 0 && r.AbortUpload.When != LifecycleNever:
			// Uploads have no tags to match (OSS refuses the same).
			return fmt.Errorf("%w: rule %q: a rule with tags cannot abort uploads", ErrInvalidLifecycle, r.ID)
		}
		ids[r.ID] = true
		for _, a := range []LifecycleAction{r.Expiration, r.AbortUpload} {
			if err := checkLifecycleAction(a); err != nil {
				return fmt.Errorf("%w: rule %q: %w", ErrInvalidLifecycle, r.ID, err)
			}
		}
		if err := CheckObjectTags(r.Tags); err != nil {
			return fmt.Errorf("%w: rule %q: %w", ErrInvalidLifecycle, r.ID, err)
		}
		size += len(r.ID) + len(r.Prefix)
		for k, v := range r.Tags {
			size += len(k) + len(v)
		}
	}
	if size > MaxLifecycleBytes {
		return fmt.Errorf("%w: %d bytes of rules, at most %d", ErrInvalidLifecycle, size, MaxLifecycleBytes)
	}
	return nil
}

func checkLifecycleAction(a LifecycleAction) error {
	switch a.When {
	case LifecycleNever:
		if a.Value != 0 {
			return errors.New("a value without a time")
		}
	case LifecycleDays:
		if a.Value <= 0 {
			return fmt.Errorf("days %d, want a positive number", a.Value)
		}
	case LifecycleDate, LifecycleCreatedBefore:
		// Any instant: OSS wants midnight UTC, which the wire layer judges.
	default:
		return fmt.Errorf("unknown kind of time %d", a.When)
	}
	return nil
}

func encodeLifecycleAction(e *encoder, a LifecycleAction) {
	e.u8(uint8(a.When))
	if a.When != LifecycleNever {
		e.varint(a.Value)
	}
}

func decodeLifecycleAction(d *decoder) LifecycleAction {
	a := LifecycleAction{When: LifecycleWhen(d.u8())}
	if a.When != LifecycleNever {
		a.Value = d.varint()
	}
	return a
}

func encodeLifecycle(e *encoder, l *Lifecycle) {
	e.uvarint(uint64(len(l.Rules)))
	for i := range l.Rules {
		r := &l.Rules[i]
		e.str(r.ID)
		e.str(r.Prefix)
		e.boolean(r.Enabled)
		e.strMap(r.Tags)
		encodeLifecycleAction(e, r.Expiration)
		encodeLifecycleAction(e, r.AbortUpload)
	}
}

// decodeLifecycle reads what encodeLifecycle wrote. It judges nothing
// (a command with a bad configuration decodes, and Apply refuses it as a
// domain error, where a decoding error would stop every replica); the
// bucket record refuses one without rules itself.
func decodeLifecycle(d *decoder) *Lifecycle {
	n := d.count()
	if d.err != nil {
		return nil
	}
	l := &Lifecycle{}
	if n > 0 {
		l.Rules = make([]LifecycleRule, n)
	}
	for i := range l.Rules {
		l.Rules[i] = LifecycleRule{
			ID:          d.str(),
			Prefix:      d.str(),
			Enabled:     d.boolean(),
			Tags:        d.strMap(),
			Expiration:  decodeLifecycleAction(d),
			AbortUpload: decodeLifecycleAction(d),
		}
		if d.err != nil {
			return l
		}
	}
	return l
}

// SetBucketLifecycle replaces the lifecycle configuration of an existing
// bucket (OSS PutBucketLifecycle; DeleteBucketLifecycle is a nil
// Lifecycle). Apply checks it (CheckLifecycle, else CodeInvalidArgument);
// a missing bucket is CodeBucketNotFound. Codec version 8.
type SetBucketLifecycle struct {
	Name      string
	Lifecycle *Lifecycle
}

// Type implements Command.
func (*SetBucketLifecycle) Type() CommandType { return CmdSetBucketLifecycle }

func (c *SetBucketLifecycle) encode(e *encoder) {
	e.str(c.Name)
	e.boolean(c.Lifecycle != nil)
	if c.Lifecycle != nil {
		encodeLifecycle(e, c.Lifecycle)
	}
}

func (c *SetBucketLifecycle) decode(d *decoder) {
	c.Name = d.str()
	if d.boolean() {
		c.Lifecycle = decodeLifecycle(d)
	}
}

// codecVersion: the command did not exist before version 8.
func (*SetBucketLifecycle) codecVersion() uint8 { return lifecycleVersion }

// encodeBucketTail writes what follows a bucket's tags in a version 4
// bucket record and a version 6 result: its CORS configuration if any
// (after a presence byte), then its lifecycle configuration.
func encodeBucketTail(e *encoder, b *Bucket) {
	e.boolean(b.CORS != nil)
	if b.CORS != nil {
		encodeCORS(e, b.CORS)
	}
	encodeLifecycle(e, b.Lifecycle)
}

func decodeBucketTail(d *decoder, b *Bucket) {
	if d.boolean() {
		b.CORS = decodeCORS(d)
	}
	b.Lifecycle = decodeLifecycle(d)
}
