package object

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/segread"
	"github.com/koss-io/koss/storage/internal/replica"
)

func data(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*31 + i*7 + i/253)
	}
	return b
}

func mustPut(t *testing.T, s *Store, bucket, key string, b []byte) ObjectInfo {
	t.Helper()
	info, err := s.PutObject(t.Context(), bucket, key, bytes.NewReader(b), int64(len(b)), PutOptions{})
	if err != nil {
		t.Fatalf("PutObject(%s): %v", key, err)
	}
	return info
}

func readObject(t *testing.T, s *Store, bucket, key string) ([]byte, error) {
	t.Helper()
	_, rc, err := s.GetObject(t.Context(), bucket, key, nil)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

const crashChildEnv = "KOSS_OBJECT_CRASH_DIR"

// TestCrashChild is the child process of TestCrashBetweenBlobAndCommit: it
// writes one object, then dies (os.Exit, no cleanup of any kind) after the
// second object's blob is durable and before its command is proposed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("run by TestCrashBetweenBlobAndCommit")
	}
	st := openStack(t, dir)
	if err := st.store.CreateBucket(t.Context(), "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, st.store, "bkt", "acked", data(1, 300<<10))
	testHookBeforePropose = func() error {
		os.Exit(3)
		return nil
	}
	mustPut(t, st.store, "bkt", "crashed", data(2, 300<<10))
	t.Fatal("the crash hook did not fire")
}

func TestCrashBetweenBlobAndCommit(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("child did not crash at the hook: %v\n%s", err, out)
	}

	st := openStack(t, dir)
	got, err := readObject(t, st.store, "bkt", "acked")
	if err != nil || !bytes.Equal(got, data(1, 300<<10)) {
		t.Fatalf("acknowledged object after the crash: %v", err)
	}
	if _, err := st.store.HeadObject(t.Context(), "bkt", "crashed"); !errors.Is(err, ErrObjectNotFound) {
		t.Fatalf("object whose commit never happened: %v", err)
	}
	res, err := st.store.ListObjects(t.Context(), "bkt", ListOptions{})
	if err != nil || len(res.Objects) != 1 || res.Objects[0].Key != "acked" {
		t.Fatalf("listing after the crash: %+v, %v", res.Objects, err)
	}
	if n := len(st.blobIDs(t)); n != 2 {
		t.Fatalf("%d blobs on disk, want the acked one and the orphan", n)
	}

	// Young orphans survive a sweep (their write might still commit) ...
	if n, err := st.data.SweepOrphans(t.Context()); err != nil || n != 0 {
		t.Fatalf("sweep within the grace period deleted %d, %v", n, err)
	}
	// ... and are deleted once older than the grace period.
	st.offset.Store(int64(11 * time.Minute))
	if n, err := st.data.SweepOrphans(t.Context()); err != nil || n != 1 {
		t.Fatalf("sweep deleted %d, %v; want the orphan", n, err)
	}
	if n := len(st.blobIDs(t)); n != 1 {
		t.Fatalf("%d blobs left", n)
	}
	if got, err := readObject(t, st.store, "bkt", "acked"); err != nil || !bytes.Equal(got, data(1, 300<<10)) {
		t.Fatalf("the sweeper harmed a referenced blob: %v", err)
	}
}

// TestFailedCommitLeavesOnlyAnOrphan is the in-process variant: the write
// reports an error, nothing is visible, the blob waits for the sweeper.
func TestFailedCommitLeavesOnlyAnOrphan(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	if err := st.store.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	errCrash := errors.New("crash")
	testHookBeforePropose = func() error { return errCrash }
	_, err := st.store.PutObject(ctx, "bkt", "k", bytes.NewReader(data(1, 100<<10)), 100<<10, PutOptions{})
	_, aerr := st.store.AppendObject(ctx, "bkt", "a", 0, bytes.NewReader(data(2, 100<<10)), 100<<10, PutOptions{})
	testHookBeforePropose = nil
	if !errors.Is(err, errCrash) || !errors.Is(aerr, errCrash) {
		t.Fatalf("writes = %v, %v", err, aerr)
	}
	for _, k := range []string{"k", "a"} {
		if _, err := st.store.HeadObject(ctx, "bkt", k); !errors.Is(err, ErrObjectNotFound) {
			t.Fatalf("%s visible after a failed commit: %v", k, err)
		}
	}
	// Both blobs are orphans now, and no longer in flight: the sweeper
	// (which spares blobs in flight) deletes both.
	st.offset.Store(int64(time.Hour))
	if n, err := st.data.SweepOrphans(ctx); err != nil || n != 2 {
		t.Fatalf("sweep = %d, %v", n, err)
	}
}

