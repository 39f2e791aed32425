package meta

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// The part checksums of multipart objects (Object.PartChecksums, kept by
// CompleteUpload.KeepPartChecksums): what S3 answers for GET ?partNumber=
// with x-amz-checksum-mode and lists in GetObjectAttributes.

// sumsUpload creates upload id of b/key with three parts: 1 and 3 with
// CRC32 checksums, 2 with checksum two (zero for none). Parts 1 and 2 are
// of the minimum size, so any subset of them may complete.
func sumsUpload(h *harness, key, id string, two record.Checksum) {
	h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: key, ID: id, Initiated: 1,
		Checksum: record.Checksum{Algorithm: "CRC32", Type: "COMPOSITE"}}})
	parts := []record.Part{
		blobPart(1, key+id+"1", record.MinPartSize, 1),
		blobPart(2, key+id+"2", record.MinPartSize, 2),
		blobPart(3, key+id+"3", 7, 3),
	}
	parts[0].Checksum = record.Checksum{Algorithm: "CRC32", Value: "AAAAAQ=="}
	parts[1].Checksum = two
	parts[2].Checksum = record.Checksum{Algorithm: "CRC32", Value: "AAAAAw=="}
	for _, p := range parts {
		h.ok(&record.PutPart{Bucket: "b", Key: key, UploadID: id, Part: p})
	}
}

var compositeCRC32 = record.Checksum{Algorithm: "CRC32", Value: "q83vEg==-3", Type: "COMPOSITE"}

func completeSums(key, id string, sum record.Checksum) *record.CompleteUpload {
	return &record.CompleteUpload{Bucket: "b", Key: key, UploadID: id, All: true, MTime: 2,
		Checksum: sum, KeepPartSizes: true, KeepPartChecksums: true}
}

// TestPartChecksumsKept checks when Complete keeps the parts' checksums:
// exactly when the object has a checksum and every chosen part has one of
// its algorithm, in part order. A list that mixes algorithms, or has holes,
// must never be stored: GET ?partNumber= would answer a wrong checksum.
func TestPartChecksumsKept(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	crc32 := record.Checksum{Algorithm: "CRC32", Value: "AAAAAg=="}
	all := []string{"AAAAAQ==", "AAAAAg==", "AAAAAw=="}
	tests := []struct {
		name string
		two  record.Checksum // part 2's checksum
		c    func(key string) *record.CompleteUpload
		want []string
	}{
		{"all parts", crc32, func(k string) *record.CompleteUpload { return completeSums(k, "U", compositeCRC32) }, all},
		{"full object", crc32, func(k string) *record.CompleteUpload {
			return completeSums(k, "U", record.Checksum{Algorithm: "CRC32", Value: "AAAAAA==", Type: "FULL_OBJECT"})
		}, all},
		{"chosen parts only", record.Checksum{}, func(k string) *record.CompleteUpload {
			c := completeSums(k, "U", compositeCRC32)
			c.All = false
			p1, p3 := blobPart(1, "", 0, 0), blobPart(3, "", 0, 0)
			c.Parts = []record.CompletePart{{Number: 1, ETag: p1.ETag()}, {Number: 3, ETag: p3.ETag()}}
			return c
		}, []string{"AAAAAQ==", "AAAAAw=="}},
		{"a part without checksum", record.Checksum{}, func(k string) *record.CompleteUpload { return completeSums(k, "U", compositeCRC32) }, nil},
		{"a part of another algorithm", record.Checksum{Algorithm: "CRC32C", Value: "AAAAAg=="},
			func(k string) *record.CompleteUpload { return completeSums(k, "U", compositeCRC32) }, nil},
		{"object without checksum", crc32, func(k string) *record.CompleteUpload { return completeSums(k, "U", record.Checksum{}) }, nil},
		{"older proposer", crc32, func(k string) *record.CompleteUpload {
			c := completeSums(k, "U", compositeCRC32)
			c.KeepPartChecksums = false
			return c
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := tc.name
			sumsUpload(h, key, "U", tc.two)
			r := h.ok(tc.c(key))
			got, err := h.f.GetObject("b", key)
			if err != nil || !slices.Equal(got.PartChecksums, tc.want) || !slices.Equal(r.Object.PartChecksums, tc.want) {
				t.Fatalf("part checksums: stored %q (%v), result %q; want %q", got.PartChecksums, err, r.Object.PartChecksums, tc.want)
			}
			if len(got.PartChecksums) > 0 && len(got.PartChecksums) != len(got.PartSizes) {
				t.Fatalf("%d part checksums for %d part sizes", len(got.PartChecksums), len(got.PartSizes))
			}
		})
	}
}

// TestPartChecksumsCopiedRestoredAndReplaced: a copy and a snapshot keep
// them; a put over the object leaves none, and a put may not bring any.
func TestPartChecksumsCopiedRestoredAndReplaced(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	sumsUpload(h, "mp", "U", record.Checksum{Algorithm: "CRC32", Value: "AAAAAg=="})
	h.ok(completeSums("mp", "U", compositeCRC32))
	want := []string{"AAAAAQ==", "AAAAAg==", "AAAAAw=="}
	for _, replace := range []bool{false, true} {
		r := h.ok(&record.CopyObject{SrcBucket: "b", SrcKey: "mp", DstBucket: "b", DstKey: "copy", ReplaceMeta: replace, MTime: 5})
		got, err := h.f.GetObject("b", "copy")
		if err != nil || !slices.Equal(got.PartChecksums, want) || !slices.Equal(r.Object.PartChecksums, want) {
			t.Fatalf("copy (replace %v): part checksums %q, result %q, %v; want %q", replace, got.PartChecksums, r.Object.PartChecksums, err, want)
		}
	}

	snap := snapshotBytes(t, h.f)
	c := newFSM(t)
	c.ApplyBatch(logsFrom(randomLog(5, 30), 1))
	if err := c.Restore(io.NopCloser(bytes.NewReader(snap))); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"mp", "copy"} {
		if got, err := c.GetObject("b", key); err != nil || !slices.Equal(got.PartChecksums, want) {
			t.Fatalf("restored %s: part checksums %q, %v; want %q", key, got.PartChecksums, err, want)
		}
	}
	if !bytes.Equal(snapshotBytes(t, c), snap) {
		t.Fatal("restored state differs")
	}

	h.ok(&record.PutObject{Bucket: "b", Key: "copy", Object: inlineObject("new", 6)})
	if got, _ := h.f.GetObject("b", "copy"); got.PartChecksums != nil || got.PartSizes != nil {
		t.Fatalf("put over a multipart object kept part checksums %q, sizes %v", got.PartChecksums, got.PartSizes)
	}
	o := inlineObject("x", 7)
	o.Checksum, o.PartChecksums = compositeCRC32, []string{"AAAAAQ=="} // only Complete makes part checksums
	h.want(&record.PutObject{Bucket: "b", Key: "k", Object: o}, record.CodeInvalidArgument)
}
