package object

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/background"
	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/consensus/singlenode"
	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/replica"
)

// testStack is a whole single-node engine on real files.
type testStack struct {
	dir    string
	store  *Store
	data   *replica.Set
	bg     *background.Group // nil until startLoops
	blobs  *blob.Disk
	fsm    *meta.FSM
	prop   *singlenode.Proposer
	offset atomic.Int64 // added to the clock, to age blobs
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("KOSS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// openStack opens (or reopens) the engine in dir; it is closed at cleanup
// unless closed earlier. tweak adjusts the data store's configuration.
func openStack(t testing.TB, dir string, tweak ...func(*replica.Config)) *testStack {
	t.Helper()
	lg := testLogger(t)
	st := &testStack{dir: dir}
	var err error
	if st.blobs, err = blob.New(blob.Config{Dir: filepath.Join(dir, "blob"), Logger: lg}); err != nil {
		t.Fatal(err)
	}
	mcfg := meta.DefaultConfig()
	mcfg.Path, mcfg.Logger = filepath.Join(dir, "meta", "meta.db"), lg
	if st.fsm, err = meta.New(mcfg); err != nil {
		t.Fatal(err)
	}
	pcfg := singlenode.DefaultConfig()
	pcfg.FSM, pcfg.Logger = st.fsm, lg
	if st.prop, err = singlenode.New(pcfg); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return time.Now().Add(time.Duration(st.offset.Load())) }
	rcfg := replica.DefaultConfig()
	rcfg.Local, rcfg.Meta, rcfg.Proposer, rcfg.Logger = st.blobs, st.fsm, st.prop, lg
	rcfg.Clock = clock
	rcfg.DeleteRate = 0
	for _, f := range tweak {
		f(&rcfg)
	}
	if st.data, err = replica.New(rcfg); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Data, cfg.Meta, cfg.Proposer, cfg.Logger = st.data, st.fsm, st.prop, lg
	cfg.Clock = clock
	if st.store, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.close)
	return st
}

// startLoops starts the data store's background loops.
func (st *testStack) startLoops() {
	st.bg = background.New()
	st.data.Start(st.bg)
}

func (st *testStack) close() {
	if st.bg != nil {
		st.bg.Stop()
	}
	st.prop.Close()
	st.fsm.Close()
	st.blobs.Close()
}

// blobCount returns the number of committed blob files.
func (st *testStack) blobIDs(t testing.TB) []string {
	t.Helper()
	var ids []string
	if err := st.blobs.Walk(t.Context(), func(e blob.Entry) error { ids = append(ids, e.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	return ids
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
