package lifecycle

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/koss-io/koss/storage/internal/background"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

// DefaultMaxPerPass bounds the work of one lifecycle pass: at most this
// many objects deleted and uploads aborted; the rest wait for the next
// pass.
const DefaultMaxPerPass = 1000

// expireBatch is how many objects one ExpireObjects command carries.
const expireBatch = 100

// listPage is the page size of the lifecycle loop's listings.
const listPage = 1000

// Bucket is a bucket as a pass sees it: its name and its lifecycle rules
// (nil: none).
type Bucket struct {
	Name      string
	Lifecycle *record.Lifecycle
}

// Object is what a pass needs of an object to judge it and to name it in
// ExpireObjects.
type Object struct {
	Key   string
	ETag  string
	MTime int64 // last modified, Unix nanoseconds
	Tags  map[string]string
}

// Upload is what a pass needs of a multipart upload in progress.
type Upload struct {
	Key, UploadID string
	Initiated     int64 // Unix nanoseconds
}

// Store is what a pass needs of the object store. Listings are
// linearizable reads, in order, resuming strictly after their markers;
// the two commands are proposed and return how many objects (uploads)
// the state machine deleted (aborted). Methods are safe for concurrent
// use.
type Store interface {
	// ListBuckets returns up to max buckets after marker, whether more
	// follow and the marker of the next page.
	ListBuckets(ctx context.Context, marker string, max int) (page []Bucket, more bool, next string, err error)
	// ListObjects returns up to max objects of bucket under prefix after
	// marker.
	ListObjects(ctx context.Context, bucket, prefix, marker string, max int) (page []Object, more bool, next string, err error)
	// ListUploads returns up to max uploads of bucket under prefix after
	// (keyMarker, idMarker).
	ListUploads(ctx context.Context, bucket, prefix, keyMarker, idMarker string, max int) (page []Upload, more bool, nextKey, nextID string, err error)
	// ExpireObjects proposes c.
	ExpireObjects(ctx context.Context, c *record.ExpireObjects) (int, error)
	// AbortLifecycleUploads proposes c.
	AbortLifecycleUploads(ctx context.Context, c *record.AbortLifecycleUploads) (int, error)
	// BucketGone reports whether err, from one of the calls above, means
	// the bucket no longer exists (deleted since the listing).
	BucketGone(err error) bool
}

// Pass is what one lifecycle pass did.
type Pass struct {
	// Expired objects were deleted, Aborted uploads aborted.
	Expired, Aborted int
	// Truncated: the pass stopped at its bound with work left.
	Truncated bool
}

// Runner runs lifecycle passes over a Store and counts what they did.
type Runner struct {
	st  Store
	lg  *slog.Logger
	now func() time.Time

	// Totals of every pass on this node (Counts).
	passes, expired, aborted atomic.Uint64
}

// New returns a Runner over st that logs to lg and, in its loop, runs
// passes at now().
func New(st Store, lg *slog.Logger, now func() time.Time) *Runner {
	return &Runner{st: st, lg: lg, now: now}
}

// Counts reports the loop's totals on this node since it started: passes
// run (as leader), objects deleted, uploads aborted.
func (r *Runner) Counts() (passes, expired, aborted uint64) {
	return r.passes.Load(), r.expired.Load(), r.aborted.Load()
}

// Run carries out every bucket's enabled lifecycle rules once, at now,
// days being day long (24h but in tests), doing at most max deletions
// and aborts; day and max must be positive. Only the leader should run
// it: it proposes, and every replica applies. Expired objects go through
// ExpireObjects, which carries now and what the pass saw of each object,
// so that Apply deletes an object only if it is still that object and
// the bucket's rules still expire it; due uploads go through
// AbortLifecycleUploads, which Apply re-checks against the bucket's
// current rules the same way.
func (r *Runner) Run(ctx context.Context, now time.Time, day time.Duration, max int) (Pass, error) {
	var pass Pass
	marker := ""
	for {
		page, more, next, err := r.st.ListBuckets(ctx, marker, listPage)
		if err != nil {
			return pass, err
		}
		for _, b := range page {
			if b.Lifecycle == nil {
				continue
			}
			if err := r.runBucket(ctx, b.Name, b.Lifecycle, now.UnixNano(), int64(day), max, &pass); err != nil {
				if r.st.BucketGone(err) {
					continue // deleted since the listing
				}
				return pass, err
			}
			if pass.Truncated {
				return pass, nil
			}
		}
		if !more {
			return pass, nil
		}
		marker = next
	}
}

