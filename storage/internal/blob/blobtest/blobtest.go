package blobtest

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"hash/crc64"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
)

// Run runs the conformance suite. newStore must return an empty store that
// lives for the duration of the test t.
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	t.Helper()
	tests := map[string]func(t *testing.T, s blob.Store){
		"round trip of many sizes":            testRoundTrip,
		"unknown size reads to EOF":           testUnknownSize,
		"ranges at block edges":               testRanges,
		"read past end":                       testReadPastEnd,
		"missing blob":                        testMissing,
		"invalid ids are refused":             testInvalidID,
		"short body commits nothing":          testShortBody,
		"md5 mismatch commits nothing":        testBadMD5,
		"reader error commits nothing":        testReaderError,
		"cancelled context commits nothing":   testCancelled,
		"extra bytes are left in the reader":  testExtraBytes,
		"delete":                              testDelete,
		"open handle survives delete":         testHandleSurvivesDelete,
		"walk lists committed blobs":          testWalk,
		"concurrent creates":                  testConcurrent,
		"recreate with same content replaces": testRecreate,
		"verify and scrub a healthy store":    testVerify,
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range tests {
			if !yield(k) {
				return
			}
		}
	}) {
		t.Run(name, func(t *testing.T) {
			tests[name](t, newStore(t))
		})
	}
}

var crcTable = crc64.MakeTable(crc64.ECMA)

// Data returns n deterministic pseudo-random bytes.
func Data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x6b6f7373))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// blockSize learns the store's block size from a probe blob.
func blockSize(t *testing.T, s blob.Store) int {
	t.Helper()
	info := mustCreate(t, s, blob.NewID(), []byte("x"))
	if info.BlockSize <= 0 {
		t.Fatalf("Info.BlockSize = %d", info.BlockSize)
	}
	return info.BlockSize
}

func mustCreate(t *testing.T, s blob.Store, id string, data []byte) blob.Info {
	t.Helper()
	info, err := s.Create(context.Background(), id, bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatalf("Create(%d bytes): %v", len(data), err)
	}
	return info
}

func readAll(t *testing.T, s blob.Store, id string) []byte {
	t.Helper()
	h, err := s.Open(id)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer func() { _ = h.Close() }() // read-only handle
	got, err := io.ReadAll(blob.NewReader(h, 0, h.Info().Size))
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return got
}

func checkInfo(t *testing.T, info blob.Info, id string, data []byte) {
	t.Helper()
	if info.ID != id || info.Size != int64(len(data)) || info.MD5 != md5.Sum(data) || info.CRC64 != crc64.Checksum(data, crcTable) {
		t.Fatalf("Info = {%s %d %x %d}, want {%s %d %x %d}", info.ID, info.Size, info.MD5, info.CRC64,
			id, len(data), md5.Sum(data), crc64.Checksum(data, crcTable))
	}
}

