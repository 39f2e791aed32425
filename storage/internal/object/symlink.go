package object

import (
	"context"
	"crypto/md5"
	"errors"
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/internal/layer"
)

// PutSymlink implements Layer. The symlink's ETag is the MD5 of its
// target's name: it changes when the link is pointed elsewhere, and is the
// same on every replica.
func (s *Store) PutSymlink(ctx context.Context, bucket, key, target string, opts PutOptions) (ObjectInfo, error) {
	if err := layer.CheckPut(bucket, key, 0, opts.Metadata); err != nil {
		return ObjectInfo{}, err
	}
	if err := ValidObjectKey(target); err != nil {
		return ObjectInfo{}, fmt.Errorf("symlink target: %w", err)
	}
	if err := layer.CheckObjectTags(opts.Tags); err != nil {
		return ObjectInfo{}, err
	}
	sum := md5.Sum([]byte(target))
	o := record.Object{
		ETag:          md5ETag(sum[:]),
		Type:          record.TypeSymlink,
		MTime:         s.now().UnixNano(),
		Meta:          layer.MetadataToRecord(opts.Metadata),
		Tags:          layer.TagsOrNil(opts.Tags),
		SymlinkTarget: target,
	}
	r, err := s.apply(ctx, &record.PutObject{Bucket: bucket, Key: key, Object: o, ForbidOverwrite: opts.ForbidOverwrite})
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := r.Err(); err != nil {
		return ObjectInfo{}, toLayerErr(err)
	}
	return layer.ObjectInfoFromRecord(r.Object), nil
}

// GetSymlink implements Layer.
func (s *Store) GetSymlink(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	info, err := s.HeadObject(ctx, bucket, key)
	if err != nil {
		return ObjectInfo{}, err
	}
	if info.Type != TypeSymlink {
		return ObjectInfo{}, ErrNotSymlink
	}
	return info, nil
}

// StatObject implements Layer.
func (s *Store) StatObject(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	if err := ValidBucketName(bucket); err != nil {
		return ObjectInfo{}, err
	}
	if err := ValidObjectKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if err := s.barrier(ctx); err != nil {
		return ObjectInfo{}, err
	}
	o, err := s.followed(bucket, key)
	if err != nil {
		return ObjectInfo{}, err
	}
	return layer.ObjectInfoFromRecord(&o), nil
}

// read reads bucket/key from the local state machine, through a symlink
// when follow is set.
func (s *Store) read(bucket, key string, follow bool) (record.Object, error) {
	if follow {
		return s.followed(bucket, key)
	}
	o, err := s.meta.GetObject(bucket, key)
	return o, toLayerErr(err)
}

// followed reads bucket/key from the local state machine (the caller has
// taken the barrier) and, when it is a symlink, its target instead, with
// the link's key, Type and SymlinkTarget, as OSS reports a read through
// a link. One level only: a link to a link is a missing target.
func (s *Store) followed(bucket, key string) (record.Object, error) {
	o, err := s.meta.GetObject(bucket, key)
	if err != nil {
		return record.Object{}, toLayerErr(err)
	}
	if o.Type != record.TypeSymlink {
		return o, nil
	}
	t, err := s.meta.GetObject(bucket, o.SymlinkTarget)
	switch {
	case errors.Is(err, record.ErrObjectNotFound):
		return record.Object{}, ErrSymlinkTargetNotFound
	case err != nil:
		return record.Object{}, toLayerErr(err)
	case t.Type == record.TypeSymlink:
		return record.Object{}, ErrSymlinkTargetNotFound
	}
	t.Key = key
	t.Type = record.TypeSymlink
	t.SymlinkTarget = o.SymlinkTarget
	return t, nil
}
