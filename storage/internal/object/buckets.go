package object

import (
	"context"
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// Accepted bucket ACLs and storage classes ("" takes the default).
var (
	bucketACLs     = map[string]bool{"": true, "private": true, "public-read": true, "public-read-write": true}
	storageClasses = map[string]bool{"": true, "Standard": true, "IA": true, "Archive": true, "ColdArchive": true, "DeepColdArchive": true}
)

// ValidBucketACL reports whether acl is one a bucket can be created with
// ("" takes the default, private).
func ValidBucketACL(acl string) bool { return bucketACLs[acl] }

// ValidStorageClass reports whether class is one a bucket or object can
// have ("" takes the default, Standard).
func ValidStorageClass(class string) bool { return storageClasses[class] }

// Listing page sizes.
const (
	defaultMaxKeys = 100
	maxMaxKeys     = 1000
)

// pageSize resolves a MaxKeys option: 0 means the OSS default of 100.
func pageSize(n int) (int, error) {
	switch {
	case n == 0:
		return defaultMaxKeys, nil
	case n < 0 || n > maxMaxKeys:
		return 0, fmt.Errorf("%w: max-keys %d not in 1..%d", ErrInvalidArgument, n, maxMaxKeys)
	}
	return n, nil
}

// CreateBucket implements Layer.
func (s *Store) CreateBucket(ctx context.Context, name string, opts BucketOptions) error {
	if err := ValidBucketName(name); err != nil {
		return err
	}
	if !bucketACLs[opts.ACL] {
		return fmt.Errorf("%w: bucket ACL %q", ErrInvalidArgument, opts.ACL)
	}
	if !storageClasses[opts.StorageClass] {
		return fmt.Errorf("%w: storage class %q", ErrInvalidArgument, opts.StorageClass)
	}
	acl, class := opts.ACL, opts.StorageClass
	if acl == "" {
		acl = "private"
	}
	if class == "" {
		class = "Standard"
	}
	r, err := s.apply(ctx, &record.CreateBucket{
		Name: name, Created: s.now().UnixNano(), ACL: acl, StorageClass: class, Owner: opts.Owner,
	})
	if err != nil {
		return err
	}
	return toLayerErr(r.Err())
}

// DeleteBucket implements Layer.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	if err := ValidBucketName(name); err != nil {
		return err
	}
	r, err := s.apply(ctx, &record.DeleteBucket{Name: name})
	if err != nil {
		return err
	}
	return toLayerErr(r.Err())
}

// SetBucketACL implements Layer. The value is checked here for a clear
// error and again in Apply, which every replica runs.
func (s *Store) SetBucketACL(ctx context.Context, bucket, acl string) error {
	if err := ValidBucketName(bucket); err != nil {
		return err
	}
	if acl == "" || !bucketACLs[acl] {
		return fmt.Errorf("%w: bucket ACL %q", ErrInvalidArgument, acl)
	}
	r, err := s.apply(ctx, &record.SetBucketACL{Name: bucket, ACL: acl})
	if err != nil {
		return err
	}
	return toLayerErr(r.Err())
}

// GetBucket implements Layer.
func (s *Store) GetBucket(ctx context.Context, name string) (BucketInfo, error) {
	if err := ValidBucketName(name); err != nil {
		return BucketInfo{}, err
	}
	if err := s.barrier(ctx); err != nil {
		return BucketInfo{}, err
	}
	b, err := s.meta.GetBucket(name)
	if err != nil {
		return BucketInfo{}, toLayerErr(err)
	}
	return toBucketInfo(&b), nil
}

// ListBuckets implements Layer. MaxKeys 0 means 100.
func (s *Store) ListBuckets(ctx context.Context, opts ListBucketsOptions) (ListBucketsResult, error) {
	max, err := pageSize(opts.MaxKeys)
	if err != nil {
		return ListBucketsResult{}, err
	}
	if err := s.barrier(ctx); err != nil {
		return ListBucketsResult{}, err
	}
	bs, truncated, err := s.meta.ListBuckets(opts.Prefix, opts.Marker, max)
	if err != nil {
		return ListBucketsResult{}, toLayerErr(err)
	}
	res := ListBucketsResult{Buckets: make([]BucketInfo, len(bs)), IsTruncated: truncated}
	for i := range bs {
		res.Buckets[i] = toBucketInfo(&bs[i])
	}
	if truncated {
		res.NextMarker = bs[len(bs)-1].Name
	}
	return res, nil
}
