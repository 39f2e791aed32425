package object

import (
	"context"
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/internal/layer"
)

// SetObjectTagging implements Layer.
func (s *Store) SetObjectTagging(ctx context.Context, bucket, key string, tags map[string]string) error {
	if err := ValidBucketName(bucket); err != nil {
		return err
	}
	if err := ValidObjectKey(key); err != nil {
		return err
	}
	if err := layer.CheckObjectTags(tags); err != nil {
		return err
	}
	r, err := s.apply(ctx, &record.SetObjectTagging{Bucket: bucket, Key: key, Tags: layer.TagsOrNil(tags)})
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
	r, err := s.apply(ctx, &record.SetBucketTagging{Name: bucket, Tags: layer.TagsOrNil(tags)})
	if err != nil {
		return err
	}
	return toLayerErr(r.Err())
}
