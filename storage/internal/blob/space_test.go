package blob_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/blob"
)

// mountTmpfs mounts a tmpfs of size bytes on a fresh directory, unmounted
// when the test ends. It skips the test when mounting is impossible (not
// root; CI runs as root).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root; CI runs as root): %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

func tmpEntries(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return ents
}

func TestDiskRefusesBelowReserve(t *testing.T) {
	dir := mountTmpfs(t, "8m")
	cfg := blob.DefaultConfig()
	cfg.Dir = dir
	cfg.MinFreeSpace = blob.Reserve{Bytes: 4 << 20}
	d, err := blob.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() }) // before the unmount
	ctx := context.Background()
	big := bytes.Repeat([]byte("x"), 3<<20)
	if _, err := d.Create(ctx, blob.NewID(), bytes.NewReader(big), blob.CreateOptions{Size: int64(len(big))}); err != nil {
		t.Fatalf("3 MiB on an empty 8 MiB disk with a 4 MiB reserve: %v", err)
	}
	id := blob.NewID()
	_, err = d.Create(ctx, id, bytes.NewReader(big), blob.CreateOptions{Size: int64(len(big))})
	if !errors.Is(err, blob.ErrNoSpace) {
		t.Fatalf("second 3 MiB: %v, want ErrNoSpace", err)
	}
	if _, err := d.Stat(id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("refused blob: Stat %v, want ErrNotFound", err)
	}
	if ents := tmpEntries(t, dir); len(ents) != 0 {
		t.Fatalf("tmp/ holds %d files after a refused write", len(ents))
	}
	if got := d.RefusedForSpace(); got != 1 {
		t.Fatalf("RefusedForSpace = %d, want 1", got)
	}
	// About 5 MiB free above a 4 MiB reserve: a small write still fits.
	if err := d.CheckSpace(1 << 10); err != nil {
		t.Fatalf("CheckSpace(1 KiB): %v", err)
	}
	if err := d.CheckSpace(2 << 20); !errors.Is(err, blob.ErrNoSpace) {
		t.Fatalf("CheckSpace(2 MiB): %v, want ErrNoSpace", err)
	}
}

func TestDiskReportsENOSPC(t *testing.T) {
	dir := mountTmpfs(t, "2m")
	for _, buffered := range []bool{false, true} {
		cfg := blob.DefaultConfig()
		cfg.Dir = dir
		cfg.BufferedWrites = buffered
		cfg.MinFreeSpace = blob.Reserve{} // no guard: the file system says ENOSPC
		d, err := blob.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() }) // before the unmount
		big := bytes.Repeat([]byte("y"), 3<<20)
		id := blob.NewID()
		// Size unknown: the guard cannot tell, the file system can.
		_, err = d.Create(context.Background(), id, bytes.NewReader(big), blob.CreateOptions{Size: -1})
		if !errors.Is(err, blob.ErrNoSpace) || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("buffered %v: 3 MiB on a 2 MiB disk: %v, want ErrNoSpace wrapping ENOSPC", buffered, err)
		}
		if _, err := d.Stat(id); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("Stat after ENOSPC: %v, want ErrNotFound", err)
		}
		if ents := tmpEntries(t, dir); len(ents) != 0 {
			t.Fatalf("tmp/ holds %d files after ENOSPC", len(ents))
		}
		if got := d.RefusedForSpace(); got != 1 {
			t.Fatalf("RefusedForSpace = %d, want 1", got)
		}
		if err := d.CheckSpace(1); err != nil {
			t.Fatalf("CheckSpace after ENOSPC freed its partial file: %v", err)
		}
		small := []byte("fits")
		if _, err := d.Create(context.Background(), blob.NewID(), bytes.NewReader(small), blob.CreateOptions{Size: int64(len(small))}); err != nil {
			t.Fatalf("a small blob after the failed one freed its space: %v", err)
		}
	}
}

// A full metadata disk (the raft log's, elsewhere) refuses blob writes
// too, though the blobs' own disk has room, until space returns there.
func TestDiskRefusesWhenMetaDirFull(t *testing.T) {
	meta := mountTmpfs(t, "4m")
	cfg := blob.DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.MinFreeSpace = blob.Reserve{Bytes: 1 << 20}
	cfg.MetaDirs = []string{meta}
	d, err := blob.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	create := func() error {
		body := []byte("small blob")
		_, err := d.Create(context.Background(), blob.NewID(), bytes.NewReader(body), blob.CreateOptions{Size: int64(len(body))})
		return err
	}
	if err := create(); err != nil {
		t.Fatalf("with room on both disks: %v", err)
	}
	filler := filepath.Join(meta, "raft.log")
	if err := os.WriteFile(filler, bytes.Repeat([]byte("r"), 3<<20+512<<10), 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the cached statfs expires
	if err := create(); !errors.Is(err, blob.ErrNoSpace) {
		t.Fatalf("with the metadata disk below its reserve: %v, want ErrNoSpace", err)
	}
	if err := d.CheckSpace(0); !errors.Is(err, blob.ErrNoSpace) {
		t.Fatalf("CheckSpace with the metadata disk full: %v, want ErrNoSpace", err)
	}
	if got := d.RefusedForSpace(); got != 2 {
		t.Fatalf("RefusedForSpace = %d, want 2", got)
	}
	// Headroom names the tightest file system: the full metadata disk.
	h, err := d.Headroom()
	if err != nil {
		t.Fatal(err)
	}
	if h.Dir != meta || !h.Full() || h.Reserve != 1<<20 || h.Refused != 2 || h.Total == 0 {
		t.Fatalf("Headroom with the metadata disk full = %+v (full %v), want %s, full, 1 MiB reserve, 2 refused", h, h.Full(), meta)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	if err := create(); err != nil {
		t.Fatalf("after space returned on the metadata disk: %v", err)
	}
	// 4 MiB less the 1 MiB reserve is below FullHeadroom: still "full" by
	// the status's measure, though small writes fit; the data disk (a
	// larger temp dir) is not the tightest.
	if h, err = d.Headroom(); err != nil || h.Dir != meta || h.Free < 3<<20 {
		t.Fatalf("Headroom after freeing = %+v, %v", h, err)
	}
}
