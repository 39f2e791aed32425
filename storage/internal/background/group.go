package background

import (
	"context"
	"sync"
	"time"
)

// Group runs functions until Stop. The zero value is not usable; call New.
type Group struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

// New returns a running Group.
func New() *Group {
	ctx, cancel := context.WithCancel(context.Background())
	return &Group{ctx: ctx, cancel: cancel}
}

// Go runs fn in its own goroutine with a context that ends at Stop, and
// reports whether it did: after Stop nothing new starts.
func (g *Group) Go(fn func(ctx context.Context)) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return false
	}
	g.wg.Go(func() { fn(g.ctx) })
	return true
}

// Every runs fn every interval (first after one interval) until Stop,
// and reports whether it started: the periodic loops of a node (the
// lifecycle passes, the stale-upload reaper) are this and nothing more.
func (g *Group) Every(interval time.Duration, fn func(ctx context.Context)) bool {
	return g.Go(func(ctx context.Context) {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			fn(ctx)
		}
	})
}

// Stop ends the context of every function and waits for all of them to
// return. It is safe to call more than once.
func (g *Group) Stop() {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
	g.cancel()
	g.wg.Wait()
}
