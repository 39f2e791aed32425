package blobtest

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"testing"

	"github.com/koss-io/koss/storage/internal/blob"
)

// RunReplica runs the conformance suite of blob.Replica, the interface
// replication writes and reads every copy through. newReplica returns an
// empty replica that lives for the duration of t; the suite runs against the
// local disk and against a peer across the network alike, so that the two
// cannot drift apart.
func RunReplica(t *testing.T, newReplica func(t *testing.T) blob.Replica) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, r blob.Replica)
	}{
		{"create then read ranges", testReplicaRanges},
		{"missing blob", testReplicaMissing},
		{"range beyond the blob", testReplicaBadRange},
		{"md5 mismatch commits nothing", testReplicaBadMD5},
		{"short body commits nothing", testReplicaShortBody},
		{"reader error is returned", testReplicaReaderError},
		{"digest from the writer", testReplicaWriterDigest},
		{"digest CRC-64 mismatch commits nothing", testReplicaDigestMismatch},
		{"digest error commits nothing", testReplicaDigestError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newReplica(t)) })
	}
}

func replicaCreate(t *testing.T, r blob.Replica, data []byte) string {
	t.Helper()
	id := blob.NewID()
	sum := md5.Sum(data)
	info, err := r.Create(context.Background(), id, bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data)), MD5: sum[:]})
	if err != nil {
		t.Fatalf("Create(%d bytes): %v", len(data), err)
	}
	checkInfo(t, info, id, data)
	return id
}

func replicaRead(r blob.Replica, id string, off, n int64) ([]byte, blob.Info, error) {
	rc, info, err := r.ReadRange(context.Background(), id, off, n)
	if err != nil {
		return nil, info, err
	}
	defer func() { _ = rc.Close() }() // read-only
	got, err := io.ReadAll(rc)
	return got, info, err
}

func testReplicaRanges(t *testing.T, r blob.Replica) {
	const bs = blob.DefaultBlockSize
	data := Data(11, 3*bs+7)
	id := replicaCreate(t, r, data)
	size := int64(len(data))
	for _, rg := range [][2]int64{{0, size}, {0, 0}, {size, 0}, {1, bs}, {bs - 1, 2}, {bs, bs}, {2*bs + 5, size - 2*bs - 5}, {size - 1, 1}} {
		got, info, err := replicaRead(r, id, rg[0], rg[1])
		if err != nil || !bytes.Equal(got, data[rg[0]:rg[0]+rg[1]]) {
			t.Fatalf("ReadRange(%d, %d): %v, content equal %v", rg[0], rg[1], err, bytes.Equal(got, data[rg[0]:rg[0]+rg[1]]))
		}
		checkInfo(t, info, id, data)
	}
}

func testReplicaMissing(t *testing.T, r blob.Replica) {
	if _, _, err := replicaRead(r, blob.NewID(), 0, 1); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("ReadRange of a missing blob: %v, want ErrNotFound", err)
	}
}

func testReplicaBadRange(t *testing.T, r blob.Replica) {
	id := replicaCreate(t, r, Data(12, 100))
	for _, rg := range [][2]int64{{0, 101}, {101, 0}, {50, 51}, {-1, 1}} {
		if _, _, err := replicaRead(r, id, rg[0], rg[1]); !errors.Is(err, blob.ErrInvalidRange) {
			t.Fatalf("ReadRange(%d, %d) of 100 bytes: %v, want ErrInvalidRange", rg[0], rg[1], err)
		}
	}
}

func testReplicaBadMD5(t *testing.T, r blob.Replica) {
	id := blob.NewID()
	data := Data(13, 1000)
	wrong := md5.Sum([]byte("something else"))
	_, err := r.Create(context.Background(), id, bytes.NewReader(data), blob.CreateOptions{Size: 1000, MD5: wrong[:]})
	if !errors.Is(err, blob.ErrDigestMismatch) {
		t.Fatalf("Create with a wrong MD5: %v, want ErrDigestMismatch", err)
	}
	if _, _, err := replicaRead(r, id, 0, 1); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("ReadRange after a refused create: %v, want ErrNotFound", err)
	}
}

