package object

import (
	"context"
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/bucketconfig"
)

// LifecycleAction is when one action of a lifecycle rule applies
// (bucketconfig.LifecycleAction).
type LifecycleAction = bucketconfig.LifecycleAction

// LifecycleRule is one rule of a bucket's lifecycle configuration
// (bucketconfig.LifecycleRule).
type LifecycleRule = bucketconfig.LifecycleRule

// LifecycleConfiguration is a bucket's lifecycle configuration
// (bucketconfig.LifecycleConfiguration).
type LifecycleConfiguration = bucketconfig.LifecycleConfiguration

// MaxLifecycleRules is the most rules a configuration holds (OSS: 1000).
const MaxLifecycleRules = bucketconfig.MaxLifecycleRules

// CheckLifecycle reports why cfg cannot be a bucket's lifecycle
// configuration (OSS's limits: see record.CheckLifecycle; an action with
// more than one time), wrapping ErrInvalidArgument, or nil. Rules without
// an ID are judged as if SetBucketLifecycle had given them one.
func CheckLifecycle(cfg *LifecycleConfiguration) error {
	if err := bucketconfig.CheckLifecycle(cfg); err != nil {
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
	m := bucketconfig.LifecycleToRecord(cfg)
	if m != nil {
		for i := range m.Rules {
			if m.Rules[i].ID == "" {
				m.Rules[i].ID = bucketconfig.NewLifecycleRuleID()
			}
		}
	}
	r, err := s.apply(ctx, &record.SetBucketLifecycle{Name: bucket, Lifecycle: m})
	if err != nil {
		return err
	}
	return toLayerErr(r.Err())
}
