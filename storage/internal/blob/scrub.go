package blob

import (
	"context"
	"errors"
	"time"
)

// ScrubOptions bound the cost of VerifyAll.
type ScrubOptions struct {
	// BytesPerSecond caps the average read rate; 0 means unlimited.
	BytesPerSecond int64
	// Report is called for every blob that fails verification (never for
	// blobs deleted during the scrub). It may be nil.
	Report func(id string, err error)
}

// ScrubResult summarises a VerifyAll pass.
type ScrubResult struct {
	Checked int
	Bytes   int64
	Corrupt int
}

// VerifyAll walks s and verifies every blob (block CRCs, MD5 and CRC-64),
// reporting the corrupt ones through opts.Report. It returns early only when
// ctx ends or the walk itself fails; a corrupt blob does not stop the scrub.
func VerifyAll(ctx context.Context, s Store, opts ScrubOptions) (ScrubResult, error) {
	var res ScrubResult
	start := time.Now()
	err := s.Walk(ctx, func(e Entry) error {
		err := s.Verify(ctx, e.ID)
		switch {
		case err == nil:
		case errors.Is(err, ErrNotFound):
			return nil // deleted since the walk saw it
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			res.Corrupt++
			if opts.Report != nil {
				opts.Report(e.ID, err)
			}
		}
		res.Checked++
		res.Bytes += e.FileSize
		if opts.BytesPerSecond > 0 {
			due := start.Add(time.Duration(float64(res.Bytes) / float64(opts.BytesPerSecond) * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				t := time.NewTimer(wait)
				defer t.Stop()
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-t.C:
				}
			}
		}
		return nil
	})
	return res, err
}
