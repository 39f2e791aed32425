package object

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The S3 fields through the Layer: checksums stored and returned, part
// sizes of multipart objects, If-Match on PutObject and CompleteUpload.

var (
	putSum      = Checksum{Algorithm: "CRC32", Value: "NSRBwg==", Type: "FULL_OBJECT"}
	declaredSum = Checksum{Algorithm: "CRC32C", Type: "COMPOSITE"}
	partSum     = func(n int) Checksum { return Checksum{Algorithm: "CRC32C", Value: fmt.Sprintf("AAAAA%d==", n)} }
	objectSum   = Checksum{Algorithm: "CRC32C", Value: "q83vEg==-2", Type: "COMPOSITE"}
)

// TestPutIfMatchRace holds n writers with the same If-Match at the point
// where their data is stored and their command not yet proposed, so every
// one of them has passed the early check: the state machine alone decides,
// and exactly one may win. Two winners would be a lost update.
func TestPutIfMatchRace(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	if err := st.store.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	first := mustPut(t, st.store, "bkt", "k", []byte("v0"))

	const n = 8
	var arrived atomic.Int32
	all := make(chan struct{})
	testHookBeforePropose = func() error {
		if arrived.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
			return nil
		case <-time.After(20 * time.Second):
			return errors.New("not every writer reached the proposal")
		}
	}
	t.Cleanup(func() { testHookBeforePropose = nil })

	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf("writer %d", i) // every writer makes another ETag
			_, errs[i] = st.store.PutObject(ctx, "bkt", "k", strings.NewReader(body), int64(len(body)),
				PutOptions{IfMatch: strings.ToLower(strings.Trim(first.ETag, `"`))})
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("writers %d and %d both succeeded with the same If-Match", won, i)
		case err == nil:
			won = i
		case !errors.Is(err, ErrPreconditionFailed):
			t.Fatalf("writer %d: %v, want ErrPreconditionFailed", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no writer succeeded")
	}
	if got, _ := readObject(t, st.store, "bkt", "k"); string(got) != fmt.Sprintf("writer %d", won) {
		t.Fatalf("object holds %q, not the winner's data", got)
	}
}

func TestPutIfMatch(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	if err := st.store.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	put := func(ifMatch, body string) error {
		_, err := st.store.PutObject(ctx, "bkt", "k", strings.NewReader(body), int64(len(body)), PutOptions{IfMatch: ifMatch})
		return err
	}
	if err := put(`"D41D8CD98F00B204E9800998ECF8427E"`, "x"); !errors.Is(err, ErrObjectNotFound) {
		t.Fatalf("If-Match without an object: %v, want ErrObjectNotFound", err)
	}
	v1 := mustPut(t, st.store, "bkt", "k", []byte("v1"))
	if err := put(`"00000000000000000000000000000000"`, "v2"); !errors.Is(err, ErrPreconditionFailed) {
		t.Fatalf("wrong If-Match: %v, want ErrPreconditionFailed", err)
	}
	if got, _ := readObject(t, st.store, "bkt", "k"); string(got) != "v1" {
		t.Fatalf("a refused write changed the object to %q", got)
	}
	if err := put(v1.ETag, "v2"); err != nil {
		t.Fatalf("matching If-Match: %v", err)
	}
}