func TestRejectedWriteDeletesItsBlob(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	if err := st.store.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	// The bucket disappears between the early check and the commit.
	testHookBeforePropose = func() error {
		testHookBeforePropose = nil
		return st.store.DeleteBucket(ctx, "bkt")
	}
	_, err := st.store.PutObject(ctx, "bkt", "k", bytes.NewReader(data(1, 100<<10)), 100<<10, PutOptions{})
	if !errors.Is(err, ErrBucketNotFound) {
		t.Fatalf("PutObject = %v", err)
	}
	if ids := st.blobIDs(t); len(ids) != 0 {
		t.Fatalf("rejected write left blobs %v", ids)
	}
}

func TestGarbageCollection(t *testing.T) {
	st := openStack(t, t.TempDir())
	s, ctx := st.store, t.Context()
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "bkt", "k", data(1, 200<<10))
	first := st.blobIDs(t)
	mustPut(t, s, "bkt", "k", data(2, 200<<10)) // overwrite
	if n, err := st.data.CollectGarbage(ctx); err != nil || n != 1 {
		t.Fatalf("collect after overwrite = %d, %v", n, err)
	}
	left := st.blobIDs(t)
	if len(left) != 1 || left[0] == first[0] {
		t.Fatalf("blobs after overwrite+collect: %v (first was %v)", left, first)
	}
	// A copy keeps the blob alive after its source is deleted.
	if _, err := s.CopyObject(ctx, ObjectRef{Bucket: "bkt", Key: "k"}, ObjectRef{Bucket: "bkt", Key: "c"}, CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteObject(ctx, "bkt", "k"); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.data.CollectGarbage(ctx); n != 0 {
		t.Fatalf("collected %d blobs still used by a copy", n)
	}
	if got, err := readObject(t, s, "bkt", "c"); err != nil || !bytes.Equal(got, data(2, 200<<10)) {
		t.Fatalf("copy after source delete: %v", err)
	}
	if _, err := s.DeleteObjects(ctx, "bkt", []string{"c"}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.data.CollectGarbage(ctx); err != nil || n != 1 {
		t.Fatalf("collect after last delete = %d, %v", n, err)
	}
	if ids := st.blobIDs(t); len(ids) != 0 {
		t.Fatalf("blobs left: %v", ids)
	}
	if g, _ := st.fsm.Garbage(10); len(g) != 0 {
		t.Fatalf("garbage list not emptied: %v", g)
	}
}

func TestReaderPinsItsBlobs(t *testing.T) {
	st := openStack(t, t.TempDir())
	s, ctx := st.store, t.Context()
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	want := data(3, 500<<10)
	mustPut(t, s, "bkt", "k", want)
	_, rc, err := s.GetObject(ctx, "bkt", "k", nil)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 1000)
	if _, err := io.ReadFull(rc, head); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteObject(ctx, "bkt", "k"); err != nil {
		t.Fatal(err)
	}
	st.offset.Store(int64(time.Hour))
	if n, _ := st.data.CollectGarbage(ctx); n != 0 {
		t.Fatalf("collector deleted %d pinned blobs", n)
	}
	if n, _ := st.data.SweepOrphans(ctx); n != 0 {
		t.Fatalf("sweeper deleted %d pinned blobs", n)
	}
	rest, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(append(head, rest...), want) {
		t.Fatalf("reading through a delete: %v", err)
	}
	rc.Close()
	rc.Close() // idempotent
	if n, err := st.data.CollectGarbage(ctx); err != nil || n != 1 {
		t.Fatalf("collect after close = %d, %v", n, err)
	}
}