func checkAbsent(t *testing.T, s blob.Store, id string) {
	t.Helper()
	if _, err := s.Stat(id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat after failed create: %v, want ErrNotFound", err)
	}
	err := s.Walk(context.Background(), func(e blob.Entry) error {
		if e.ID == id {
			t.Fatalf("Walk lists %s after failed create", id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testRoundTrip(t *testing.T, s blob.Store) {
	bs := blockSize(t, s)
	for _, n := range []int{0, 1, bs - 1, bs, bs + 1, 3*bs + 7, (1 << 20) + 5, 2 << 20, (2 << 20) + 4096, (3 << 20) + bs} {
		data := Data(uint64(n), n)
		id := blob.NewID()
		info := mustCreate(t, s, id, data)
		checkInfo(t, info, id, data)
		st, err := s.Stat(id)
		if err != nil {
			t.Fatalf("Stat: %v", err)
		}
		checkInfo(t, st, id, data)
		if got := readAll(t, s, id); !bytes.Equal(got, data) {
			t.Fatalf("size %d: content differs", n)
		}
	}
}

func testUnknownSize(t *testing.T, s blob.Store) {
	for _, n := range []int{0, 10, (2 << 20) + 3} {
		data := Data(7, n)
		id := blob.NewID()
		info, err := s.Create(context.Background(), id, bytes.NewReader(data), blob.CreateOptions{Size: -1})
		if err != nil {
			t.Fatal(err)
		}
		checkInfo(t, info, id, data)
		if got := readAll(t, s, id); !bytes.Equal(got, data) {
			t.Fatalf("size %d: content differs", n)
		}
	}
}

func testRanges(t *testing.T, s blob.Store) {
	bs := blockSize(t, s)
	size := 3*bs + 7
	data := Data(3, size)
	id := blob.NewID()
	mustCreate(t, s, id, data)
	h, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = h.Close() }() // read-only handle
	offs := []int{0, 1, bs - 1, bs, bs + 1, 2*bs - 1, 2 * bs, 3*bs - 1, 3 * bs, size - 1}
	lens := []int{1, 2, bs - 1, bs, bs + 1, 2 * bs}
	for _, off := range offs {
		for _, l := range lens {
			l = min(l, size-off)
			want := data[off : off+l]
			p := make([]byte, l)
			n, err := h.ReadAt(p, int64(off))
			if err != nil || n != l || !bytes.Equal(p, want) {
				t.Fatalf("ReadAt(off=%d len=%d) = %d, %v; content equal %v", off, l, n, err, bytes.Equal(p[:n], want[:n]))
			}
			got, err := io.ReadAll(blob.NewReader(h, int64(off), int64(l)))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("NewReader(off=%d len=%d): %v, equal %v", off, l, err, bytes.Equal(got, want))
			}
		}
	}
	// Small reads through the sequential reader.
	r := blob.NewReader(h, int64(bs-3), int64(bs+10))
	var got []byte
	p := make([]byte, 5)
	for {
		n, err := r.Read(p)
		got = append(got, p[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, data[bs-3:2*bs+7]) {
		t.Fatal("5-byte reads differ")
	}
}

func testReadPastEnd(t *testing.T, s blob.Store) {
	data := Data(4, 100)
	id := blob.NewID()
	mustCreate(t, s, id, data)
	h, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = h.Close() }() // read-only handle
	p := make([]byte, 50)
	// io.ReaderAt returns io.EOF itself, never wrapped (see io.EOF), so the
	// conformance checks below compare with == on purpose.
	n, err := h.ReadAt(p, 80)
	if n != 20 || err != io.EOF || !bytes.Equal(p[:20], data[80:]) { //nolint:errorlint // io.EOF must not be wrapped
		t.Fatalf("ReadAt across end = %d, %v", n, err)
	}
	if n, err := h.ReadAt(p, 100); n != 0 || err != io.EOF { //nolint:errorlint // io.EOF must not be wrapped
		t.Fatalf("ReadAt at end = %d, %v", n, err)
	}
	if _, err := h.ReadAt(p, -1); err == nil {
		t.Fatal("ReadAt(-1) succeeded")
	}
}

func testMissing(t *testing.T, s blob.Store) {
	id := blob.NewID()
	if _, err := s.Open(id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open: %v", err)
	}
	if _, err := s.Stat(id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat: %v", err)
	}
	if err := s.Verify(context.Background(), id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Verify: %v", err)
	}
	if err := s.Delete(id); err != nil {
		t.Fatalf("Delete of a missing blob: %v", err)
	}
}

func testInvalidID(t *testing.T, s blob.Store) {
	for _, id := range []string{"", "../../etc/passwd", strings.Repeat("A", blob.IDLen), strings.Repeat("a", blob.IDLen-1), strings.Repeat("g", blob.IDLen)} {
		if _, err := s.Create(context.Background(), id, strings.NewReader("x"), blob.CreateOptions{Size: 1}); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Create(%q): %v", id, err)
		}
		if _, err := s.Open(id); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Open(%q): %v", id, err)
		}
		if _, err := s.Stat(id); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Stat(%q): %v", id, err)
		}
		if err := s.Delete(id); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Delete(%q): %v", id, err)
		}
	}
}

func testShortBody(t *testing.T, s blob.Store) {
	for _, n := range []int{0, 10, (2 << 20) + 1} {
		id := blob.NewID()
		_, err := s.Create(context.Background(), id, bytes.NewReader(Data(1, n)), blob.CreateOptions{Size: int64(n) + 1})
		if !errors.Is(err, blob.ErrSizeMismatch) {
			t.Fatalf("Create with %d of %d bytes: %v", n, n+1, err)
		}
		checkAbsent(t, s, id)
	}
}

func testBadMD5(t *testing.T, s blob.Store) {
	for _, n := range []int{0, 10, (2 << 20) + 1} {
		data := Data(2, n)
		sum := md5.Sum(data)
		sum[0] ^= 1
		id := blob.NewID()
		_, err := s.Create(context.Background(), id, bytes.NewReader(data), blob.CreateOptions{Size: int64(n), MD5: sum[:]})
		if !errors.Is(err, blob.ErrDigestMismatch) {
			t.Fatalf("Create with wrong MD5: %v", err)
		}
		checkAbsent(t, s, id)
		sum[0] ^= 1
		if _, err := s.Create(context.Background(), id, bytes.NewReader(data), blob.CreateOptions{Size: int64(n), MD5: sum[:]}); err != nil {
			t.Fatalf("Create with right MD5: %v", err)
		}
	}
}

var errBoom = errors.New("boom")

