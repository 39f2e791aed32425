package object

import (
	"context"
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/bucketconfig"
)

// CORSRule is one rule of a bucket's CORS configuration
// (bucketconfig.CORSRule).
type CORSRule = bucketconfig.CORSRule

// CORSConfiguration is a bucket's CORS configuration
// (bucketconfig.CORSConfiguration).
type CORSConfiguration = bucketconfig.CORSConfiguration

// MaxCORSRules is the most rules a configuration holds (OSS: 10).
const MaxCORSRules = bucketconfig.MaxCORSRules

// CheckCORS reports why cfg cannot be a bucket's CORS configuration
// (OSS's limits: see record.CheckCORS), wrapping ErrInvalidArgument, or
// nil.
func CheckCORS(cfg *CORSConfiguration) error {
	if err := bucketconfig.CheckCORS(cfg); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	return nil
}

// SetBucketCors implements Layer. The configuration is checked here for
// a clear error and again in Apply, which every replica runs.
func (s *Store) SetBucketCors(ctx context.Context, bucket string, cfg *CORSConfiguration) error {
	if err := ValidBucketName(bucket); err != nil {
		return err
	}
	if err := CheckCORS(cfg); err != nil {
		return err
	}
	r, err := s.apply(ctx, &record.SetBucketCors{Name: bucket, CORS: bucketconfig.CORSToRecord(cfg)})
	if err != nil {
		return err
	}
	return toLayerErr(r.Err())
}
