package lincheck

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// never is the return time of a write whose outcome is unknown: it may take
// effect at any point after its call, or (linearized last) never be seen.
const never = int64(1) << 62

// Recorder collects the operations of every client, and the anomalies
// that fail a run whatever the history (partial reads, 403s). It is safe
// for concurrent use.
type Recorder struct {
	start     time.Time
	mu        sync.Mutex
	ops       []porcupine.Operation
	anomalies []string
	unknown   map[string]int // unknown outcomes by cause, for the log
}

// NewRecorder returns an empty Recorder whose clock starts now.
func NewRecorder() *Recorder {
	return &Recorder{start: time.Now(), unknown: map[string]int{}}
}

// Now is the Recorder's clock, in nanoseconds since NewRecorder.
func (r *Recorder) Now() int64 { return int64(time.Since(r.start)) }

// Add records a completed operation.
func (r *Recorder) Add(client int, in Input, call int64, out Output, ret int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
}

// AddUnknown records a write whose outcome is unknown; cause is counted
// for the log.
func (r *Recorder) AddUnknown(client int, in Input, call int64, cause string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: Output{Unknown: true}, Return: never})
	r.unknown[cause]++
}

// Anomaly records something that must never happen (a partial read, a
// 403); Check fails if there is any.
func (r *Recorder) Anomaly(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.anomalies = append(r.anomalies, fmt.Sprintf(format, args...))
}

// Operations returns a copy of the history so far.
func (r *Recorder) Operations() []porcupine.Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]porcupine.Operation(nil), r.ops...)
}

// Counts returns how many operations have a known outcome and how many
// writes an unknown one.
func (r *Recorder) Counts() (known, unknown int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, op := range r.ops {
		if op.Output.(Output).Unknown {
			unknown++
		} else {
			known++
		}
	}
	return known, unknown
}

// Check fails t if any anomaly was recorded, if fewer than minKnown
// operations have a known outcome (the load did not run), or if the
// history is not linearizable; on the latter it writes porcupine's
// visualization to a temporary file and logs its path. A check that does
// not finish within timeout is logged, not failed: it proves nothing
// either way.
func (r *Recorder) Check(t testing.TB, minKnown int, timeout time.Duration) {
	t.Helper()
	known, unknown := r.Counts()
	r.mu.Lock()
	anomalies := append([]string(nil), r.anomalies...)
	t.Logf("history: %d operations with a known outcome, %d unknown (causes: %v)", known, unknown, r.unknown)
	r.mu.Unlock()
	for i, a := range anomalies {
		if i == 20 {
			t.Errorf("... and %d more anomalies", len(anomalies)-i)
			break
		}
		t.Errorf("anomaly: %s", a)
	}
	if len(anomalies) > 0 {
		t.FailNow()
	}
	if known < minKnown {
		t.Fatalf("only %d operations completed (want at least %d): the load did not run", known, minKnown)
	}
	began := time.Now()
	res, info := porcupine.CheckOperationsVerbose(Model, r.Operations(), timeout)
	switch res {
	case porcupine.Ok:
		t.Logf("linearizable (checked in %s)", time.Since(began).Round(time.Millisecond))
	case porcupine.Illegal:
		path := filepath.Join(os.TempDir(), fmt.Sprintf("koss-linearizability-%d.html", time.Now().UnixNano()))
		if err := porcupine.VisualizePath(Model, info, path); err == nil {
			t.Logf("visualization: %s", path)
		}
		t.Fatal("the history is not linearizable")
	default:
		t.Logf("the linearizability check did not finish in %s (result %s); nothing proven", timeout, res)
	}
}
