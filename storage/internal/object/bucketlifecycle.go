package object

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"time"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// LifecycleAction is when one action of a lifecycle rule (expiring
// objects, aborting uploads) applies. At most one field is set; none
// means the rule has no such action.
type LifecycleAction struct {
	// Days: that many days after an object's last modification (an
	// upload's initiation).
	Days int64
	// Date is OSS's deprecated Expiration Date: from then on every
	// matching object expires, whenever it was written.
	Date time.Time
	// CreatedBefore: objects last modified (uploads initiated) before it.
	CreatedBefore time.Time
}

// IsZero reports whether a has no time: the rule has no such action.
func (a LifecycleAction) IsZero() bool {
	return a.Days == 0 && a.Date.IsZero() && a.CreatedBefore.IsZero()
}

// LifecycleRule is one rule of a bucket's lifecycle configuration (OSS
// PutBucketLifecycle's Rule): objects under Prefix carrying every one of
// Tags expire as Expiration says; uploads under Prefix are aborted as
// AbortUpload says. A rule that is not Enabled is kept and does nothing.
type LifecycleRule struct {
	ID          string
	Prefix      string
	Enabled     bool
	Tags        map[string]string
	Expiration  LifecycleAction
	AbortUpload LifecycleAction
}

// LifecycleConfiguration is a bucket's lifecycle configuration.
type LifecycleConfiguration struct {
	Rules []LifecycleRule
}

// MaxLifecycleRules is the most rules a configuration holds (OSS: 1000).
const MaxLifecycleRules = record.MaxLifecycleRules

// CheckLifecycle reports why cfg cannot be a bucket's lifecycle
// configuration (OSS's limits: see record.CheckLifecycle; an action with
// more than one time), wrapping ErrInvalidArgument, or nil. Rules without
// an ID are judged as if SetBucketLifecycle had given them one.
func CheckLifecycle(cfg *LifecycleConfiguration) error {
	if cfg == nil {
		return nil
	}
	for i, r := range cfg.Rules {
		for _, a := range []LifecycleAction{r.Expiration, r.AbortUpload} {
			n := 0
			for _, set := range []bool{a.Days != 0, !a.Date.IsZero(), !a.CreatedBefore.IsZero()} {
				if set {
					n++
				}
			}
			if n > 1 {
				return fmt.Errorf("%w: rule %d: an action takes one of Days, Date and CreatedBeforeDate", ErrInvalidArgument, i+1)
			}
		}
	}
	m := toMetaLifecycle(cfg)
	for i := range m.Rules {
		if m.Rules[i].ID == "" {
			m.Rules[i].ID = fmt.Sprintf("\x01generated-%d", i)
		}
	}
	if err := record.CheckLifecycle(m); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	return nil
}

// SetBucketLifecycle implements Layer. Rules without an ID get a random
// one here, before the command is proposed (Apply must not draw random
// numbers). The configuration is checked here for a clear error and again
// in Apply, which every replica runs.
func (s *Store) SetBucketLifecycle(ctx context.Context, bucket string, cfg *LifecycleConfiguration) error {
	if err := ValidBucketName(bucket); err != nil {
		return err
	}
	if err := CheckLifecycle(cfg); err != nil {
		return err
	}
	m := toMetaLifecycle(cfg)
	if m != nil {
		for i := range m.Rules {
			if m.Rules[i].ID == "" {
				m.Rules[i].ID = newLifecycleRuleID()
			}
		}
	}
	r, err := s.apply(ctx, &record.SetBucketLifecycle{Name: bucket, Lifecycle: m})
	if err != nil {
		return err
	}
	return toLayerErr(r.Err())
}

// newLifecycleRuleID makes an ID for a rule the client gave none, as OSS
// does: unique enough that it never meets another rule's.
func newLifecycleRuleID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func toMetaAction(a LifecycleAction) record.LifecycleAction {
	switch {
	case a.Days != 0:
		return record.LifecycleAction{When: record.LifecycleDays, Value: a.Days}
	case !a.Date.IsZero():
		return record.LifecycleAction{When: record.LifecycleDate, Value: a.Date.UnixNano()}
	case !a.CreatedBefore.IsZero():
		return record.LifecycleAction{When: record.LifecycleCreatedBefore, Value: a.CreatedBefore.UnixNano()}
	}
	return record.LifecycleAction{}
}

func fromMetaAction(a record.LifecycleAction) LifecycleAction {
	switch a.When {
	case record.LifecycleDays:
		return LifecycleAction{Days: a.Value}
	case record.LifecycleDate:
		return LifecycleAction{Date: unixNano(a.Value)}
	case record.LifecycleCreatedBefore:
		return LifecycleAction{CreatedBefore: unixNano(a.Value)}
	}
	return LifecycleAction{}
}

// toMetaLifecycle copies cfg into its record form; nil stays nil, and so
// do empty tag sets.
func toMetaLifecycle(cfg *LifecycleConfiguration) *record.Lifecycle {
	if cfg == nil {
		return nil
	}
	l := &record.Lifecycle{}
	for _, r := range cfg.Rules {
		var tags map[string]string
		if len(r.Tags) > 0 {
			tags = maps.Clone(r.Tags)
		}
		l.Rules = append(l.Rules, record.LifecycleRule{
			ID: r.ID, Prefix: r.Prefix, Enabled: r.Enabled, Tags: tags,
			Expiration: toMetaAction(r.Expiration), AbortUpload: toMetaAction(r.AbortUpload),
		})
	}
	return l
}

func fromMetaLifecycle(l *record.Lifecycle) *LifecycleConfiguration {
	if l == nil {
		return nil
	}
	cfg := &LifecycleConfiguration{Rules: make([]LifecycleRule, len(l.Rules))}
	for i, r := range l.Rules {
		cfg.Rules[i] = LifecycleRule{
			ID: r.ID, Prefix: r.Prefix, Enabled: r.Enabled, Tags: maps.Clone(r.Tags),
			Expiration: fromMetaAction(r.Expiration), AbortUpload: fromMetaAction(r.AbortUpload),
		}
	}
	return cfg
}
