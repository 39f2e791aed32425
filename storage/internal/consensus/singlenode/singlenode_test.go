package singlenode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/consensus"

	"github.com/hashicorp/raft"
)

// recordingFSM records what it is given and answers each command with its
// data and index. apply blocks on gate, when set, to let proposals pile up.
type recordingFSM struct {
	mu      sync.Mutex
	applied uint64
	logs    []*raft.Log
	batches []int
	gate    chan struct{}
}

func (f *recordingFSM) Apply(l *raft.Log) interface{} { return f.ApplyBatch([]*raft.Log{l})[0] }

func (f *recordingFSM) ApplyBatch(logs []*raft.Log) []interface{} {
	if f.gate != nil {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]interface{}, len(logs))
	for i, l := range logs {
		if l.Index != f.applied+1 {
			panic(fmt.Sprintf("index %d after %d", l.Index, f.applied))
		}
		f.applied = l.Index
		f.logs = append(f.logs, l)
		out[i] = fmt.Sprintf("%s@%d", l.Data, l.Index)
	}
	f.batches = append(f.batches, len(logs))
	return out
}

func (f *recordingFSM) AppliedIndex() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applied
}

func (f *recordingFSM) Snapshot() (raft.FSMSnapshot, error) { return nil, errors.New("unused") }
func (f *recordingFSM) Restore(io.ReadCloser) error         { return errors.New("unused") }

func newLocal(t *testing.T, fsm consensus.IndexedFSM) *Proposer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.FSM = fsm
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestLocalOrdersAndContinuesIndexes(t *testing.T) {
	fsm := &recordingFSM{applied: 41} // as if restarted after entry 41
	l := newLocal(t, fsm)
	for i := range 5 {
		r, err := l.Propose(context.Background(), []byte(fmt.Sprint("c", i)))
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("c%d@%d", i, 42+i); r != want {
			t.Fatalf("result %v, want %s", r, want)
		}
	}
	if l.LastIndex() != 46 {
		t.Fatalf("LastIndex = %d", l.LastIndex())
	}
	if err := l.Barrier(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestLocalGroupsConcurrentProposals(t *testing.T) {
	fsm := &recordingFSM{gate: make(chan struct{})}
	l := newLocal(t, fsm)
	const n = 64
	var wg sync.WaitGroup
	results := make([]any, n)
	for i := range n {
		wg.Go(func() {
			r, err := l.Propose(context.Background(), []byte(fmt.Sprint("p", i)))
			if err != nil {
				t.Error(err)
			}
			results[i] = r
		})
	}
	// Let the first batch through once every proposal is queued or taken.
	deadline := time.Now().Add(10 * time.Second)
	for len(l.proposals) < n-1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(fsm.gate)
	wg.Wait()
	seen := map[any]bool{}
	for i, r := range results {
		if seen[r] || r == nil {
			t.Fatalf("result %d = %v (duplicate or missing)", i, r)
		}
		seen[r] = true
	}
	fsm.mu.Lock()
	defer fsm.mu.Unlock()
	if len(fsm.logs) != n || len(fsm.batches) > 3 {
		t.Fatalf("%d entries in batches %v: concurrent proposals were not grouped", len(fsm.logs), fsm.batches)
	}
}

func TestLocalClose(t *testing.T) {
	fsm := &recordingFSM{}
	l := newLocal(t, fsm)
	if _, err := l.Propose(context.Background(), []byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Propose(context.Background(), []byte("b")); !errors.Is(err, consensus.ErrClosed) {
		t.Fatalf("Propose after Close = %v", err)
	}
	if err := l.Barrier(context.Background()); !errors.Is(err, consensus.ErrClosed) {
		t.Fatalf("Barrier after Close = %v", err)
	}
	if fsm.AppliedIndex() != 1 {
		t.Fatalf("applied %d", fsm.AppliedIndex())
	}
}

func TestLocalContext(t *testing.T) {
	fsm := &recordingFSM{gate: make(chan struct{})}
	l := newLocal(t, fsm)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Propose(ctx, []byte("x")); !errors.Is(err, context.Canceled) {
		// The proposal may have been queued before ctx was noticed; then
		// the second select must still report the cancellation.
		t.Fatalf("Propose with cancelled ctx = %v", err)
	}
	if err := l.Barrier(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Barrier with cancelled ctx = %v", err)
	}
	close(fsm.gate)
}

func TestLocalConfigValidate(t *testing.T) {
	if err := (Config{MaxBatch: 1}).Validate(); err == nil {
		t.Fatal("config without FSM is valid")
	}
	if err := (Config{FSM: &recordingFSM{}, MaxBatch: 0}).Validate(); err == nil {
		t.Fatal("MaxBatch 0 is valid")
	}
}
