package blobtest

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
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
