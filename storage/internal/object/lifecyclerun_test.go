package object

import (
	"bytes"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/background"
)

// TestRunLifecycle: one pass at a chosen time deletes exactly the objects
// an enabled rule expires and aborts exactly the uploads it aborts. Never:
// an object before its days, outside the prefix, missing the rule's tags,
// under a Disabled rule, or written again since (its days start over);
// nothing after the rules are removed. The bound holds: a pass does at
// most max, the next one the rest.
func TestRunLifecycle(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	s := st.store
	const day = time.Hour
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put := func(key string, tags map[string]string) {
		t.Helper()
		if _, err := s.PutObject(ctx, "bkt", key, bytes.NewReader([]byte("x")), 1, PutOptions{Tags: tags}); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"logs/a", "logs/b", "logs/c", "keep/a", "off/a", "again/a"} {
		put(k, nil)
	}
	put("tagged/yes", map[string]string{"class": "tmp", "other": "1"})
	put("tagged/no", map[string]string{"class": "keep"})
	put("tagged/none", nil)
	old, err := s.CreateUpload(ctx, "bkt", "logs/upload", PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateUpload(ctx, "bkt", "keep/upload", PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &LifecycleConfiguration{Rules: []LifecycleRule{
		{ID: "logs", Prefix: "logs/", Enabled: true, Expiration: LifecycleAction{Days: 2}, AbortUpload: LifecycleAction{Days: 1}},
		{ID: "tagged", Prefix: "tagged/", Enabled: true, Tags: map[string]string{"class": "tmp"}, Expiration: LifecycleAction{Days: 2}},
		{ID: "off", Prefix: "off/", Expiration: LifecycleAction{Days: 1}},
		{ID: "again", Prefix: "again/", Enabled: true, Expiration: LifecycleAction{Days: 2}},
	}}
	if err := s.SetBucketLifecycle(ctx, "bkt", cfg); err != nil {
		t.Fatal(err)
	}
	exists := func(key string) bool {
		_, err := s.HeadObject(ctx, "bkt", key)
		if err != nil && !errors.Is(err, ErrObjectNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	start := time.Now()
	// Before the days have passed nothing goes.
	if pass, err := s.RunLifecycle(ctx, start.Add(30*time.Minute), day, 100); err != nil || pass != (LifecyclePass{}) {
		t.Fatalf("early pass = %+v, %v; want nothing done", pass, err)
	}
	// again/a is written again one "day" later: its days start over.
	st.offset.Store(int64(day))
	put("again/a", nil)
	// At 2.5 days, with a bound of 2: two of the four due objects go.
	at := start.Add(5 * day / 2)
	pass, err := s.RunLifecycle(ctx, at, day, 2)
	if err != nil || pass.Expired != 2 || pass.Aborted != 0 || !pass.Truncated {
		t.Fatalf("bounded pass = %+v, %v; want 2 expired and truncated", pass, err)
	}
	pass, err = s.RunLifecycle(ctx, at, day, 100)
	if err != nil || pass.Expired != 2 || pass.Aborted != 1 || pass.Truncated {
		t.Fatalf("second pass = %+v, %v; want 2 expired and 1 aborted", pass, err)
	}
	for key, want := range map[string]bool{"logs/a": false, "logs/b": false, "logs/c": false, "tagged/yes": false,
		"keep/a": true, "off/a": true, "again/a": true, "tagged/no": true, "tagged/none": true} {
		if got := exists(key); got != want {
			t.Errorf("%s: exists %v, want %v", key, got, want)
		}
	}
	if err := s.AbortUpload(ctx, "bkt", old.Key, old.UploadID); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("the stale upload under logs/ was not aborted: %v", err)
	}
	if _, err := s.ListParts(ctx, "bkt", other.Key, other.UploadID, 0, 10); err != nil {
		t.Errorf("the upload outside the rule was touched: %v", err)
	}
	if pass, err := s.RunLifecycle(ctx, at, day, 100); err != nil || pass != (LifecyclePass{}) {
		t.Fatalf("third pass = %+v, %v; want nothing left", pass, err)
	}
	if _, expired, aborted := s.LifecycleCounts(); expired != 4 || aborted != 1 {
		t.Errorf("counts: %d expired, %d aborted", expired, aborted)
	}
	// With the rules gone nothing expires, however late.
	if err := s.SetBucketLifecycle(ctx, "bkt", nil); err != nil {
		t.Fatal(err)
	}
	if pass, err := s.RunLifecycle(ctx, at.Add(100*day), day, 100); err != nil || pass != (LifecyclePass{}) {
		t.Fatalf("pass without rules = %+v, %v", pass, err)
	}
	if !exists("again/a") || !exists("keep/a") {
		t.Fatal("an object was deleted after the rules were removed")
	}
}

// TestLifecycleLoopLeaderOnly: the loop deletes nothing on a node that
// does not lead (a follower never deletes on its own), and carries the
// rules out once it leads.
func TestLifecycleLoopLeaderOnly(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	s := st.store
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutObject(ctx, "bkt", "a", bytes.NewReader([]byte("x")), 1, PutOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := &LifecycleConfiguration{Rules: []LifecycleRule{{ID: "all", Enabled: true, Expiration: LifecycleAction{Days: 1}}}}
	if err := s.SetBucketLifecycle(ctx, "bkt", cfg); err != nil {
		t.Fatal(err)
	}
	st.offset.Store(int64(time.Hour)) // a "day" of 1ms has long passed
	var leads atomic.Bool
	g := background.New()
	defer g.Stop()
	s.StartLifecycle(g, leads.Load, 5*time.Millisecond, time.Millisecond, 10)
	time.Sleep(100 * time.Millisecond)
	if _, err := s.HeadObject(ctx, "bkt", "a"); err != nil {
		t.Fatalf("a node that does not lead deleted the object: %v", err)
	}
	if passes, _, _ := s.LifecycleCounts(); passes != 0 {
		t.Fatalf("%d passes ran on a node that does not lead", passes)
	}
	leads.Store(true)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := s.HeadObject(ctx, "bkt", "a"); errors.Is(err, ErrObjectNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the leader's loop did not delete the expired object")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
