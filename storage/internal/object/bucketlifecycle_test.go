package object

import (
	"errors"
	"reflect"
	"testing"
	"time"
)

// TestLifecycleThroughLayer: SetBucketLifecycle stores a configuration
// GetBucket reads back (surviving a restart), gives rules without an ID a
// distinct one, refuses an invalid one (ErrInvalidArgument) without
// changing anything, and nil removes it.
func TestLifecycleThroughLayer(t *testing.T) {
	dir := t.TempDir()
	st := openStack(t, dir)
	ctx := t.Context()
	s := st.store
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	cfg := &LifecycleConfiguration{Rules: []LifecycleRule{
		{ID: "logs", Prefix: "logs/", Enabled: true, Expiration: LifecycleAction{Days: 3}, AbortUpload: LifecycleAction{Days: 1}},
		{Prefix: "tmp/", Tags: map[string]string{"k": "v"}, Expiration: LifecycleAction{CreatedBefore: day}},
		{Prefix: "old/", Enabled: true, Expiration: LifecycleAction{Date: day}},
	}}
	if err := s.SetBucketLifecycle(ctx, "bkt", cfg); err != nil {
		t.Fatal(err)
	}
	b, err := s.GetBucket(ctx, "bkt")
	if err != nil || b.Lifecycle == nil || len(b.Lifecycle.Rules) != 3 {
		t.Fatalf("GetBucket = %+v, %v", b.Lifecycle, err)
	}
	got := b.Lifecycle
	if got.Rules[1].ID == "" || got.Rules[2].ID == "" || got.Rules[1].ID == got.Rules[2].ID {
		t.Fatalf("generated IDs %q %q", got.Rules[1].ID, got.Rules[2].ID)
	}
	want := *cfg
	want.Rules = append([]LifecycleRule(nil), cfg.Rules...)
	want.Rules[1].ID, want.Rules[2].ID = got.Rules[1].ID, got.Rules[2].ID
	if !reflect.DeepEqual(got, &want) {
		t.Fatalf("read back %+v, want %+v", got, &want)
	}
	for name, bad := range map[string]*LifecycleConfiguration{
		"no rules":   {},
		"two times":  {Rules: []LifecycleRule{{ID: "a", Expiration: LifecycleAction{Days: 1, Date: day}}}},
		"duplicates": {Rules: []LifecycleRule{{ID: "a", Expiration: LifecycleAction{Days: 1}}, {ID: "a", Expiration: LifecycleAction{Days: 2}}}},
		"no action":  {Rules: []LifecycleRule{{ID: "a"}}},
	} {
		if err := s.SetBucketLifecycle(ctx, "bkt", bad); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
	if err := s.SetBucketLifecycle(ctx, "nobucket", cfg); !errors.Is(err, ErrBucketNotFound) {
		t.Errorf("missing bucket: %v, want ErrBucketNotFound", err)
	}
	st.close()
	st = openStack(t, dir)
	if b, err := st.store.GetBucket(ctx, "bkt"); err != nil || !reflect.DeepEqual(b.Lifecycle, &want) {
		t.Fatalf("after restart and refusals: %+v, %v", b.Lifecycle, err)
	}
	if err := st.store.SetBucketLifecycle(ctx, "bkt", nil); err != nil {
		t.Fatal(err)
	}
	if b, _ := st.store.GetBucket(ctx, "bkt"); b.Lifecycle != nil {
		t.Fatalf("after removal: %+v", b.Lifecycle)
	}
}
