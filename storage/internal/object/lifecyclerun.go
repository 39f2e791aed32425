package object

import (
	"context"
	"errors"
	"time"

	"github.com/koss-io/koss/storage/internal/background"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/bucketconfig"
	"github.com/koss-io/koss/storage/internal/object/lifecycle"
)

// DefaultLifecycleMaxPerPass bounds the work of one lifecycle pass: at
// most this many objects deleted and uploads aborted; the rest wait for
// the next pass.
const DefaultLifecycleMaxPerPass = lifecycle.DefaultMaxPerPass

// LifecyclePass is what one lifecycle pass did (lifecycle.Pass).
type LifecyclePass = lifecycle.Pass

// LifecycleCounts reports the lifecycle loop's totals on this node since
// it started: passes run (as leader), objects deleted, uploads aborted.
func (s *Store) LifecycleCounts() (passes, expired, aborted uint64) {
	return s.lifecycle.Counts()
}

// RunLifecycle carries out every bucket's enabled lifecycle rules once, at
// now, days being day long (24h but in tests), doing at most max
// deletions and aborts (package lifecycle; ErrInvalidArgument unless day
// and max are positive). Only the leader should run it: it proposes, and
// every replica applies.
func (s *Store) RunLifecycle(ctx context.Context, now time.Time, day time.Duration, max int) (LifecyclePass, error) {
	if day <= 0 || max <= 0 {
		return LifecyclePass{}, ErrInvalidArgument
	}
	return s.lifecycle.Run(ctx, now, day, max)
}

// StartLifecycle runs, in g, a loop that every interval carries out the
// buckets' lifecycle rules (RunLifecycle at the store's clock, at most max
// actions a pass) on the node isLeader says leads the Region: a follower
// never deletes on its own, the leader's commands do it everywhere. A pass
// that did something is logged.
func (s *Store) StartLifecycle(g *background.Group, isLeader func() bool, interval, day time.Duration, max int) {
	s.lifecycle.Start(g, isLeader, interval, day, max)
}

// lifecycleStore is the Store as package lifecycle needs it.
type lifecycleStore struct{ s *Store }

var _ lifecycle.Store = lifecycleStore{}

func (l lifecycleStore) ListBuckets(ctx context.Context, marker string, max int) ([]lifecycle.Bucket, bool, string, error) {
	page, err := l.s.ListBuckets(ctx, ListBucketsOptions{Marker: marker, MaxKeys: max})
	if err != nil {
		return nil, false, "", err
	}
	out := make([]lifecycle.Bucket, len(page.Buckets))
	for i, b := range page.Buckets {
		out[i] = lifecycle.Bucket{Name: b.Name, Lifecycle: bucketconfig.LifecycleToRecord(b.Lifecycle)}
	}
	return out, page.IsTruncated, page.NextMarker, nil
}

func (l lifecycleStore) ListObjects(ctx context.Context, bucket, prefix, marker string, max int) ([]lifecycle.Object, bool, string, error) {
	page, err := l.s.ListObjects(ctx, bucket, ListOptions{Prefix: prefix, Marker: marker, MaxKeys: max})
	if err != nil {
		return nil, false, "", err
	}
	out := make([]lifecycle.Object, len(page.Objects))
	for i, o := range page.Objects {
		out[i] = lifecycle.Object{Key: o.Key, ETag: o.ETag, MTime: o.LastModified.UnixNano(), Tags: o.Tags}
	}
	return out, page.IsTruncated, page.NextMarker, nil
}

func (l lifecycleStore) ListUploads(ctx context.Context, bucket, prefix, keyMarker, idMarker string, max int) ([]lifecycle.Upload, bool, string, string, error) {
	page, err := l.s.ListUploads(ctx, bucket, ListUploadsOptions{Prefix: prefix, KeyMarker: keyMarker, UploadIDMarker: idMarker, MaxUploads: max})
	if err != nil {
		return nil, false, "", "", err
	}
	out := make([]lifecycle.Upload, len(page.Uploads))
	for i, u := range page.Uploads {
		out[i] = lifecycle.Upload{Key: u.Key, UploadID: u.UploadID, Initiated: u.Initiated.UnixNano()}
	}
	return out, page.IsTruncated, page.NextKeyMarker, page.NextUploadIDMarker, nil
}

func (l lifecycleStore) ExpireObjects(ctx context.Context, c *record.ExpireObjects) (int, error) {
	return l.propose(ctx, c)
}

func (l lifecycleStore) AbortLifecycleUploads(ctx context.Context, c *record.AbortLifecycleUploads) (int, error) {
	return l.propose(ctx, c)
}

// propose applies c and returns how much it did, asking for a garbage
// collection when that is anything.
func (l lifecycleStore) propose(ctx context.Context, c record.Command) (int, error) {
	r, err := l.s.apply(ctx, c)
	if err != nil {
		return 0, err
	}
	if err := r.Err(); err != nil {
		return 0, toLayerErr(err)
	}
	if r.Length > 0 {
		l.s.data.KickGC()
	}
	return int(r.Length), nil
}

func (lifecycleStore) BucketGone(err error) bool { return errors.Is(err, ErrBucketNotFound) }
