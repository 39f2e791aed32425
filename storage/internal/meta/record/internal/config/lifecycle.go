package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/koss-io/koss/storage/internal/meta/record/internal/wire"
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

func encodeLifecycleAction(e *wire.Encoder, a LifecycleAction) {
	e.U8(uint8(a.When))
	if a.When != LifecycleNever {
		e.Varint(a.Value)
	}
}

func decodeLifecycleAction(d *wire.Decoder) LifecycleAction {
	a := LifecycleAction{When: LifecycleWhen(d.U8())}
	if a.When != LifecycleNever {
		a.Value = d.Varint()
	}
	return a
}

// EncodeLifecycle writes l, which is not nil.
func EncodeLifecycle(e *wire.Encoder, l *Lifecycle) {
	e.Uvarint(uint64(len(l.Rules)))
	for i := range l.Rules {
		r := &l.Rules[i]
		e.Str(r.ID)
		e.Str(r.Prefix)
		e.Bool(r.Enabled)
		e.StrMap(r.Tags)
		encodeLifecycleAction(e, r.Expiration)
		encodeLifecycleAction(e, r.AbortUpload)
	}
}

// DecodeLifecycle reads what EncodeLifecycle wrote. It judges nothing
// (a command with a bad configuration decodes, and Apply refuses it as a
// domain error, where a decoding error would stop every replica); the
// bucket record refuses one without rules itself.
func DecodeLifecycle(d *wire.Decoder) *Lifecycle {
	n := d.Count()
	if d.Err() != nil {
		return nil
	}
	l := &Lifecycle{}
	if n > 0 {
		l.Rules = make([]LifecycleRule, n)
	}
	for i := range l.Rules {
		l.Rules[i] = LifecycleRule{
			ID:          d.Str(),
			Prefix:      d.Str(),
			Enabled:     d.Bool(),
			Tags:        d.StrMap(),
			Expiration:  decodeLifecycleAction(d),
			AbortUpload: decodeLifecycleAction(d),
		}
		if d.Err() != nil {
			return l
		}
	}
	return l
}

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
