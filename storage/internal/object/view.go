package object

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// A read view makes the reads of one request linearizable with a single
// read barrier, however many reads the request makes.
//
// Every read of the Store waits for a barrier (Proposer.Barrier) first:
// once it returns, this node's state machine has applied every command
// committed before the barrier began, anywhere in the Region. A request
// that takes one barrier and then reads the state machine several times
// (the key that signed it, the bucket's ACL, the object) is still
// linearizable: each read observes every write that completed before the
// request began, because the barrier began after the request did. So the
// first read of a request takes the barrier and the others reuse it.
//
// NewReadView marks a request's context; the Store remembers there that
// the barrier is done. The view is only a memo: a context without one
// takes a barrier for every read, which is never wrong, only slower.

type viewKey struct{}

// readView remembers that a request's barrier is done.
type readView struct {
	mu   sync.Mutex
	done bool
}

// NewReadView returns a context for one request whose reads through any
// Store share one read barrier. Call it once per request, where the
// request begins (before authentication, which reads the key), and never
// reuse the context for a later request: a view taken long ago would make
// its reads stale.
func NewReadView(ctx context.Context) context.Context {
	return context.WithValue(ctx, viewKey{}, &readView{})
}

// barrier makes the reads that follow linearizable: it takes a read
// barrier unless the request's read view has one already.
func (s *Store) barrier(ctx context.Context) error {
	v, _ := ctx.Value(viewKey{}).(*readView)
	if v != nil {
		v.mu.Lock()
		defer v.mu.Unlock()
		if v.done {
			return nil
		}
	}
	s.barriers.Add(1)
	if err := s.prop.Barrier(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if v != nil {
		v.done = true
	}
	return nil
}

// ReadBarriers returns how many read barriers the Store's reads have
// taken since it was created (koss_read_barriers_total).
func (s *Store) ReadBarriers() uint64 { return s.barriers.Load() }

// precheck runs check against this node's state machine without a
// barrier, and only when check refuses, takes the barrier and runs it
// again. It is for the early checks of writes that the state machine
// repeats when it applies the command (a missing bucket, an append at the
// wrong position): a stale local read can only make check refuse wrongly
// (the bucket was created a moment ago on another node), never accept
// wrongly in a way that matters, because the command is checked again.
func (s *Store) precheck(ctx context.Context, check func() error) error {
	if check() == nil {
		return nil
	}
	if err := s.barrier(ctx); err != nil {
		return err
	}
	return check()
}
