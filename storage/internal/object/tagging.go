package object

import (
	"context"
	"fmt"
	"maps"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// checkObjectTags refuses tags the state machine would refuse, and
// non-ASCII characters OSS does not allow (which Apply, table-free,
// cannot judge), with ErrInvalidTag. The state machine judges its part
// again: every replica runs Apply, whoever proposed the command.
func checkObjectTags(tags map[string]string) error {
	if err := record.CheckObjectTags(tags); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidTag, err)
	}
	if !record.TagCharsStrict(tags) {
		return fmt.Errorf("%w: a tag has a character that is no letter or digit", ErrInvalidTag)
	}
	return nil
}

// tagsOrNil returns a copy of tags, nil when empty: records hold no empty
// maps, so an empty set and none encode alike.
func tagsOrNil(tags map[string]string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	return maps.Clone(tags)
}

// SetObjectTagging implements Layer.
func (s *Store) SetObjectTagging(ctx context.Context, bucket, key string, tags map[string]string) error {
	if err := ValidBucketName(bucket); err != nil {
		return err
	}
	if err := ValidObjectKey(key); err != nil {
		return err
	}
	if err := checkObjectTags(tags); err != nil {
		return err
	}
	r, err := s.apply(ctx, &record.SetObjectTagging{Bucket: bucket, Key: key, Tags: tagsOrNil(tags)})
	if err != nil {
		return err
	}
	return toLayerErr(r.Err())
}

// SetBucketTagging implements Layer.
func (s *Store) SetBucketTagging(ctx context.Context, bucket string, tags map[string]string) error {
	if err := ValidBucketName(bucket); err != nil {
		return err
	}
	if err := record.CheckBucketTags(tags); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidTag, err)
	}
	r, err := s.apply(ctx, &record.SetBucketTagging{Name: bucket, Tags: tagsOrNil(tags)})
	if err != nil {
		return err
	}
	return toLayerErr(r.Err())
}
