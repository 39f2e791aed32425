package object

import (
	"context"
	"fmt"
	"io"

	"github.com/koss-io/koss/storage/internal/crc64ecma"
	"github.com/koss-io/koss/storage/internal/object/internal/layer"
	"github.com/koss-io/koss/storage/internal/object/segread"
)

// GetObject implements Layer.
//
// The blobs of the range are pinned before the reader is returned, and the
// record is checked to still refer to them after pinning: from then on the
// collector and the sweeper leave them alone, so a concurrent delete or
// overwrite cannot pull a blob from under a reader. (If the record changed
// in between, the lookup starts over, with sel judging the newer record.)
func (s *Store) GetObject(ctx context.Context, bucket, key string, sel Selector) (ObjectInfo, io.ReadCloser, error) {
	return s.getObject(ctx, bucket, key, sel, false)
}

// GetObjectFollow implements Layer.
func (s *Store) GetObjectFollow(ctx context.Context, bucket, key string, sel Selector) (ObjectInfo, io.ReadCloser, error) {
	return s.getObject(ctx, bucket, key, sel, true)
}

// getObject is GetObject, following a symlink when follow is set.
func (s *Store) getObject(ctx context.Context, bucket, key string, sel Selector, follow bool) (ObjectInfo, io.ReadCloser, error) {
	if err := ValidBucketName(bucket); err != nil {
		return ObjectInfo{}, nil, err
	}
	if err := ValidObjectKey(key); err != nil {
		return ObjectInfo{}, nil, err
	}
	if err := s.barrier(ctx); err != nil {
		return ObjectInfo{}, nil, err
	}
	for attempt := 0; ; attempt++ {
		// With follow a symlink is read as its target (symlink.go);
		// without, as the content-less record it is.
		o, err := s.read(bucket, key, follow)
		if err != nil {
			return ObjectInfo{}, nil, err
		}
		info := layer.ObjectInfoFromRecord(&o)
		start, length := int64(0), o.Size
		if sel != nil {
			rng, err := sel(info)
			if err != nil {
				return ObjectInfo{}, nil, err
			}
			if rng != nil {
				if rng.Start < 0 || rng.Length < 0 || rng.Start > o.Size || rng.Length > o.Size-rng.Start {
					return ObjectInfo{}, nil, fmt.Errorf("%w: range %d+%d of a %d-byte object", ErrInvalidArgument, rng.Start, rng.Length, o.Size)
				}
				start, length = rng.Start, rng.Length
			}
		}
		parts := segread.Slice(o.Segments, start, length)
		ids := segread.Blobs(parts)
		unpin := s.data.Pin(ids)
		stillUsed, err := s.referenced(ids)
		if err != nil {
			unpin()
			return ObjectInfo{}, nil, toLayerErr(err)
		}
		if !stillUsed {
			unpin()
			if attempt < 5 {
				continue
			}
			return ObjectInfo{}, nil, fmt.Errorf("%w: object keeps changing under the read", ErrUnavailable)
		}
		id := bucket + "/" + key
		r := s.newReader(ctx, id, parts, unpin)
		if err := verifyInline(id, parts); err != nil {
			_ = r.Close()
			return ObjectInfo{}, nil, err
		}
		// Open the first blob now so that a missing or damaged blob is an
		// error of GetObject, before the caller commits to a response.
		if err := r.Open(); err != nil {
			_ = r.Close()
			return ObjectInfo{}, nil, err
		}
		return info, r, nil
	}
}

// referenced reports whether every blob in ids is still referenced.
func (s *Store) referenced(ids []string) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	counts, err := s.meta.RefCounts(ids)
	if err != nil {
		return false, err
	}
	for _, n := range counts {
		if n == 0 {
			return false, nil
		}
	}
	return true, nil
}

// verifyInline checks the CRC-64 of every inline segment of a read of
// the object id.
func verifyInline(id string, parts []segread.Part) error {
	for _, p := range parts {
		if p.Seg.Inline() && crc64ecma.Checksum(p.Seg.Data) != p.Seg.CRC64 {
			return fmt.Errorf("%w: %s: inline data", ErrChecksumMismatch, id)
		}
	}
	return nil
}

// newReader returns a reader of parts of the object id (bucket/key)
// from the data store, failing in the Layer's errors; unpin releases the
// parts' blobs when it is closed.
func (s *Store) newReader(ctx context.Context, id string, parts []segread.Part, unpin func()) *segread.Reader {
	return segread.NewReader(ctx, segread.Config{Data: s.data, ID: id, Parts: parts, Unpin: unpin, Wrap: toLayerErr})
}
