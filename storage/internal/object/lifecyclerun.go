package object

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/koss-io/koss/storage/internal/background"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

// DefaultLifecycleMaxPerPass bounds the work of one lifecycle pass: at
// most this many objects deleted and uploads aborted; the rest wait for
// the next pass.
const DefaultLifecycleMaxPerPass = 1000

// expireBatch is how many objects one ExpireObjects command carries.
const expireBatch = 100

// listPage is the page size of the lifecycle loop's listings.
const listPage = 1000

// LifecyclePass is what one lifecycle pass did.
type LifecyclePass struct {
	// Expired objects were deleted, Aborted uploads aborted.
	Expired, Aborted int
	// Truncated: the pass stopped at its bound with work left.
	Truncated bool
}

// lifecycleCounters are the totals of every pass on this node.
type lifecycleCounters struct {
	passes, expired, aborted atomic.Uint64
}

// LifecycleCounts reports the lifecycle loop's totals on this node since
// it started: passes run (as leader), objects deleted, uploads aborted.
func (s *Store) LifecycleCounts() (passes, expired, aborted uint64) {
	return s.lifecycle.passes.Load(), s.lifecycle.expired.Load(), s.lifecycle.aborted.Load()
}

// RunLifecycle carries out every bucket's enabled lifecycle rules once, at
// now, days being day long (24h but in tests), doing at most max
// deletions and aborts. Only the leader should run it: it proposes, and
// every replica applies. Expired objects go through ExpireObjects, which
// carries now and what the pass saw of each object, so that Apply deletes
// an object only if it is still that object and the bucket's rules still
// expire it; due uploads go through AbortLifecycleUploads, which Apply
// re-checks against the bucket's current rules the same way.
func (s *Store) RunLifecycle(ctx context.Context, now time.Time, day time.Duration, max int) (LifecyclePass, error) {
	var pass LifecyclePass
	if day <= 0 || max <= 0 {
		return pass, ErrInvalidArgument
	}
	marker := ""
	for {
		page, err := s.ListBuckets(ctx, ListBucketsOptions{Marker: marker, MaxKeys: listPage})
		if err != nil {
			return pass, err
		}
		for _, b := range page.Buckets {
			if b.Lifecycle == nil {
				continue
			}
			if err := s.runBucketLifecycle(ctx, b.Name, toMetaLifecycle(b.Lifecycle), now.UnixNano(), int64(day), max, &pass); err != nil {
				if errors.Is(err, ErrBucketNotFound) {
					continue // deleted since the listing
				}
				return pass, err
			}
			if pass.Truncated {
				return pass, nil
			}
		}
		if !page.IsTruncated {
			return pass, nil
		}
		marker = page.NextMarker
	}
}

func (s *Store) runBucketLifecycle(ctx context.Context, bucket string, l *record.Lifecycle, now, day int64, max int, pass *LifecyclePass) error {
	done := func() int { return pass.Expired + pass.Aborted }
	var batch []record.Expired
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		r, err := s.apply(ctx, &record.ExpireObjects{Bucket: bucket, Now: now, Day: day, Objects: batch})
		batch = batch[:0]
		if err != nil {
			return err
		}
		if err := r.Err(); err != nil {
			return toLayerErr(err)
		}
		if r.Length > 0 {
			pass.Expired += int(r.Length)
			s.lifecycle.expired.Add(uint64(r.Length))
			s.data.KickGC()
		}
		return nil
	}
	seen := map[string]bool{} // rules may overlap: one candidate per key
	for i := range l.Rules {
		rule := &l.Rules[i]
		if !rule.Enabled || rule.Expiration.When == record.LifecycleNever {
			continue
		}
		marker := ""
		for {
			page, err := s.ListObjects(ctx, bucket, ListOptions{Prefix: rule.Prefix, Marker: marker, MaxKeys: listPage})
			if err != nil {
				return err
			}
			for _, o := range page.Objects {
				if seen[o.Key] || !rule.ExpiresObject(o.Key, o.LastModified.UnixNano(), o.Tags, now, day) {
					continue
				}
				if done()+len(batch) >= max {
					pass.Truncated = true
					return flush()
				}
				seen[o.Key] = true
				batch = append(batch, record.Expired{Key: o.Key, ETag: o.ETag, MTime: o.LastModified.UnixNano()})
				if len(batch) == expireBatch {
					if err := flush(); err != nil {
						return err
					}
				}
			}
			if !page.IsTruncated {
				break
			}
			marker = page.NextMarker
		}
	}
	if err := flush(); err != nil {
		return err
	}
	var uploads []record.UploadRef
	abort := func() error {
		if len(uploads) == 0 {
			return nil
		}
		r, err := s.apply(ctx, &record.AbortLifecycleUploads{Bucket: bucket, Now: now, Day: day, Uploads: uploads})
		uploads = uploads[:0]
		if err != nil {
			return err
		}
		if err := r.Err(); err != nil {
			return toLayerErr(err)
		}
		if r.Length > 0 {
			pass.Aborted += int(r.Length)
			s.lifecycle.aborted.Add(uint64(r.Length))
			s.data.KickGC()
		}
		return nil
	}
	seenUploads := map[record.UploadRef]bool{}
	for i := range l.Rules {
		rule := &l.Rules[i]
		if !rule.Enabled || rule.AbortUpload.When == record.LifecycleNever {
			continue
		}
		opts := ListUploadsOptions{Prefix: rule.Prefix, MaxUploads: listPage}
		for {
			page, err := s.ListUploads(ctx, bucket, opts)
			if err != nil {
				return err
			}
			for _, u := range page.Uploads {
				ref := record.UploadRef{Key: u.Key, UploadID: u.UploadID}
				if seenUploads[ref] || !rule.AbortsUpload(u.Key, u.Initiated.UnixNano(), now, day) {
					continue
				}
				if done()+len(uploads) >= max {
					pass.Truncated = true
					return abort()
				}
				seenUploads[ref] = true
				uploads = append(uploads, ref)
				if len(uploads) == expireBatch {
					if err := abort(); err != nil {
						return err
					}
				}
			}
			if !page.IsTruncated {
				break
			}
			opts.KeyMarker, opts.UploadIDMarker = page.NextKeyMarker, page.NextUploadIDMarker
		}
	}
	return abort()
}

// StartLifecycle runs, in g, a loop that every interval carries out the
// buckets' lifecycle rules (RunLifecycle at the store's clock, at most max
// actions a pass) on the node isLeader says leads the Region: a follower
// never deletes on its own, the leader's commands do it everywhere. A pass
// that did something is logged.
func (s *Store) StartLifecycle(g *background.Group, isLeader func() bool, interval, day time.Duration, max int) {
	if interval <= 0 || day <= 0 || max <= 0 {
		return
	}
	g.Go(func(ctx context.Context) {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if isLeader != nil && !isLeader() {
				continue
			}
			s.lifecycle.passes.Add(1)
			pass, err := s.RunLifecycle(ctx, s.now(), day, max)
			if err != nil && ctx.Err() == nil {
				s.lg.Warn("Running bucket lifecycle rules failed", "error", err, "expired", pass.Expired, "aborted", pass.Aborted)
			} else if pass.Expired > 0 || pass.Aborted > 0 {
				s.lg.Info("Ran bucket lifecycle rules", "expired", pass.Expired, "aborted", pass.Aborted, "truncated", pass.Truncated)
			}
		}
	})
}
