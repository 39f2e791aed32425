package background

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestStopCancelsAndWaits(t *testing.T) {
	g := New()
	var done atomic.Int32
	for range 3 {
		if !g.Go(func(ctx context.Context) {
			<-ctx.Done()
			done.Add(1)
		}) {
			t.Fatal("Go refused before Stop")
		}
	}
	g.Stop()
	if n := done.Load(); n != 3 {
		t.Fatalf("Stop returned with %d of 3 functions done", n)
	}
	if g.Go(func(context.Context) { t.Error("ran after Stop") }) {
		t.Fatal("Go accepted work after Stop")
	}
	g.Stop() // a second Stop is harmless
}

// TestEvery: fn runs again and again, never before the first interval,
// and not after Stop returned.
func TestEvery(t *testing.T) {
	g := New()
	var runs atomic.Int32
	start := time.Now()
	var first atomic.Int64
	if !g.Every(10*time.Millisecond, func(context.Context) {
		first.CompareAndSwap(0, int64(time.Since(start)))
		runs.Add(1)
	}) {
		t.Fatal("Every did not start")
	}
	for runs.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	g.Stop()
	if d := time.Duration(first.Load()); d < 10*time.Millisecond {
		t.Fatalf("first run after %s, before the interval", d)
	}
	after := runs.Load()
	time.Sleep(30 * time.Millisecond)
	if runs.Load() != after {
		t.Fatal("fn ran after Stop")
	}
	if g.Every(time.Millisecond, func(context.Context) {}) {
		t.Fatal("Every started after Stop")
	}
}
