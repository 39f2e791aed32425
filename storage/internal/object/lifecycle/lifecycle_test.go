package lifecycle

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

var errGone = errors.New("bucket gone")

// fakeStore is a Store of one listing page per call, recording the
// commands a pass proposes.
type fakeStore struct {
	buckets []Bucket
	objects map[string][]Object
	uploads map[string][]Upload
	gone    map[string]bool
	expired []record.Expired
	aborted []record.UploadRef
}

func (f *fakeStore) ListBuckets(_ context.Context, marker string, max int) ([]Bucket, bool, string, error) {
	return f.buckets, false, "", nil
}

func (f *fakeStore) ListObjects(_ context.Context, bucket, prefix, marker string, max int) ([]Object, bool, string, error) {
	if f.gone[bucket] {
		return nil, false, "", errGone
	}
	return f.objects[bucket], false, "", nil
}

func (f *fakeStore) ListUploads(_ context.Context, bucket, prefix, keyMarker, idMarker string, max int) ([]Upload, bool, string, string, error) {
	return f.uploads[bucket], false, "", "", nil
}

func (f *fakeStore) ExpireObjects(_ context.Context, c *record.ExpireObjects) (int, error) {
	f.expired = append(f.expired, c.Objects...)
	return len(c.Objects), nil
}

func (f *fakeStore) AbortLifecycleUploads(_ context.Context, c *record.AbortLifecycleUploads) (int, error) {
	f.aborted = append(f.aborted, c.Uploads...)
	return len(c.Uploads), nil
}

func (f *fakeStore) BucketGone(err error) bool { return errors.Is(err, errGone) }

// TestRunOverFakeStore: a pass proposes the objects and uploads an
// enabled rule makes due, once each however many rules match, skips a
// bucket deleted since the listing, and stops at its bound (Truncated).
func TestRunOverFakeStore(t *testing.T) {
	const day = int64(time.Hour)
	now := time.Unix(0, 10*day)
	rules := &record.Lifecycle{Rules: []record.LifecycleRule{
		{ID: "a", Enabled: true, Expiration: record.LifecycleAction{When: record.LifecycleDays, Value: 1},
			AbortUpload: record.LifecycleAction{When: record.LifecycleDays, Value: 1}},
		{ID: "b", Enabled: true, Expiration: record.LifecycleAction{When: record.LifecycleDays, Value: 2}},
	}}
	newStore := func() *fakeStore {
		return &fakeStore{
			buckets: []Bucket{{Name: "gone", Lifecycle: rules}, {Name: "none"}, {Name: "bkt", Lifecycle: rules}},
			objects: map[string][]Object{"bkt": {
				{Key: "old", ETag: `"1"`, MTime: 0}, {Key: "new", ETag: `"2"`, MTime: 10 * day}, {Key: "older", MTime: day},
			}},
			uploads: map[string][]Upload{"bkt": {{Key: "u", UploadID: "1", Initiated: 0}, {Key: "v", UploadID: "2", Initiated: 10 * day}}},
			gone:    map[string]bool{"gone": true},
		}
	}
	f := newStore()
	r := New(f, slog.New(slog.DiscardHandler), time.Now)
	pass, err := r.Run(t.Context(), now, time.Hour, 100)
	if err != nil {
		t.Fatal(err)
	}
	if pass.Expired != 2 || pass.Aborted != 1 || pass.Truncated {
		t.Fatalf("pass = %+v, want 2 expired, 1 aborted", pass)
	}
	if len(f.expired) != 2 || f.expired[0] != (record.Expired{Key: "old", ETag: `"1"`, MTime: 0}) || f.expired[1].Key != "older" {
		t.Fatalf("expired %+v", f.expired)
	}
	if len(f.aborted) != 1 || f.aborted[0] != (record.UploadRef{Key: "u", UploadID: "1"}) {
		t.Fatalf("aborted %+v", f.aborted)
	}
	if _, e, a := r.Counts(); e != 2 || a != 1 {
		t.Fatalf("Counts = %d, %d", e, a)
	}

	f = newStore()
	pass, err = New(f, slog.New(slog.DiscardHandler), time.Now).Run(t.Context(), now, time.Hour, 1)
	if err != nil || pass.Expired != 1 || pass.Aborted != 0 || !pass.Truncated {
		t.Fatalf("bounded pass = %+v, %v", pass, err)
	}
}
