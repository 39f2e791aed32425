package meta

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// openDeferred opens a store at path with deferred sync.
func openDeferred(t *testing.T, path string, deferSync bool) (*FSM, error) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Path = path
	cfg.DeferSync = deferSync
	return New(cfg)
}

// crashCopy copies what an open store has written (the kernel's view of
// the file, which survives the process) and its marker to a new directory:
// the state a kill -9 leaves behind, without the file lock.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "meta.db")
	for _, suffix := range []string{"", ".unsynced"} {
		b, err := os.ReadFile(path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// fakeBoot makes the store see boot id as the current boot.
func fakeBoot(t *testing.T, id string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "boot_id")
	if err := os.WriteFile(p, []byte(id+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := bootIDPath
	bootIDPath = p
	t.Cleanup(func() { bootIDPath = old })
}

func TestDeferSync(t *testing.T) {
	fakeBoot(t, "boot-1")
	path := filepath.Join(t.TempDir(), "meta.db")
	f, err := openDeferred(t, path, true)
	if err != nil {
		t.Fatal(err)
	}
	if !f.noSync {
		t.Fatal("DeferSync with a boot id: the store still fsyncs every commit")
	}
	if _, err := os.Stat(markerPath(path)); err != nil {
		t.Fatalf("an open deferred store has no marker: %v", err)
	}
	h := &harness{t: t, f: f}
	h.ok(&record.CreateBucket{Name: "b", Created: 1, Owner: "o"})
	h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("v", 1)})
	applied := f.AppliedIndex()

	t.Run("a crash in the same boot keeps every commit", func(t *testing.T) {
		g, err := openDeferred(t, crashCopy(t, path), true)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = g.Close() }()
		if got := g.AppliedIndex(); got != applied {
			t.Fatalf("applied index %d after a crash, want %d", got, applied)
		}
		if _, err := g.GetObject("b", "k"); err != nil {
			t.Fatalf("object lost in a crash: %v", err)
		}
	})

	t.Run("a store of another boot that was not closed is discarded", func(t *testing.T) {
		dst := crashCopy(t, path)
		// What a machine that stopped may leave: pages that make no tree.
		if err := os.WriteFile(dst, []byte("torn"), 0o600); err != nil {
			t.Fatal(err)
		}
		fakeBoot(t, "boot-2")
		g, err := openDeferred(t, dst, true)
		if err != nil {
			t.Fatalf("a torn store of another boot was not discarded: %v", err)
		}
		defer func() { _ = g.Close() }()
		if got := g.AppliedIndex(); got != 0 {
			t.Fatalf("discarded store opens at index %d, want 0 (raft restores the snapshot into an empty store)", got)
		}
	})

	t.Run("without deferred sync, another boot's marker refuses to open", func(t *testing.T) {
		dst := crashCopy(t, path)
		fakeBoot(t, "boot-2")
		if g, err := openDeferred(t, dst, false); !errors.Is(err, ErrTornStore) {
			if g != nil {
				_ = g.Close()
			}
			t.Fatalf("open: %v, want ErrTornStore", err)
		}
	})

	t.Run("without deferred sync, this boot's marker is synced and removed", func(t *testing.T) {
		dst := crashCopy(t, path)
		g, err := openDeferred(t, dst, false)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = g.Close() }()
		if g.AppliedIndex() != applied {
			t.Fatalf("applied index %d, want %d", g.AppliedIndex(), applied)
		}
		if _, err := os.Stat(markerPath(dst)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("marker still there (%v) after a synced open", err)
		}
	})

	t.Run("a clean close removes the marker", func(t *testing.T) {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(markerPath(path)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("marker still there (%v) after Close", err)
		}
		g, err := openDeferred(t, path, false)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = g.Close() }()
		if g.AppliedIndex() != applied {
			t.Fatalf("applied index %d after a clean close, want %d", g.AppliedIndex(), applied)
		}
	})
}

func TestDeferSyncNeedsABootID(t *testing.T) {
	old := bootIDPath
	bootIDPath = filepath.Join(t.TempDir(), "missing")
	t.Cleanup(func() { bootIDPath = old })
	f, err := openDeferred(t, filepath.Join(t.TempDir(), "meta.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if f.noSync {
		t.Fatal("without a boot id a store cannot tell a crash from a machine restart, yet it defers its fsyncs")
	}
}