// s3Objects writes, in bucket bkt: "plain" with putSum, upload U (declared
// declaredSum) with a checksummed part 1, and "mp" completed from two
// checksummed parts with objectSum. It returns U's id.
func s3Objects(t *testing.T, s *Store) string {
	t.Helper()
	ctx := t.Context()
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	info, err := s.PutObject(ctx, "bkt", "plain", strings.NewReader("hello"), 5, PutOptions{Checksum: putSum})
	if err != nil || info.Checksum != putSum || info.PartSizes != nil {
		t.Fatalf("PutObject = %+v, %v", info, err)
	}
	var ids []string
	for range 2 {
		// The declared checksum's value, if any, is not the upload's.
		u, err := s.CreateUpload(ctx, "bkt", "mp", PutOptions{Checksum: Checksum{Algorithm: "CRC32C", Type: "COMPOSITE", Value: "junk"}})
		if err != nil || u.Checksum != declaredSum {
			t.Fatalf("CreateUpload = %+v, %v", u, err)
		}
		ids = append(ids, u.UploadID)
	}
	sizes := []int{MinPartSize, 1000}
	var parts []CompletePart
	for i, size := range sizes {
		p, err := s.UploadPart(ctx, "bkt", "mp", ids[1], i+1, bytes.NewReader(data(i, size)), int64(size), PartOptions{Checksum: partSum(i + 1)})
		if err != nil || p.Checksum != partSum(i+1) {
			t.Fatalf("UploadPart %d = %+v, %v", i+1, p, err)
		}
		parts = append(parts, CompletePart{Number: i + 1, ETag: p.ETag})
	}
	if _, err := s.UploadPart(ctx, "bkt", "mp", ids[0], 1, strings.NewReader("p"), 1, PartOptions{Checksum: partSum(7)}); err != nil {
		t.Fatal(err)
	}
	info, err = s.CompleteUpload(ctx, "bkt", "mp", ids[1], parts, CompleteOptions{Checksum: objectSum})
	if err != nil || info.Checksum != objectSum || !slices.Equal(info.PartSizes, []int64{MinPartSize, 1000}) ||
		!slices.Equal(info.PartChecksums, mpPartSums) {
		t.Fatalf("CompleteUpload = %+v, %v", info, err)
	}
	return ids[0]
}

// mpPartSums are the part checksums s3Objects's "mp" keeps.
var mpPartSums = []string{partSum(1).Value, partSum(2).Value}

// checkS3Objects checks, through s, every field s3Objects stored.
func checkS3Objects(t *testing.T, s *Store, id string) {
	t.Helper()
	ctx := t.Context()
	for key, want := range map[string]struct {
		sum   Checksum
		sizes []int64
		sums  []string
	}{"plain": {putSum, nil, nil}, "mp": {objectSum, []int64{MinPartSize, 1000}, mpPartSums}} {
		h, err := s.HeadObject(ctx, "bkt", key)
		if err != nil || h.Checksum != want.sum || !slices.Equal(h.PartSizes, want.sizes) || !slices.Equal(h.PartChecksums, want.sums) {
			t.Errorf("HeadObject(%s) = %+v, %v", key, h, err)
		}
		g, rc, err := s.GetObject(ctx, "bkt", key, nil)
		if err != nil {
			t.Fatalf("GetObject(%s): %v", key, err)
		}
		n, _ := io.Copy(io.Discard, rc)
		rc.Close()
		if g.Checksum != want.sum || !slices.Equal(g.PartSizes, want.sizes) || !slices.Equal(g.PartChecksums, want.sums) || n != h.Size {
			t.Errorf("GetObject(%s) = %+v (%d bytes)", key, g, n)
		}
	}
	lr, err := s.ListObjects(ctx, "bkt", ListOptions{})
	if err != nil || len(lr.Objects) != 2 || lr.Objects[0].Checksum.Algorithm != "CRC32C" || lr.Objects[1].Checksum.Algorithm != "CRC32" {
		t.Errorf("ListObjects = %+v, %v", lr.Objects, err)
	}
	us, err := s.ListUploads(ctx, "bkt", ListUploadsOptions{})
	if err != nil || len(us.Uploads) != 1 || us.Uploads[0].UploadID != id || us.Uploads[0].Checksum != declaredSum {
		t.Errorf("ListUploads = %+v, %v", us.Uploads, err)
	}
	ps, err := s.ListParts(ctx, "bkt", "mp", id, 0, 0)
	if err != nil || len(ps.Parts) != 1 || ps.Parts[0].Checksum != partSum(7) {
		t.Errorf("ListParts = %+v, %v", ps.Parts, err)
	}
}

