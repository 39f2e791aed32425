package background

import (
	"context"
	"sync/atomic"
	"testing"
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
