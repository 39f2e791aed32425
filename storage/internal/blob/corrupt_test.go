package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func newTestDisk(t *testing.T, dir string, blockSize int) *Disk {
	t.Helper()
	d, err := New(Config{Dir: dir, BlockSize: blockSize})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func create(t *testing.T, d *Disk, data []byte) string {
	t.Helper()
	id := NewID()
	if _, err := d.Create(context.Background(), id, bytes.NewReader(data), CreateOptions{Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	return id
}

// readRange reads [off, off+n) through a fresh handle.
func readRange(d *Disk, id string, off, n int64) ([]byte, error) {
	h, err := d.Open(id)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return io.ReadAll(NewReader(h, off, n))
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x10
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestBitFlipInContentIsDetected(t *testing.T) {
	const bs = 1024
	d := newTestDisk(t, t.TempDir(), bs)
	data := pattern(4*bs + 100)
	id := create(t, d, data)
	flipByte(t, d.path(id), 2*bs+17) // inside block 2

	tests := map[string]struct {
		off, n  int64
		corrupt bool
	}{
		"whole blob":                {0, int64(len(data)), true},
		"one byte in the bad block": {2*bs + 500, 1, true},
		"range ending in bad block": {bs + 10, bs, true},
		"block before":              {bs, bs, false},
		"blocks after":              {3 * bs, bs + 100, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := readRange(d, id, tc.off, tc.n)
			if tc.corrupt {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("err = %v, want ErrCorrupt", err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, data[tc.off:tc.off+tc.n]) {
				t.Fatalf("clean range: %v", err)
			}
		})
	}
	if err := d.Verify(context.Background(), id); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Verify = %v", err)
	}
	var reported []string
	res, err := VerifyAll(context.Background(), d, ScrubOptions{Report: func(id string, err error) { reported = append(reported, id) }})
	if err != nil || res.Corrupt != 1 || len(reported) != 1 || reported[0] != id {
		t.Fatalf("VerifyAll = %+v, %v, %v", res, err, reported)
	}
}

func TestDamagedFooterIsDetected(t *testing.T) {
	const bs = 512
	data := pattern(3*bs + 1)
	tests := map[string]func(t *testing.T, path string, size int64){
		"truncated by one byte": func(t *testing.T, path string, size int64) {
			if err := os.Truncate(path, size-1); err != nil {
				t.Fatal(err)
			}
		},
		"truncated into the content": func(t *testing.T, path string, size int64) {
			if err := os.Truncate(path, int64(len(data))/2); err != nil {
				t.Fatal(err)
			}
		},
		"truncated to zero": func(t *testing.T, path string, size int64) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		},
		"extended": func(t *testing.T, path string, size int64) {
			if err := os.Truncate(path, size+4); err != nil {
				t.Fatal(err)
			}
		},
		"bit flip in block table": func(t *testing.T, path string, size int64) {
			flipByte(t, path, int64(len(data))+5)
		},
		"bit flip in trailer size": func(t *testing.T, path string, size int64) {
			flipByte(t, path, size-trailerLen+16)
		},
		"bit flip in trailer md5": func(t *testing.T, path string, size int64) {
			flipByte(t, path, size-trailerLen+30)
		},
	}
	for name, damage := range tests {
		t.Run(name, func(t *testing.T) {
			d := newTestDisk(t, t.TempDir(), bs)
			id := create(t, d, data)
			st, err := os.Stat(d.path(id))
			if err != nil {
				t.Fatal(err)
			}
			damage(t, d.path(id), st.Size())
			if _, err := d.Open(id); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
			// Stat reads only the trailer; damage to the block table is
			// found by Open and Verify.
			if _, err := d.Stat(id); name != "bit flip in block table" && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Stat = %v, want ErrCorrupt", err)
			}
			if err := d.Verify(context.Background(), id); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Verify = %v, want ErrCorrupt", err)
			}
		})
	}
}

