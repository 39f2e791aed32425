package meta

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"reflect"
	"testing"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

func placedObject(id string, size int64, replicas ...string) record.Object {
	o := blobObject(id, size)
	o.Segments[0].Replicas = replicas
	return o
}

func (h *harness) placement(id string) (record.Placement, bool) {
	h.t.Helper()
	p, ok, err := h.f.GetPlacement(id)
	if err != nil {
		h.t.Fatal(err)
	}
	return p, ok
}

func (h *harness) underCount() int64 {
	h.t.Helper()
	n, err := h.f.UnderReplicatedCount()
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

func TestPlacementLifecycle(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	h.ok(&record.PutObject{Bucket: "b", Key: "full", Object: placedObject("blob1", 10, "n1", "n2", "n3")})
	h.ok(&record.PutObject{Bucket: "b", Key: "under", Object: placedObject("blob2", 20, "n2", "n1")})
	h.ok(&record.PutObject{Bucket: "b", Key: "legacy", Object: blobObject("blob3", 30)})

	o, err := h.f.GetObject("b", "under")
	if err != nil || !reflect.DeepEqual(o.Segments[0].Replicas, []string{"n2", "n1"}) {
		t.Fatalf("GetObject replicas = %v, %v", o.Segments[0].Replicas, err)
	}
	if o, _ := h.f.GetObject("b", "legacy"); o.Segments[0].Replicas != nil {
		t.Fatalf("legacy blob has replicas %v", o.Segments[0].Replicas)
	}
	if p, ok := h.placement("blob2"); !ok || p.Size != 20 || p.CRC64 != 7 || !p.UnderReplicated() {
		t.Fatalf("placement = %+v %v", p, ok)
	}
	if n := h.underCount(); n != 1 {
		t.Fatalf("under-replicated = %d, want 1", n)
	}
	under, err := h.f.Placements("", 10, true)
	if err != nil || len(under) != 1 || under[0].Blob != "blob2" {
		t.Fatalf("under-replicated list = %+v, %v", under, err)
	}
	all, err := h.f.Placements("", 10, false)
	if err != nil || len(all) != 2 {
		t.Fatalf("placements = %+v, %v", all, err)
	}
	if rest, _ := h.f.Placements("blob1", 10, false); len(rest) != 1 || rest[0].Blob != "blob2" {
		t.Fatalf("placements after blob1 = %+v", rest)
	}
	if bytes, err := h.f.BytesPerNode(); err != nil || !reflect.DeepEqual(bytes, map[string]int64{"n1": 30, "n2": 30, "n3": 10}) {
		t.Fatalf("bytes per node = %v, %v", bytes, err)
	}

	// Listings and results never carry replica lists.
	r := h.ok(&record.PutObject{Bucket: "b", Key: "x", Object: placedObject("blob4", 1, "n1")})
	if r.Object.Segments[0].Replicas != nil {
		t.Fatal("result carries replicas")
	}

	// Compare-and-set update.
	h.want(&record.UpdateReplicas{Blob: "blob2", Expect: []string{"n1"}, Replicas: []string{"n1", "n2", "n3"}}, record.CodePreconditionFailed)
	h.want(&record.UpdateReplicas{Blob: "blob2", Expect: []string{"n1", "n2"}, Replicas: []string{"n1", "n1"}}, record.CodeInvalidArgument)
	h.want(&record.UpdateReplicas{Blob: "nope", Expect: nil, Replicas: []string{"n1"}}, record.CodeObjectNotFound)
	h.ok(&record.UpdateReplicas{Blob: "blob2", Expect: []string{"n1", "n2"}, Replicas: []string{"n2", "n1", "n3"}})
	if n := h.underCount(); n != 1 { // blob4 only
		t.Fatalf("under-replicated after repair = %d, want 1", n)
	}
	// Removing a node can make a blob under-replicated again.
	h.ok(&record.UpdateReplicas{Blob: "blob1", Expect: []string{"n3", "n2", "n1"}, Replicas: []string{"n1", "n2"}})
	if n := h.underCount(); n != 2 {
		t.Fatalf("under-replicated = %d, want 2", n)
	}

	// A copy shares the blob and its one placement entry; the entry lives
	// until the last reference goes.
	h.ok(&record.CopyObject{SrcBucket: "b", SrcKey: "under", DstBucket: "b", DstKey: "copy"})
	if o, _ := h.f.GetObject("b", "copy"); !reflect.DeepEqual(o.Segments[0].Replicas, []string{"n2", "n1", "n3"}) {
		t.Fatalf("copy replicas = %v", o.Segments[0].Replicas)
	}
	h.ok(&record.DeleteObject{Bucket: "b", Key: "under"})
	if _, ok := h.placement("blob2"); !ok {
		t.Fatal("placement gone while a copy refers to the blob")
	}
	h.ok(&record.DeleteObject{Bucket: "b", Key: "copy"})
	if _, ok := h.placement("blob2"); ok {
		t.Fatal("placement kept after the last reference")
	}
	h.ok(&record.DeleteObject{Bucket: "b", Key: "full"})
	if n := h.underCount(); n != 1 {
		t.Fatalf("under-replicated after deletes = %d, want 1", n)
	}
	h.want(&record.UpdateReplicas{Blob: "blob1", Expect: []string{"n1", "n2"}, Replicas: []string{"n1"}}, record.CodeObjectNotFound)
}

func TestPlacementSnapshot(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	h.ok(&record.PutObject{Bucket: "b", Key: "a", Object: placedObject("blob1", 10, "n1", "n2", "n3")})
	h.ok(&record.PutObject{Bucket: "b", Key: "c", Object: placedObject("blob2", 10, "n1")})
	snap := snapshotBytes(t, h.f)

	g := newFSM(t)
	if err := g.Restore(readCloser(snap)); err != nil {
		t.Fatal(err)
	}
	if n, err := g.UnderReplicatedCount(); err != nil || n != 1 {
		t.Fatalf("restored under-replicated = %d, %v (index not rebuilt)", n, err)
	}
	if o, _ := g.GetObject("b", "c"); !reflect.DeepEqual(o.Segments[0].Replicas, []string{"n1"}) {
		t.Fatalf("restored replicas = %v", o.Segments[0].Replicas)
	}
	if !bytes.Equal(snapshotBytes(t, g), snap) {
		t.Fatal("snapshot of the restored state differs")
	}
}

// TestRestoreSnapshotWithoutPlacement restores a snapshot written before
// the placement section existed.
func TestRestoreSnapshotWithoutPlacement(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	h.ok(&record.PutObject{Bucket: "b", Key: "a", Object: blobObject("blob1", 10)})
	snap := snapshotBytes(t, h.f)
	// With empty placement, uploads and parts tables the newer sections
	// are the bytes 05 00 06 00 07 00 just before the end marker: cut them
	// out and fix the CRC.
	end := len(snap) - 4 - 1
	if !bytes.Equal(snap[end-6:end+1], []byte{5, 0, 6, 0, 7, 0, 0xFF}) {
		t.Fatalf("unexpected snapshot tail % x", snap[end-6:])
	}
	old := append(append([]byte(nil), snap[:end-6]...), 0xFF)
	old = appendCRC(old)

	g := newFSM(t)
	if err := g.Restore(readCloser(old)); err != nil {
		t.Fatal(err)
	}
	if o, err := g.GetObject("b", "a"); err != nil || o.Segments[0].Blob != "blob1" {
		t.Fatalf("restored object = %+v, %v", o, err)
	}
}

func readCloser(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }

// appendCRC appends the snapshot checksum of b.
func appendCRC(b []byte) []byte {
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}
