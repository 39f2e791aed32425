package config

import "testing"

// TestLifecycleVerdicts: what expires and what is aborted, at which time.
// Never: an object outside the prefix, one missing a tag or with another
// value, one of a Disabled rule, one whose days have not yet passed.
func TestLifecycleVerdicts(t *testing.T) {
	const day = int64(1000)
	l := &Lifecycle{Rules: []LifecycleRule{
		{ID: "days", Prefix: "logs/", Enabled: true, Expiration: LifecycleAction{When: LifecycleDays, Value: 2},
			AbortUpload: LifecycleAction{When: LifecycleDays, Value: 1}},
		{ID: "tagged", Prefix: "t/", Enabled: true, Tags: map[string]string{"k": "v", "x": ""},
			Expiration: LifecycleAction{When: LifecycleDays, Value: 1}},
		{ID: "off", Prefix: "off/", Expiration: LifecycleAction{When: LifecycleDays, Value: 1}},
		{ID: "date", Prefix: "d/", Enabled: true, Expiration: LifecycleAction{When: LifecycleDate, Value: 5000}},
		{ID: "before", Prefix: "b/", Enabled: true, Expiration: LifecycleAction{When: LifecycleCreatedBefore, Value: 5000},
			AbortUpload: LifecycleAction{When: LifecycleCreatedBefore, Value: 5000}},
	}}
	for _, tc := range []struct {
		key        string
		mtime, now int64
		tags       map[string]string
		want       bool
	}{
		{"logs/a", 100, 2099, nil, false},
		{"logs/a", 100, 2100, nil, true},
		{"other/a", 100, 1e9, nil, false},
		{"t/a", 0, 1000, map[string]string{"k": "v", "x": ""}, true},
		{"t/a", 0, 1000, map[string]string{"k": "v", "x": "", "more": "1"}, true},
		{"t/a", 0, 1000, map[string]string{"k": "v"}, false},
		{"t/a", 0, 1000, map[string]string{"k": "w", "x": ""}, false},
		{"off/a", 0, 1e9, nil, false},
		{"d/a", 4999, 4999, nil, false},
		{"d/a", 4999, 5000, nil, true},
		{"b/a", 4999, 4999, nil, true},
		{"b/a", 5000, 1e9, nil, false},
	} {
		if got := l.ExpiresObject(tc.key, tc.mtime, tc.tags, tc.now, day); got != tc.want {
			t.Errorf("ExpiresObject(%q, mtime %d, %v, now %d) = %v", tc.key, tc.mtime, tc.tags, tc.now, got)
		}
	}
	for _, tc := range []struct {
		key            string
		initiated, now int64
		want           bool
	}{
		{"logs/u", 0, 999, false}, {"logs/u", 0, 1000, true}, {"t/u", 0, 1e9, false},
		{"b/u", 4999, 0, true}, {"b/u", 5000, 1e9, false}, {"off/u", 0, 1e9, false},
	} {
		if got := l.AbortsUpload(tc.key, tc.initiated, tc.now, day); got != tc.want {
			t.Errorf("AbortsUpload(%q, %d, now %d) = %v", tc.key, tc.initiated, tc.now, got)
		}
	}
	var none *Lifecycle
	if none.ExpiresObject("logs/a", 0, nil, 1e18, day) || none.AbortsUpload("logs/a", 0, 1e18, day) {
		t.Error("no rules expired something")
	}
}