// TestCrashLeftovers simulates crashes at both fault points and checks what a
// reopened store shows.
func TestCrashLeftovers(t *testing.T) {
	errCrash := errors.New("simulated crash")
	t.Run("between fsync and rename", func(t *testing.T) {
		dir := t.TempDir()
		d := newTestDisk(t, dir, 0)
		testHookAfterSync = func(string) error { return errCrash }
		t.Cleanup(func() { testHookAfterSync = nil })
		id := NewID()
		if _, err := d.Create(context.Background(), id, bytes.NewReader(pattern(3<<20)), CreateOptions{Size: 3 << 20}); !errors.Is(err, errCrash) {
			t.Fatalf("Create = %v", err)
		}
		testHookAfterSync = nil
		if _, err := os.Stat(filepath.Join(dir, "tmp", id)); err != nil {
			t.Fatalf("crash left no tmp file: %v", err)
		}
		if _, err := d.Stat(id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("half-written blob visible: %v", err)
		}
		d.Close()
		// Reopen: tmp is cleaned, the blob never appears.
		d2 := newTestDisk(t, dir, 0)
		ents, err := os.ReadDir(filepath.Join(dir, "tmp"))
		if err != nil || len(ents) != 0 {
			t.Fatalf("tmp after reopen: %v, %v", ents, err)
		}
		if _, err := d2.Stat(id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Stat after reopen: %v", err)
		}
		// The id is usable again.
		create(t, d2, []byte("after"))
	})
	t.Run("between rename and dir fsync", func(t *testing.T) {
		dir := t.TempDir()
		d := newTestDisk(t, dir, 0)
		testHookBeforeDirSync = func(string) error { return errCrash }
		t.Cleanup(func() { testHookBeforeDirSync = nil })
		id := NewID()
		data := pattern(100 << 10)
		if _, err := d.Create(context.Background(), id, bytes.NewReader(data), CreateOptions{Size: int64(len(data))}); !errors.Is(err, errCrash) {
			t.Fatalf("Create = %v", err)
		}
		testHookBeforeDirSync = nil
		d.Close()
		// The blob may survive: if it does it is complete and valid (an
		// orphan for the sweeper), never partial.
		d2 := newTestDisk(t, dir, 0)
		if err := d2.Verify(context.Background(), id); err != nil {
			t.Fatalf("surviving blob fails Verify: %v", err)
		}
		seen := false
		if err := d2.Walk(context.Background(), func(e Entry) error { seen = seen || e.ID == id; return nil }); err != nil || !seen {
			t.Fatalf("Walk does not report the orphan: %v", err)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	tests := map[string]struct {
		cfg Config
		ok  bool
	}{
		"default with dir":   {Config{Dir: "x", BlockSize: DefaultBlockSize}, true},
		"no dir":             {Config{BlockSize: DefaultBlockSize}, false},
		"negative block":     {Config{Dir: "x", BlockSize: -1}, false},
		"block too large":    {Config{Dir: "x", BlockSize: MaxBlockSize + 1}, false},
		"largest block size": {Config{Dir: "x", BlockSize: MaxBlockSize}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestStrayFilesAreIgnoredByWalk(t *testing.T) {
	dir := t.TempDir()
	d := newTestDisk(t, dir, 0)
	id := create(t, d, []byte("x"))
	if err := os.WriteFile(filepath.Join(dir, "blobs", id[0:2], id[2:4], "junk"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// A valid id in the wrong fan-out directory is not a blob of this store.
	other := "ffff" + id[4:]
	if id[:4] == "ffff" {
		other = "0000" + id[4:]
	}
	if err := os.WriteFile(filepath.Join(dir, "blobs", id[0:2], id[2:4], other), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := d.Walk(context.Background(), func(e Entry) error { ids = append(ids, e.ID); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != id {
		t.Fatalf("Walk = %v, want [%s]", ids, id)
	}
}

const lockChildEnv = "KOSS_BLOB_LOCK_DIR"

// TestLockChild is run by TestSecondProcessIsLockedOut in a child process.
func TestLockChild(t *testing.T) {
	dir := os.Getenv(lockChildEnv)
	if dir == "" {
		t.Skip("run by TestSecondProcessIsLockedOut")
	}
	if _, err := New(Config{Dir: dir}); !errors.Is(err, ErrLocked) {
		t.Fatalf("New in a second process = %v, want ErrLocked", err)
	}
}

func TestSecondProcessIsLockedOut(t *testing.T) {
	dir := t.TempDir()
	d := newTestDisk(t, dir, 0)
	run := func() error {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLockChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), lockChildEnv+"="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%w\n%s", err, out)
		}
		return nil
	}
	if err := run(); err != nil {
		t.Fatalf("child: %v", err)
	}
	// The same process may open the store again; the lock is released only
	// when every Disk on the directory is closed.
	d2 := newTestDisk(t, dir, 0)
	d.Close()
	if err := run(); err != nil {
		t.Fatalf("child with one Disk still open: %v", err)
	}
	d2.Close()
	d3, err := New(Config{Dir: dir})
	if err != nil {
		t.Fatalf("New after every Disk closed: %v", err)
	}
	d3.Close()
}
