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

// TestBlobPutToAFullNode: a node whose disk is below its reserve answers a
// replica write with blob.ErrNoSpace, on both the plain and the trailer
// paths, so the writer can tell a quorum lost to full disks (507) from one
// lost to unreachable nodes (503). Nothing is stored.
func TestBlobPutToAFullNode(t *testing.T) {
	a := newBlobNode(t, "same")
	s := newTestServer(t, "same", nil)
	cfg := blob.DefaultConfig()
	cfg.Dir = t.TempDir()
	cfg.BlockSize = testBlockSize
	cfg.MinFreeSpace = blob.Reserve{Percent: 99.99} // more than any test disk has free
	full, err := blob.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { full.Close() })
	ServeBlobs(s, full)

	ctx := context.Background()
	data := randomBytes(3*testBlockSize + 5)
	id := blob.NewID()
	if _, err := a.bc.Put(ctx, s.Advertise(), id, bytes.NewReader(data), int64(len(data)), nil); !errors.Is(err, blob.ErrNoSpace) {
		t.Fatalf("put to a full node: %v, want ErrNoSpace", err)
	}
	// The answer above taught the client the trailer path; take it too.
	r := a.bc.Remote(s.Advertise())
	opts := blob.CreateOptions{Size: int64(len(data)), Digest: func() (blob.Digest, error) {
		return blob.Digest{MD5: md5.Sum(data), CRC64: crc64.Checksum(data, crc64.MakeTable(crc64.ECMA))}, nil
	}}
	if _, err := r.Create(ctx, id, bytes.NewReader(data), opts); !errors.Is(err, blob.ErrNoSpace) {
		t.Fatalf("digested put to a full node: %v, want ErrNoSpace", err)
	}
	if _, err := full.Open(id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("the full node stored the blob: %v", err)
	}
}

// TestSpaceReport: a node reports its blob store's headroom to a peer
// holding the cluster secret, and to no one else.
func TestSpaceReport(t *testing.T) {
	a, b := newBlobNode(t, "same"), newBlobNode(t, "same")
	ServeSpace(b.srv, b.disk.Headroom)
	want, err := b.disk.Headroom()
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.srv.Client().Space(context.Background(), b.srv.Advertise())
	if err != nil {
		t.Fatal(err)
	}
	if got.Dir != want.Dir || got.Total != want.Total || got.Reserve != want.Reserve || got.Free <= 0 {
		t.Fatalf("Space = %+v, the node's own Headroom = %+v", got, want)
	}
	intruder := newTestServer(t, "other", nil)
	if _, err := intruder.Client().Space(context.Background(), b.srv.Advertise()); err == nil {
		t.Fatal("a node with another secret read the disk report")
	}
	// A node without the endpoint (an older kossd) is an error, not a zero report.
	if _, err := a.srv.Client().Space(context.Background(), a.srv.Advertise()); err == nil {
		t.Fatal("Space from a node that does not serve it succeeded")
	}
}
