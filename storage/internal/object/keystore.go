package object

import (
	"context"
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

func validGrants(g map[string]Access) error {
	for b, a := range g {
		if err := ValidBucketName(b); err != nil {
			return fmt.Errorf("%w: grant: %w", ErrInvalidArgument, err)
		}
		if !a.Valid() {
			return fmt.Errorf("%w: grant %q on %s", ErrInvalidArgument, a, b)
		}
	}
	return nil
}

// CreateKey implements KeyStore. A zero Created is set to now. The returned
// key keeps the original creation time when the key already existed.
func (s *Store) CreateKey(ctx context.Context, k AccessKey) (AccessKey, error) {
	if k.ID == "" || k.Secret == "" {
		return AccessKey{}, fmt.Errorf("%w: access key id and secret are required", ErrInvalidArgument)
	}
	if err := validGrants(k.Grants); err != nil {
		return AccessKey{}, err
	}
	created := k.Created
	if created.IsZero() {
		created = s.now()
	}
	r, err := s.apply(ctx, &record.CreateKey{ID: k.ID, Secret: k.Secret, Grants: toMetaGrants(k.Grants), Created: created.UnixNano()})
	if err != nil {
		return AccessKey{}, err
	}
	if err := r.Err(); err != nil {
		return AccessKey{}, toLayerErr(err)
	}
	return toAccessKey(r.Key), nil
}

// GetKey implements KeyStore.
func (s *Store) GetKey(ctx context.Context, id string) (AccessKey, error) {
	if err := s.barrier(ctx); err != nil {
		return AccessKey{}, err
	}
	k, err := s.meta.GetKey(id)
	if err != nil {
		return AccessKey{}, toLayerErr(err)
	}
	return toAccessKey(&k), nil
}

// ListKeys implements KeyStore.
func (s *Store) ListKeys(ctx context.Context) ([]AccessKey, error) {
	if err := s.barrier(ctx); err != nil {
		return nil, err
	}
	ks, err := s.meta.ListKeys()
	if err != nil {
		return nil, toLayerErr(err)
	}
	out := make([]AccessKey, len(ks))
	for i := range ks {
		out[i] = toAccessKey(&ks[i])
	}
	return out, nil
}

// SetGrants implements KeyStore.
func (s *Store) SetGrants(ctx context.Context, id string, grants map[string]Access) (AccessKey, error) {
	if err := validGrants(grants); err != nil {
		return AccessKey{}, err
	}
	r, err := s.apply(ctx, &record.SetGrants{ID: id, Grants: toMetaGrants(grants)})
	if err != nil {
		return AccessKey{}, err
	}
	if err := r.Err(); err != nil {
		return AccessKey{}, toLayerErr(err)
	}
	return toAccessKey(r.Key), nil
}

// DeleteKey implements KeyStore.
func (s *Store) DeleteKey(ctx context.Context, id string) error {
	r, err := s.apply(ctx, &record.DeleteKey{ID: id})
	if err != nil {
		return err
	}
	return toLayerErr(r.Err())
}