func (r *Runner) runBucket(ctx context.Context, bucket string, l *record.Lifecycle, now, day int64, max int, pass *Pass) error {
	done := func() int { return pass.Expired + pass.Aborted }
	var batch []record.Expired
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := r.st.ExpireObjects(ctx, &record.ExpireObjects{Bucket: bucket, Now: now, Day: day, Objects: batch})
		batch = batch[:0]
		if err != nil {
			return err
		}
		if n > 0 {
			pass.Expired += n
			r.expired.Add(uint64(n))
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
			page, more, next, err := r.st.ListObjects(ctx, bucket, rule.Prefix, marker, listPage)
			if err != nil {
				return err
			}
			for _, o := range page {
				if seen[o.Key] || !rule.ExpiresObject(o.Key, o.MTime, o.Tags, now, day) {
					continue
				}
				if done()+len(batch) >= max {
					pass.Truncated = true
					return flush()
				}
				seen[o.Key] = true
				batch = append(batch, record.Expired{Key: o.Key, ETag: o.ETag, MTime: o.MTime})
				if len(batch) == expireBatch {
					if err := flush(); err != nil {
						return err
					}
				}
			}
			if !more {
				break
			}
			marker = next
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
		n, err := r.st.AbortLifecycleUploads(ctx, &record.AbortLifecycleUploads{Bucket: bucket, Now: now, Day: day, Uploads: uploads})
		uploads = uploads[:0]
		if err != nil {
			return err
		}
		if n > 0 {
			pass.Aborted += n
			r.aborted.Add(uint64(n))
		}
		return nil
	}
	seenUploads := map[record.UploadRef]bool{}
	for i := range l.Rules {
		rule := &l.Rules[i]
		if !rule.Enabled || rule.AbortUpload.When == record.LifecycleNever {
			continue
		}
		keyMarker, idMarker := "", ""
		for {
			page, more, nextKey, nextID, err := r.st.ListUploads(ctx, bucket, rule.Prefix, keyMarker, idMarker, listPage)
			if err != nil {
				return err
			}
			for _, u := range page {
				ref := record.UploadRef{Key: u.Key, UploadID: u.UploadID}
				if seenUploads[ref] || !rule.AbortsUpload(u.Key, u.Initiated, now, day) {
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
			if !more {
				break
			}
			keyMarker, idMarker = nextKey, nextID
		}
	}
	return abort()
}

// Start runs, in g, a loop that every interval carries out the buckets'
// lifecycle rules (Run at the Runner's clock, at most max actions a
// pass) on the node isLeader says leads the Region: a follower never
// deletes on its own, the leader's commands do it everywhere. A pass
// that did something is logged. Non-positive arguments start nothing.
func (r *Runner) Start(g *background.Group, isLeader func() bool, interval, day time.Duration, max int) {
	if interval <= 0 || day <= 0 || max <= 0 {
		return
	}
	g.Every(interval, func(ctx context.Context) {
		if isLeader != nil && !isLeader() {
			return
		}
		r.passes.Add(1)
		pass, err := r.Run(ctx, r.now(), day, max)
		if err != nil && ctx.Err() == nil {
			r.lg.Warn("Running bucket lifecycle rules failed", "error", err, "expired", pass.Expired, "aborted", pass.Aborted)
		} else if pass.Expired > 0 || pass.Aborted > 0 {
			r.lg.Info("Ran bucket lifecycle rules", "expired", pass.Expired, "aborted", pass.Aborted, "truncated", pass.Truncated)
		}
	})
}
