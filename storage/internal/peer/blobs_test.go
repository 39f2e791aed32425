package peer

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"errors"
	"hash/crc64"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/blob/blobtest"
)

const testBlockSize = 4096

func newDisk(t *testing.T) *blob.Disk {
	t.Helper()
	cfg := blob.DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.BlockSize = testBlockSize
	d, err := blob.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func readAll(t *testing.T, s blob.Store, id string) ([]byte, error) {
	t.Helper()
	h, err := s.Open(id)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return io.ReadAll(blob.NewReader(h, 0, h.Info().Size))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// flipByte corrupts one content byte of a stored blob.
func flipByte(t *testing.T, d *blob.Disk, id string, off int64) {
	t.Helper()
	p := filepath.Join(d.Dir(), "blobs", id[0:2], id[2:4], id)
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x55
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

type blobNode struct {
	srv  *Server
	disk *blob.Disk
	bc   *BlobClient
}

func newBlobNode(t *testing.T, secret string) blobNode {
	s := newTestServer(t, secret, nil)
	d := newDisk(t)
	ServeBlobs(s, d)
	return blobNode{srv: s, disk: d, bc: NewBlobClient(s.Client())}
}

func TestBlobPutAndRead(t *testing.T) {
	a, b := newBlobNode(t, "same"), newBlobNode(t, "same")
	ctx := context.Background()
	data := randomBytes(10*testBlockSize + 123)
	sum := md5.Sum(data)
	id := blob.NewID()

	info, err := a.bc.Put(ctx, b.srv.Advertise(), id, bytes.NewReader(data), int64(len(data)), sum[:])
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(data)) || info.MD5 != sum || info.CRC64 != crc64.Checksum(data, crc64.MakeTable(crc64.ECMA)) {
		t.Fatalf("put answered %+v", info)
	}
	if got, err := readAll(t, b.disk, id); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored copy: %d bytes, %v", len(got), err)
	}

	ranges := []struct{ off, n int64 }{
		{0, int64(len(data))}, {0, 0}, {1, 1}, {testBlockSize - 1, 2}, {testBlockSize, testBlockSize},
		{5000, 20000}, {int64(len(data)) - 7, 7}, {int64(len(data)), 0},
	}
	for _, rg := range ranges {
		r, info, err := a.bc.Read(ctx, b.srv.Advertise(), id, rg.off, rg.n)
		if err != nil {
			t.Fatalf("read %+v: %v", rg, err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, data[rg.off:rg.off+rg.n]) {
			t.Fatalf("read %+v: %d bytes, %v", rg, len(got), err)
		}
		if info.Size != int64(len(data)) || info.BlockSize != testBlockSize {
			t.Fatalf("read info %+v", info)
		}
	}

	// Errors carry the blob store's sentinels.
	if _, _, err := a.bc.Read(ctx, b.srv.Advertise(), blob.NewID(), 0, 1); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("read of a missing blob: %v", err)
	}
	bad := md5.Sum([]byte("other"))
	if _, err := a.bc.Put(ctx, b.srv.Advertise(), blob.NewID(), bytes.NewReader(data), int64(len(data)), bad[:]); !errors.Is(err, blob.ErrDigestMismatch) {
		t.Fatalf("put with a wrong md5: %v", err)
	}
	intruder := newTestServer(t, "other", nil)
	if _, err := NewBlobClient(intruder.Client()).Put(ctx, b.srv.Advertise(), blob.NewID(), bytes.NewReader(data), int64(len(data)), nil); err == nil {
		t.Fatal("put with the wrong secret succeeded")
	}
}

func TestBlobReadOfCorruptCopy(t *testing.T) {
	a, b := newBlobNode(t, "same"), newBlobNode(t, "same")
	ctx := context.Background()
	data := randomBytes(8 * testBlockSize)
	id := blob.NewID()
	if _, err := b.disk.Create(ctx, id, bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	flipByte(t, b.disk, id, 5*testBlockSize+10)

	// A range before the damage reads fine; one across it fails with
	// ErrCorrupt after the good blocks.
	r, _, err := a.bc.Read(ctx, b.srv.Advertise(), id, 0, 2*testBlockSize)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, data[:2*testBlockSize]) {
		t.Fatalf("read before the damage: %d bytes, %v", len(got), err)
	}
	r.Close()
	r, _, err = a.bc.Read(ctx, b.srv.Advertise(), id, 0, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if !errors.Is(err, blob.ErrCorrupt) || len(got) != 5*testBlockSize {
		t.Fatalf("read across the damage: %d bytes, %v", len(got), err)
	}
	c := newBlobNode(t, "same")

	// A copy repaired through the Replica interface: read from a good
	// copy, create on the damaged node.
	if _, err := a.disk.Create(ctx, id, bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	src, info, err := a.bc.Remote(a.srv.Advertise()).ReadRange(ctx, id, 0, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := c.bc.Remote(b.srv.Advertise()).Create(ctx, id, src, blob.CreateOptions{Size: info.Size, MD5: info.MD5[:]}); err != nil {
		t.Fatal(err)
	}
	if err := b.disk.Verify(ctx, id); err != nil {
		t.Fatalf("repaired copy: %v", err)
	}
}

// TestRemoteIsAReplica runs the blob.Replica conformance suite against a
// peer's disk across the network, the same suite the local disk passes.
func TestRemoteIsAReplica(t *testing.T) {
	blobtest.RunReplica(t, func(t *testing.T) blob.Replica {
		a, b := newBlobNode(t, "same"), newBlobNode(t, "same")
		// One write first, as a running node has made: its answer teaches
		// the client that the node takes the writer's digest in trailers
		// (digest.go), the path replicated writes take. The first-write
		// path is TestDigestTrailersOnceLearned's.
		warm := blobtest.Data(99, 10)
		if _, err := a.bc.Put(context.Background(), b.srv.Advertise(), blob.NewID(), bytes.NewReader(warm), int64(len(warm)), nil); err != nil {
			t.Fatal(err)
		}
		return a.bc.Remote(b.srv.Advertise())
	})
}
