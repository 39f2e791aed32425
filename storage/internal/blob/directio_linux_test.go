package blob

import (
	"bytes"
	"context"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// residentPages counts the pages of a file that sit in the page cache.
func residentPages(t *testing.T, path string) (resident, total int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unix.Munmap(m) }()
	pageSize := os.Getpagesize()
	vec := make([]byte, (len(m)+pageSize-1)/pageSize)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(unsafe.SliceData(m))), uintptr(len(m)), uintptr(unsafe.Pointer(unsafe.SliceData(vec)))); errno != 0 {
		t.Fatal("mincore:", errno)
	}
	for _, v := range vec {
		if v&1 != 0 {
			resident++
		}
	}
	return resident, len(vec)
}

// A large blob's aligned bulk must not go through the page cache (that copy
// is what made large PUTs CPU-bound), and must still read back exactly.
func TestLargeBlobBypassesPageCache(t *testing.T) {
	dir := t.TempDir()
	var sfs unix.Statfs_t
	if err := unix.Statfs(dir, &sfs); err != nil {
		t.Fatal(err)
	}
	if sfs.Type == unix.TMPFS_MAGIC {
		t.Skip("the test directory is on tmpfs, which has no page cache to bypass; TestDirectIOFallback covers it")
	}
	if reason := directIOUnavailable(t, dir); reason != "" {
		t.Skip("the file system under the test directory cannot show it:", reason)
	}
	d := newTestDisk(t, dir, 0)
	data := bytes.Repeat([]byte("0123456789abcdef"), (8<<20)/16+5) // 8 MiB + an unaligned tail
	id := NewID()
	if _, err := d.Create(context.Background(), id, bytes.NewReader(data), CreateOptions{Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	resident, total := residentPages(t, d.path(id))
	// Only the tail and the footer (a few pages) were written buffered.
	if resident > 8 {
		t.Errorf("%d of %d pages of a new 8 MiB blob are in the page cache; want the content written with O_DIRECT", resident, total)
	}
	if got := readBlob(t, d, id, len(data)); !bytes.Equal(got, data) {
		t.Fatal("content read back differs from what was written")
	}

	// BufferedWrites turns it off.
	buffered, err := New(Config{Dir: t.TempDir(), BufferedWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	defer buffered.Close()
	id = NewID()
	if _, err := buffered.Create(context.Background(), id, bytes.NewReader(data), CreateOptions{Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	if resident, total := residentPages(t, buffered.path(id)); resident < total/2 {
		t.Errorf("BufferedWrites: only %d of %d pages in the page cache; want the content written buffered", resident, total)
	}
}

// directIOUnavailable writes a probe file with O_DIRECT and says why direct
// writes cannot be observed in dir ("" when they can): the file system
// refuses them, or accepts them and caches the data anyway.
func directIOUnavailable(t *testing.T, dir string) string {
	t.Helper()
	probe, err := os.CreateTemp(dir, "probe-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = os.Remove(probe.Name()) }() // a leftover probe in a test temp dir is harmless
	defer probe.Close()
	if err := setDirectIO(probe, true); err != nil {
		return "fcntl O_DIRECT: " + err.Error()
	}
	if _, err := probe.Write(alignedBuf(1 << 20)); err != nil {
		return "direct write: " + err.Error()
	}
	if resident, total := residentPages(t, probe.Name()); resident > total/2 {
		return "direct writes land in the page cache"
	}
	return ""
}

// A file system that refuses O_DIRECT (tmpfs) still gets correct blobs.
func TestDirectIOFallback(t *testing.T) {
	const shm = "/dev/shm"
	var sfs unix.Statfs_t
	if err := unix.Statfs(shm, &sfs); err != nil || sfs.Type != unix.TMPFS_MAGIC {
		t.Skip("no tmpfs at /dev/shm")
	}
	dir, err := os.MkdirTemp(shm, "koss-blob-")
	if err != nil {
		t.Skip("cannot write to /dev/shm:", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	d := newTestDisk(t, dir, 0)
	for _, n := range []int{(2 << 20) + 1, 3 << 20} {
		data := bytes.Repeat([]byte{byte(n)}, n)
		id := NewID()
		if _, err := d.Create(context.Background(), id, bytes.NewReader(data), CreateOptions{Size: int64(n)}); err != nil {
			t.Fatalf("%d bytes on tmpfs: %v", n, err)
		}
		if got := readBlob(t, d, id, len(data)); !bytes.Equal(got, data) {
			t.Fatalf("%d bytes on tmpfs: content read back differs", n)
		}
	}
}

func readBlob(t *testing.T, d *Disk, id string, n int) []byte {
	t.Helper()
	b, err := readRange(d, id, 0, int64(n))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
