package record

import (
	"github.com/koss-io/koss/storage/internal/meta/record/internal/config"
	"github.com/koss-io/koss/storage/internal/meta/record/internal/stored"
)

// A bucket's lifecycle configuration is defined, with its check, its
// verdicts (ExpiresObject, AbortsUpload) and its encoding, in package
// internal/config; these aliases keep record.Lifecycle and the rest the
// names the layers above use, so they import only record (see package
// config for the documentation).
type (
	// Lifecycle is a bucket's lifecycle configuration.
	Lifecycle = config.Lifecycle
	// LifecycleRule is one rule of a lifecycle configuration.
	LifecycleRule = config.LifecycleRule
	// LifecycleAction is when one action of a rule applies.
	LifecycleAction = config.LifecycleAction
	// LifecycleWhen says which element of an action's document gave its
	// time; the numbers are stored in records.
	LifecycleWhen = config.LifecycleWhen
)

// When an action takes effect (see package config).
const (
	LifecycleNever         = config.LifecycleNever
	LifecycleDays          = config.LifecycleDays
	LifecycleDate          = config.LifecycleDate
	LifecycleCreatedBefore = config.LifecycleCreatedBefore
)

// Lifecycle limits, as OSS has them (see package config).
const (
	MaxLifecycleRules     = config.MaxLifecycleRules
	MaxLifecycleIDLen     = config.MaxLifecycleIDLen
	MaxLifecyclePrefixLen = config.MaxLifecyclePrefixLen
	MaxLifecycleBytes     = config.MaxLifecycleBytes
)

// Day is the length of a lifecycle day unless a command says otherwise.
const Day = config.Day

// ErrInvalidLifecycle is what CheckLifecycle wraps.
var ErrInvalidLifecycle = config.ErrInvalidLifecycle

// CheckLifecycle reports why l cannot be a bucket's lifecycle
// configuration, or nil. Apply judges with it, so it consults nothing but
// its argument (no clock: a date in the past is a valid rule).
func CheckLifecycle(l *Lifecycle) error { return config.CheckLifecycle(l) }

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

func (c *SetBucketLifecycle) encode(e *stored.Encoder) {
	e.Str(c.Name)
	e.Bool(c.Lifecycle != nil)
	if c.Lifecycle != nil {
		config.EncodeLifecycle(&e.Encoder, c.Lifecycle)
	}
}

func (c *SetBucketLifecycle) decode(d *stored.Decoder) {
	c.Name = d.Str()
	if d.Bool() {
		c.Lifecycle = config.DecodeLifecycle(&d.Decoder)
	}
}

// codecVersion: the command did not exist before version 8.
func (*SetBucketLifecycle) codecVersion() uint8 { return lifecycleVersion }
