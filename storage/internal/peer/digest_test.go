package peer

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"hash/crc64"
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/blob/blobtest"
)

var ecma = crc64.MakeTable(crc64.ECMA)

// lyingDigest is the digest of data with a wrong MD5 but the right CRC-64:
// a node that takes the writer's digest records that MD5, a node that
// hashes the content finds it differs. It tells the two paths apart.
func lyingDigest(data []byte) func() (blob.Digest, error) {
	return func() (blob.Digest, error) {
		return blob.Digest{MD5: md5.Sum([]byte("not the content")), CRC64: crc64.Checksum(data, ecma)}, nil
	}
}

// TestDigestTrailersOnceLearned: a writer sends its digest in trailers to
// a node only after one of the node's answers named the feature; before
// that the node hashes the content and the writer checks it.
func TestDigestTrailersOnceLearned(t *testing.T) {
	a, b := newBlobNode(t, "same"), newBlobNode(t, "same")
	addr := b.srv.Advertise()
	r := a.bc.Remote(addr)
	data := blobtest.Data(1, 1<<20+9)
	ctx := context.Background()

	// Not learned yet: the node computes the MD5 itself, so a writer's MD5
	// that differs is caught, and nothing is referenced by the caller.
	if a.bc.takesTrailers(addr) {
		t.Fatal("a fresh client believes the node takes trailers")
	}
	_, err := r.Create(ctx, blob.NewID(), bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data)), Digest: lyingDigest(data)})
	if !errors.Is(err, blob.ErrDigestMismatch) {
		t.Fatalf("first Create with a wrong MD5: %v, want ErrDigestMismatch (the node hashed the content)", err)
	}
	if !a.bc.takesTrailers(addr) {
		t.Fatal("the node's answer did not teach the client that it takes trailers")
	}

	// Learned: the node records the writer's MD5 without hashing. (The
	// lie is only for the test; the scrubber would report that copy.)
	id := blob.NewID()
	info, err := r.Create(ctx, id, bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data)), Digest: lyingDigest(data)})
	if err != nil {
		t.Fatalf("Create with trailers: %v", err)
	}
	want, _ := lyingDigest(data)()
	if info.MD5 != want.MD5 || info.CRC64 != want.CRC64 {
		t.Fatalf("Create with trailers stored MD5 %x CRC-64 %d, want the writer's %x %d", info.MD5, info.CRC64, want.MD5, want.CRC64)
	}
	if err := b.disk.Verify(ctx, id); !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("Verify of a copy recorded with a wrong MD5: %v, want ErrCorrupt (scrub must catch a lying writer)", err)
	}
	stat, err := b.disk.Stat(id)
	if err != nil || stat.MD5 != want.MD5 {
		t.Fatalf("footer on the node: %v, MD5 %x, want %x", err, stat.MD5, want.MD5)
	}

	// Trailers with a CRC-64 that does not match the bytes: refused.
	id = blob.NewID()
	_, err = r.Create(ctx, id, bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data)), Digest: func() (blob.Digest, error) {
		return blob.Digest{MD5: md5.Sum(data), CRC64: crc64.Checksum(data, ecma) + 1}, nil
	}})
	if !errors.Is(err, blob.ErrDigestMismatch) {
		t.Fatalf("Create with trailers and a wrong CRC-64: %v, want ErrDigestMismatch", err)
	}
	if _, err := b.disk.Stat(id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat after a refused trailer create: %v, want ErrNotFound", err)
	}
}

// TestDigestTrailersToAnOlderNode: a node that no longer takes trailers
// (rolled back to an older version) refuses the chunked PUT with 411; that
// copy fails, and the next one goes the old way and succeeds.
func TestDigestTrailersToAnOlderNode(t *testing.T) {
	a, b := newBlobNode(t, "same"), newBlobNode(t, "same")
	addr := b.srv.Advertise()
	r := a.bc.Remote(addr)
	data := blobtest.Data(2, 300<<10)
	right := func() (blob.Digest, error) {
		return blob.Digest{MD5: md5.Sum(data), CRC64: crc64.Checksum(data, ecma)}, nil
	}
	ctx := context.Background()

	a.bc.trailers.Store(addr, true) // learned before the node went back
	playOlderNode = true
	t.Cleanup(func() { playOlderNode = false })

	id := blob.NewID()
	if _, err := r.Create(ctx, id, bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data)), Digest: right}); err == nil {
		t.Fatal("a chunked PUT to a node without trailers succeeded")
	}
	if _, err := b.disk.Stat(id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat after the refused PUT: %v, want ErrNotFound", err)
	}
	if a.bc.takesTrailers(addr) {
		t.Fatal("the client still believes the node takes trailers after a 411")
	}
	id = blob.NewID()
	info, err := r.Create(ctx, id, bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data)), Digest: right})
	if err != nil {
		t.Fatalf("the next Create, the old way: %v", err)
	}
	if info.MD5 != md5.Sum(data) {
		t.Fatalf("the old way stored MD5 %x, want %x", info.MD5, md5.Sum(data))
	}
	if err := b.disk.Verify(ctx, id); err != nil {
		t.Fatalf("Verify of the copy stored the old way: %v", err)
	}
}