type failingReader struct {
	r     io.Reader
	after int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errBoom
	}
	p = p[:min(len(p), f.after)]
	n, err := f.r.Read(p)
	f.after -= n
	return n, err
}

func testReaderError(t *testing.T, s blob.Store) {
	for _, n := range []int{0, 10, (2 << 20) + 1} {
		id := blob.NewID()
		r := &failingReader{r: bytes.NewReader(Data(5, 4<<20)), after: n}
		_, err := s.Create(context.Background(), id, r, blob.CreateOptions{Size: 4 << 20})
		if !errors.Is(err, errBoom) {
			t.Fatalf("Create from failing reader: %v", err)
		}
		checkAbsent(t, s, id)
	}
}

func testCancelled(t *testing.T, s blob.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	id := blob.NewID()
	_, err := s.Create(ctx, id, bytes.NewReader(Data(6, 3<<20)), blob.CreateOptions{Size: 3 << 20})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Create with cancelled ctx: %v", err)
	}
	checkAbsent(t, s, id)
}

func testExtraBytes(t *testing.T, s blob.Store) {
	for _, n := range []int{5, (2 << 20) + 1} {
		data := Data(8, n+10)
		r := bytes.NewReader(data)
		id := blob.NewID()
		info, err := s.Create(context.Background(), id, r, blob.CreateOptions{Size: int64(n)})
		if err != nil {
			t.Fatal(err)
		}
		checkInfo(t, info, id, data[:n])
		if r.Len() != 10 {
			t.Fatalf("Create consumed %d extra bytes", 10-r.Len())
		}
	}
}

func testDelete(t *testing.T, s blob.Store) {
	id := blob.NewID()
	mustCreate(t, s, id, []byte("hello"))
	if err := s.Delete(id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Open after Delete: %v", err)
	}
	if err := s.Delete(id); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
}

func testHandleSurvivesDelete(t *testing.T, s blob.Store) {
	data := Data(9, 200<<10)
	id := blob.NewID()
	mustCreate(t, s, id, data)
	h, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = h.Close() }() // read-only handle
	if err := s.Delete(id); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(blob.NewReader(h, 0, int64(len(data))))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read after delete: %v", err)
	}
}

func testWalk(t *testing.T, s blob.Store) {
	want := map[string]bool{}
	for i := range 20 {
		id := blob.NewID()
		mustCreate(t, s, id, Data(uint64(i), i))
		want[id] = true
	}
	del := blob.NewID()
	mustCreate(t, s, del, []byte("gone"))
	if err := s.Delete(del); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	err := s.Walk(context.Background(), func(e blob.Entry) error {
		if got[e.ID] {
			t.Errorf("Walk reported %s twice", e.ID)
		}
		if e.ModTime.IsZero() || e.FileSize <= 0 {
			t.Errorf("Walk entry %+v lacks ModTime/FileSize", e)
		}
		got[e.ID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got[del] {
		t.Error("Walk reports a deleted blob")
	}
	for id := range want {
		if !got[id] {
			t.Errorf("Walk misses %s", id)
		}
	}
	// Stopping early.
	stop := errors.New("stop")
	calls := 0
	err = s.Walk(context.Background(), func(blob.Entry) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Walk with stopping fn = %v after %d calls", err, calls)
	}
}

func testConcurrent(t *testing.T, s blob.Store) {
	const n = 16
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		ids[i] = blob.NewID()
		wg.Go(func() {
			data := Data(uint64(i), 100<<10+i)
			if _, err := s.Create(context.Background(), ids[i], bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data))}); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i, id := range ids {
		if got := readAll(t, s, id); !bytes.Equal(got, Data(uint64(i), 100<<10+i)) {
			t.Fatalf("blob %d differs", i)
		}
	}
}

func testRecreate(t *testing.T, s blob.Store) {
	data := Data(10, 1000)
	id := blob.NewID()
	mustCreate(t, s, id, data)
	info := mustCreate(t, s, id, data)
	checkInfo(t, info, id, data)
	if got := readAll(t, s, id); !bytes.Equal(got, data) {
		t.Fatal("content differs after re-create")
	}
}

func testVerify(t *testing.T, s blob.Store) {
	for _, n := range []int{0, 1, 300 << 10} {
		id := blob.NewID()
		mustCreate(t, s, id, Data(11, n))
		if err := s.Verify(context.Background(), id); err != nil {
			t.Fatalf("Verify(%d bytes): %v", n, err)
		}
	}
	var reported []string
	res, err := blob.VerifyAll(context.Background(), s, blob.ScrubOptions{Report: func(id string, err error) {
		reported = append(reported, id)
	}})
	if err != nil || res.Corrupt != 0 || len(reported) != 0 || res.Checked != 3 {
		t.Fatalf("VerifyAll = %+v, %v, reported %v", res, err, reported)
	}
}
