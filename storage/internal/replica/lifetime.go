package replica

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/koss-io/koss/storage/internal/blob"
)

// Blob lifetime outside the state machine.
//
// A blob is deleted by the collector when the state machine lists it as
// garbage (its last reference went away), or by the orphan sweeper when no
// record refers to it and it is older than SweepGrace (a write that crashed
// or timed out between its blob and its command). Neither deletes a blob
// that is in flight (being written by this node, command not yet answered)
// or pinned (open for reading); the check and the delete happen under s.mu,
// the same lock pin and track take.

// track marks a blob id as being written.
func (s *Set) track(id string) {
	s.mu.Lock()
	s.inflight[id]++
	s.mu.Unlock()
}

func (s *Set) untrack(id string) {
	s.mu.Lock()
	if s.inflight[id]--; s.inflight[id] <= 0 {
		delete(s.inflight, id)
	}
	s.mu.Unlock()
}

// Pin protects blobs from deletion until the returned function is called.
// A reader pins the blobs of an object, then checks that the object still
// refers to them (a blob the collector was deleting at that moment is no
// longer referenced), and unpins when it is done.
func (s *Set) Pin(ids []string) func() {
	if len(ids) == 0 {
		return func() {}
	}
	s.mu.Lock()
	for _, id := range ids {
		s.pins[id]++
	}
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			for _, id := range ids {
				if s.pins[id]--; s.pins[id] <= 0 {
					delete(s.pins, id)
				}
			}
			s.mu.Unlock()
		})
	}
}

// deleteIfUnused deletes a blob unless it is in flight or pinned.
func (s *Set) deleteIfUnused(id string) (bool, error) {
	s.mu.Lock()
	_, busy := s.deleting[id]
	if busy || s.inflight[id] > 0 || s.pins[id] > 0 {
		s.mu.Unlock()
		return false, nil
	}
	s.deleting[id] = struct{}{}
	s.mu.Unlock()
	err := s.local.Delete(id)
	s.mu.Lock()
	delete(s.deleting, id)
	s.mu.Unlock()
	if err != nil {
		return false, err
	}
	return true, nil
}

// KickGC asks the collector for a pass soon (after a delete).
func (s *Set) KickGC() { s.kickGC() }

func (s *Set) kickGC() {
	select {
	case s.gcKick <- struct{}{}:
	default:
	}
}

const gcBatch = 256

// CollectGarbage deletes the files of blobs the state machine has listed as
// garbage, at most DeleteRate per second, and returns how many it deleted.
// Blobs that are pinned or in flight are kept for a later pass.
func (s *Set) CollectGarbage(ctx context.Context) (int, error) {
	total := 0
	for {
		ids, err := s.meta.Garbage(gcBatch)
		if err != nil || len(ids) == 0 {
			return total, err
		}
		counts, err := s.meta.RefCounts(ids)
		if err != nil {
			return total, err
		}
		var forget []string
		for i, id := range ids {
			if counts[i] > 0 {
				forget = append(forget, id) // referenced again: not garbage
				continue
			}
			if err := s.limiter.wait(ctx); err != nil {
				return total, errors.Join(err, s.meta.ForgetGarbage(forget))
			}
			deleted, err := s.deleteIfUnused(id)
			if err != nil {
				s.lg.Warn("Deleting garbage blob failed", "blob", id, "err", err)
				continue
			}
			if deleted {
				total++
				forget = append(forget, id)
			}
		}
		if err := s.meta.ForgetGarbage(forget); err != nil {
			return total, err
		}
		if len(forget) < len(ids) {
			// Some are busy; they stay listed for the next pass.
			return total, nil
		}
	}
}

// SweepOrphans deletes blobs that no record refers to and that are older
// than SweepGrace, at most DeleteRate per second, and returns how many it
// deleted.
//
// It first waits for the read barrier, so that this node's state machine
// has applied every command committed before the sweep: a replica this node
// received for a write that did commit is referenced by then (the writer
// commits within SweepGrace of writing, or not at all), even when this node
// was down or lagging and is still catching up.
func (s *Set) SweepOrphans(ctx context.Context) (int, error) {
	cutoff := s.now().Add(-s.cfg.SweepGrace)
	if err := s.prop.Barrier(ctx); err != nil {
		return 0, fmt.Errorf("%w: read barrier: %w", ErrUnavailable, err)
	}
	total := 0
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		counts, err := s.meta.RefCounts(batch)
		if err != nil {
			return err
		}
		for i, id := range batch {
			if counts[i] > 0 {
				continue
			}
			if err := s.limiter.wait(ctx); err != nil {
				return err
			}
			deleted, err := s.deleteIfUnused(id)
			if err != nil {
				s.lg.Warn("Deleting orphan blob failed", "blob", id, "err", err)
				continue
			}
			if deleted {
				total++
			}
		}
		batch = batch[:0]
		return nil
	}
	err := s.local.Walk(ctx, func(e blob.Entry) error {
		if !e.ModTime.Before(cutoff) {
			return nil
		}
		batch = append(batch, e.ID)
		if len(batch) == gcBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if total > 0 {
		s.lg.Info("Swept orphan blobs", "count", total)
	}
	return total, err
}

func (s *Set) gcLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.gcKick:
		}
		if _, err := s.CollectGarbage(ctx); err != nil && ctx.Err() == nil {
			s.lg.Warn("Garbage collection failed", "err", err)
		}
	}
}

func (s *Set) sweepLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		if _, err := s.SweepOrphans(ctx); err != nil && ctx.Err() == nil {
			s.lg.Warn("Orphan sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// limiter spaces events at most rate per second (0: no limit).
type limiter struct {
	rate int
	mu   sync.Mutex
	next time.Time
}

func (l *limiter) wait(ctx context.Context) error {
	if l.rate <= 0 {
		return ctx.Err()
	}
	l.mu.Lock()
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	at := l.next
	l.next = l.next.Add(time.Second / time.Duration(l.rate))
	l.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return ctx.Err()
}