func testReplicaShortBody(t *testing.T, r blob.Replica) {
	id := blob.NewID()
	_, err := r.Create(context.Background(), id, bytes.NewReader(Data(14, 10)), blob.CreateOptions{Size: 11})
	if !errors.Is(err, blob.ErrSizeMismatch) {
		t.Fatalf("Create of a short body: %v, want ErrSizeMismatch", err)
	}
	if _, _, err := replicaRead(r, id, 0, 1); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("ReadRange after a short body: %v, want ErrNotFound", err)
	}
}

func testReplicaReaderError(t *testing.T, r blob.Replica) {
	id := blob.NewID()
	body := &failingReader{r: bytes.NewReader(Data(15, 1<<20)), after: 1000}
	_, err := r.Create(context.Background(), id, body, blob.CreateOptions{Size: 1 << 20})
	if err == nil {
		t.Fatal("Create from a failing reader succeeded")
	}
	if _, _, err := replicaRead(r, id, 0, 1); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("ReadRange after a failed create: %v, want ErrNotFound", err)
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// writerDigest is the digest a writer computes over data.
func writerDigest(data []byte) blob.Digest {
	return blob.Digest{MD5: md5.Sum(data), CRC64: crc64.Checksum(data, crcTable)}
}

// testReplicaWriterDigest: with CreateOptions.Digest the replica asks for
// the writer's digest only once it has read the whole content (the writer
// knows it no sooner), and commits a blob whose Info is that of the
// content, small (one chunk) and large (the pipelined path) alike.
func testReplicaWriterDigest(t *testing.T, r blob.Replica) {
	for _, n := range []int{1000, 3<<20 + 5} {
		data := Data(16, n)
		body := &countingReader{r: bytes.NewReader(data)}
		calls := 0
		id := blob.NewID()
		info, err := r.Create(context.Background(), id, body, blob.CreateOptions{Size: int64(n), Digest: func() (blob.Digest, error) {
			calls++
			if body.n != int64(n) {
				return blob.Digest{}, fmt.Errorf("digest asked for after %d of %d bytes", body.n, n)
			}
			return writerDigest(data), nil
		}})
		if err != nil {
			t.Fatalf("Create(%d bytes) with the writer's digest: %v", n, err)
		}
		if calls != 1 {
			t.Fatalf("Create(%d bytes) asked for the digest %d times, want once", n, calls)
		}
		checkInfo(t, info, id, data)
		got, rinfo, err := replicaRead(r, id, 0, int64(n))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("ReadRange of a blob created with the writer's digest: %v, content equal %v", err, bytes.Equal(got, data))
		}
		checkInfo(t, rinfo, id, data)
	}
}

// testReplicaDigestMismatch: bytes that differ from what the writer hashed
// (a CRC-64 that does not match) must never be committed.
func testReplicaDigestMismatch(t *testing.T, r blob.Replica) {
	for _, n := range []int{1000, 3<<20 + 5} {
		data := Data(17, n)
		id := blob.NewID()
		_, err := r.Create(context.Background(), id, bytes.NewReader(data), blob.CreateOptions{Size: int64(n), Digest: func() (blob.Digest, error) {
			dg := writerDigest(data)
			dg.CRC64 ^= 1
			return dg, nil
		}})
		if !errors.Is(err, blob.ErrDigestMismatch) {
			t.Fatalf("Create(%d bytes) with a writer's CRC-64 that differs: %v, want ErrDigestMismatch", n, err)
		}
		if _, _, err := replicaRead(r, id, 0, 1); !errors.Is(err, blob.ErrNotFound) {
			t.Fatalf("ReadRange after a refused create: %v, want ErrNotFound", err)
		}
	}
}

// testReplicaDigestError: a writer that cannot give its digest (its write
// failed) must leave nothing behind.
func testReplicaDigestError(t *testing.T, r blob.Replica) {
	data := Data(18, 1<<20+3)
	id := blob.NewID()
	failed := errors.New("the write failed")
	_, err := r.Create(context.Background(), id, bytes.NewReader(data), blob.CreateOptions{Size: int64(len(data)), Digest: func() (blob.Digest, error) {
		return blob.Digest{}, failed
	}})
	if err == nil {
		t.Fatal("Create succeeded although the writer's digest failed")
	}
	if _, _, err := replicaRead(r, id, 0, 1); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("ReadRange after a failed digest: %v, want ErrNotFound", err)
	}
}
