package bucketconfig

import (
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
// more than one time), or nil. Rules without an ID are judged as if they
// had one (see NewLifecycleRuleID).
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
				return fmt.Errorf("rule %d: an action takes one of Days, Date and CreatedBeforeDate", i+1)
			}
		}
	}
	m := LifecycleToRecord(cfg)
	for i := range m.Rules {
		if m.Rules[i].ID == "" {
			m.Rules[i].ID = fmt.Sprintf("\x01generated-%d", i)
		}
	}
	return record.CheckLifecycle(m)
}

// NewLifecycleRuleID makes an ID for a rule the client gave none, as OSS
// does: unique enough that it never meets another rule's. It draws random
// numbers, so it belongs to the proposer, never to Apply.
func NewLifecycleRuleID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func toRecordAction(a LifecycleAction) record.LifecycleAction {
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

func fromRecordAction(a record.LifecycleAction) LifecycleAction {
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

func unixNano(ns int64) time.Time { return time.Unix(0, ns).UTC() }

// LifecycleToRecord copies cfg into its record form; nil stays nil, and
// so do empty tag sets.
func LifecycleToRecord(cfg *LifecycleConfiguration) *record.Lifecycle {
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
			Expiration: toRecordAction(r.Expiration), AbortUpload: toRecordAction(r.AbortUpload),
		})
	}
	return l
}

// LifecycleFromRecord copies a stored lifecycle record into a
// configuration; nil stays nil.
func LifecycleFromRecord(l *record.Lifecycle) *LifecycleConfiguration {
	if l == nil {
		return nil
	}
	cfg := &LifecycleConfiguration{Rules: make([]LifecycleRule, len(l.Rules))}
	for i, r := range l.Rules {
		cfg.Rules[i] = LifecycleRule{
			ID: r.ID, Prefix: r.Prefix, Enabled: r.Enabled, Tags: maps.Clone(r.Tags),
			Expiration: fromRecordAction(r.Expiration), AbortUpload: fromRecordAction(r.AbortUpload),
		}
	}
	return cfg
}