func TestS3FieldsSurviveRestartAndRestore(t *testing.T) {
	dir := t.TempDir()
	st := openStack(t, dir)
	id := s3Objects(t, st.store)
	checkS3Objects(t, st.store, id)

	var snap bytes.Buffer
	if err := st.fsm.WriteSnapshot(&snap); err != nil {
		t.Fatal(err)
	}
	st.close()
	st = openStack(t, dir)
	checkS3Objects(t, st.store, id)

	// A node restored from the snapshot, with the blobs copied over as
	// replication would have put them there.
	other := t.TempDir()
	if err := os.CopyFS(filepath.Join(other, "blob"), os.DirFS(filepath.Join(dir, "blob"))); err != nil {
		t.Fatal(err)
	}
	st2 := openStack(t, other)
	if err := st2.fsm.Restore(io.NopCloser(bytes.NewReader(snap.Bytes()))); err != nil {
		t.Fatal(err)
	}
	checkS3Objects(t, st2.store, id)
}

func TestCopyKeepsS3Fields(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	s3Objects(t, st.store)
	for _, replace := range []bool{false, true} {
		for _, src := range []string{"plain", "mp"} {
			want, _ := st.store.HeadObject(ctx, "bkt", src)
			opts := CopyOptions{ReplaceMetadata: replace, Metadata: Metadata{ContentType: "x/y"}}
			info, err := st.store.CopyObject(ctx, ObjectRef{Bucket: "bkt", Key: src}, ObjectRef{Bucket: "bkt", Key: "copy"}, opts)
			if err != nil || info.Checksum != want.Checksum || !slices.Equal(info.PartSizes, want.PartSizes) ||
				!slices.Equal(info.PartChecksums, want.PartChecksums) {
				t.Fatalf("CopyObject(%s, replace %v) = %+v, %v", src, replace, info, err)
			}
			if h, _ := st.store.HeadObject(ctx, "bkt", "copy"); h.Checksum != want.Checksum || !slices.Equal(h.PartSizes, want.PartSizes) ||
				!slices.Equal(h.PartChecksums, want.PartChecksums) {
				t.Fatalf("copy of %s (replace %v) reads back %+v", src, replace, h)
			}
		}
	}
}

func TestAppendStoresNoChecksum(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	if err := st.store.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	info, err := st.store.AppendObject(ctx, "bkt", "log", 0, strings.NewReader("abc"), 3, PutOptions{Checksum: putSum})
	if err != nil || info.Checksum != (Checksum{}) {
		t.Fatalf("AppendObject = %+v, %v: an appendable object's content changes, no checksum may stay", info, err)
	}
}

func TestCompleteIfMatch(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	if err := st.store.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	upload := func(key string) (string, []CompletePart) {
		u, err := st.store.CreateUpload(ctx, "bkt", key, PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := st.store.UploadPart(ctx, "bkt", key, u.UploadID, 1, strings.NewReader("part"), 4, PartOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return u.UploadID, []CompletePart{{Number: 1, ETag: p.ETag}}
	}
	id, parts := upload("absent")
	if _, err := st.store.CompleteUpload(ctx, "bkt", "absent", id, parts, CompleteOptions{IfMatch: `"X"`}); !errors.Is(err, ErrObjectNotFound) {
		t.Fatalf("Complete with If-Match over no object: %v, want ErrObjectNotFound", err)
	}
	old := mustPut(t, st.store, "bkt", "k", []byte("old"))
	id, parts = upload("k")
	if _, err := st.store.CompleteUpload(ctx, "bkt", "k", id, parts, CompleteOptions{IfMatch: `"X"`}); !errors.Is(err, ErrPreconditionFailed) {
		t.Fatalf("Complete with a wrong If-Match: %v, want ErrPreconditionFailed", err)
	}
	// The refused Complete left the upload to complete again.
	info, err := st.store.CompleteUpload(ctx, "bkt", "k", id, parts, CompleteOptions{IfMatch: old.ETag})
	if err != nil || info.Type != TypeMultipart || !slices.Equal(info.PartSizes, []int64{4}) {
		t.Fatalf("Complete with the right If-Match = %+v, %v", info, err)
	}
}

func TestMalformedChecksumRefused(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	if err := st.store.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	bad := Checksum{Value: "AAAAAA=="}
	if _, err := st.store.PutObject(ctx, "bkt", "k", strings.NewReader("x"), 1, PutOptions{Checksum: bad}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("PutObject with a checksum without algorithm: %v", err)
	}
	if _, err := st.store.CreateUpload(ctx, "bkt", "k", PutOptions{IfMatch: `"X"`}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("CreateUpload with If-Match: %v", err)
	}
}