func TestDamagedDataIsReported(t *testing.T) {
	st := openStack(t, t.TempDir())
	s, ctx := st.store, t.Context()
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "bkt", "flip", data(1, 300<<10))
	ids := st.blobIDs(t)
	path := filepath.Join(st.dir, "blob", "blobs", ids[0][0:2], ids[0][2:4], ids[0])
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte{0xAA}, 200<<10); err != nil {
		t.Fatal(err)
	}
	f.Close()
	// The damaged block is the fourth: the first 192 KiB read fine.
	_, rc, err := s.GetObject(ctx, "bkt", "flip", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rc)
	rc.Close()
	if !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("reading a flipped byte: %v", err)
	}
	if _, rc, err := s.GetObject(ctx, "bkt", "flip", Fixed(&Range{Start: 0, Length: 100})); err != nil {
		t.Fatalf("clean range: %v", err)
	} else {
		rc.Close()
	}

	mustPut(t, s, "bkt", "gone", data(2, 300<<10))
	for _, id := range st.blobIDs(t) {
		if id != ids[0] {
			if err := os.Remove(filepath.Join(st.dir, "blob", "blobs", id[0:2], id[2:4], id)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, rc, err := s.GetObject(ctx, "bkt", "gone", nil); !errors.Is(err, ErrChecksumMismatch) || rc != nil {
		t.Fatalf("reading a missing blob: %v", err)
	}

	// Inline data is checked against its CRC-64 too.
	parts := []segread.Part{{Seg: record.Segment{Size: 3, Data: []byte("abc"), CRC64: 1}, N: 3}}
	if err := verifyInline("x", parts); !errors.Is(err, ErrChecksumMismatch) {
		t.Fatalf("verifyInline = %v", err)
	}
}

func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	st := openStack(t, dir)
	ctx := t.Context()
	if err := st.store.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	var all []byte
	for i, n := range []int{10, 100 << 10} {
		c := data(i, n)
		if _, err := st.store.AppendObject(ctx, "bkt", "log", int64(len(all)), bytes.NewReader(c), int64(n), PutOptions{}); err != nil {
			t.Fatal(err)
		}
		all = append(all, c...)
	}
	mustPut(t, st.store, "bkt", "small", []byte("small"))
	if _, err := st.store.CreateKey(ctx, AccessKey{ID: "AK", Secret: "S"}); err != nil {
		t.Fatal(err)
	}
	idx := st.fsm.AppliedIndex()
	st.close()

	st = openStack(t, dir)
	if st.fsm.AppliedIndex() != idx || st.prop.LastIndex() != idx {
		t.Fatalf("indexes after restart: fsm %d, proposer %d, want %d", st.fsm.AppliedIndex(), st.prop.LastIndex(), idx)
	}
	c := data(9, 5)
	info, err := st.store.AppendObject(ctx, "bkt", "log", int64(len(all)), bytes.NewReader(c), 5, PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, c...)
	if got, err := readObject(t, st.store, "bkt", "log"); err != nil || !bytes.Equal(got, all) || info.Size != int64(len(all)) {
		t.Fatalf("appendable object after restart: %v", err)
	}
	if got, _ := readObject(t, st.store, "bkt", "small"); string(got) != "small" {
		t.Fatal("small object lost")
	}
	if _, err := st.store.GetKey(ctx, "AK"); err != nil {
		t.Fatal(err)
	}
}

func TestBackgroundLoops(t *testing.T) {
	st := openStack(t, t.TempDir(), func(c *replica.Config) { c.GCInterval = 50 * time.Millisecond })
	s, ctx := st.store, t.Context()
	st.startLoops()
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		mustPut(t, s, "bkt", fmt.Sprint("k", i), data(i, 100<<10))
	}
	if _, err := s.DeleteObjects(ctx, "bkt", []string{"k0", "k1", "k2", "k3", "k4"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(st.blobIDs(t)) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("background collector left %v", st.blobIDs(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
	st.bg.Stop()
	st.bg.Stop() // idempotent
}

func TestConfigValidate(t *testing.T) {
	st := openStack(t, t.TempDir())
	valid := DefaultConfig()
	valid.Data, valid.Meta, valid.Proposer = st.data, st.fsm, st.prop
	tests := map[string]struct {
		tweak func(*Config)
		ok    bool
	}{
		"valid":              {func(*Config) {}, true},
		"no data":            {func(c *Config) { c.Data = nil }, false},
		"no meta":            {func(c *Config) { c.Meta = nil }, false},
		"no proposer":        {func(c *Config) { c.Proposer = nil }, false},
		"negative threshold": {func(c *Config) { c.InlineThreshold = -1 }, false},
		"huge threshold":     {func(c *Config) { c.InlineThreshold = 2 << 20 }, false},
		"zero threshold":     {func(c *Config) { c.InlineThreshold = 0 }, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := valid
			tc.tweak(&c)
			err := c.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if _, nerr := New(c); (nerr == nil) != tc.ok {
				t.Fatalf("New() = %v, want ok=%v", nerr, tc.ok)
			}
		})
	}
}
