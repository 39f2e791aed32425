package meta

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// The S3 fields in the state machine: checksums of objects, uploads and
// parts, the part sizes of multipart objects, and If-Match judged at apply
// time.

var (
	crc32Sum  = record.Checksum{Algorithm: "CRC32", Value: "AAAAAA==", Type: "FULL_OBJECT"}
	composite = record.Checksum{Algorithm: "CRC32C", Value: "q83vEg==-2", Type: "COMPOSITE"}
)

// s3State applies a bucket with a checksummed object "plain", an upload U1
// that declared a checksum with a checksummed part, and the multipart
// object "mp" completed (with KeepPartSizes) from three parts, the last
// one empty (it has no segment, so segments alone cannot tell the sizes).
func s3State(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	plain := inlineObject("hello", 1)
	plain.Checksum = crc32Sum
	h.ok(&record.PutObject{Bucket: "b", Key: "plain", Object: plain})

	declared := record.Checksum{Algorithm: "CRC32C", Type: "COMPOSITE"}
	for _, id := range []string{"U1", "U2"} {
		h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: "mp", ID: id, Initiated: 2, Checksum: declared}})
	}
	p1, p2 := blobPart(1, "m1", record.MinPartSize, 1), blobPart(2, "m2", record.MinPartSize+9, 3)
	p1.Checksum = record.Checksum{Algorithm: "CRC32C", Value: "AAAAAQ=="}
	p3 := record.Part{Number: 3, MD5: []byte{2}, Checksum: record.Checksum{Algorithm: "CRC32C", Value: "AAAAAA=="}}
	for _, p := range []record.Part{p1, p2, p3} {
		h.ok(&record.PutPart{Bucket: "b", Key: "mp", UploadID: "U2", Part: p})
	}
	h.ok(&record.PutPart{Bucket: "b", Key: "mp", UploadID: "U1", Part: p1})
	r := h.ok(&record.CompleteUpload{Bucket: "b", Key: "mp", UploadID: "U2", All: true, MTime: 3,
		Checksum: composite, KeepPartSizes: true})
	if r.Object.Checksum != composite || !slices.Equal(r.Object.PartSizes, []int64{record.MinPartSize, record.MinPartSize + 9, 0}) {
		t.Fatalf("Complete's result = checksum %+v, part sizes %v", r.Object.Checksum, r.Object.PartSizes)
	}
	return h
}

// checkS3State checks every S3 field s3State stored, as f reads it.
func checkS3State(t *testing.T, f *FSM) {
	t.Helper()
	o, err := f.GetObject("b", "plain")
	if err != nil || o.Checksum != crc32Sum || o.PartSizes != nil {
		t.Errorf("plain object: checksum %+v, part sizes %v, %v", o.Checksum, o.PartSizes, err)
	}
	o, err = f.GetObject("b", "mp")
	if err != nil || o.Checksum != composite || !slices.Equal(o.PartSizes, []int64{record.MinPartSize, record.MinPartSize + 9, 0}) || o.Size != 2*record.MinPartSize+9 {
		t.Errorf("multipart object: checksum %+v, part sizes %v, size %d, %v", o.Checksum, o.PartSizes, o.Size, err)
	}
	lr, err := f.ListObjects("b", ListOptions{MaxKeys: 10})
	if err != nil || len(lr.Objects) != 2 || lr.Objects[0].Checksum != composite || lr.Objects[1].Checksum != crc32Sum {
		t.Errorf("listing = %+v, %v", lr.Objects, err)
	}
	us, err := f.ListUploads("b", "", "", "", 10)
	if err != nil || len(us) != 1 || us[0].Checksum != (record.Checksum{Algorithm: "CRC32C", Type: "COMPOSITE"}) {
		t.Errorf("uploads = %+v, %v", us, err)
	}
	parts, _, err := f.ListParts("b", "mp", "U1", 0, 10)
	if err != nil || len(parts) != 1 || parts[0].Checksum.Value != "AAAAAQ==" {
		t.Errorf("parts = %+v, %v", parts, err)
	}
	_, parts, err = f.UploadParts("b", "mp", "U1")
	if err != nil || len(parts) != 1 || parts[0].Checksum.Value != "AAAAAQ==" {
		t.Errorf("upload parts = %+v, %v", parts, err)
	}
}

func TestS3FieldsStoredAndRestored(t *testing.T) {
	h := s3State(t)
	checkS3State(t, h.f)

	// A snapshot carries them to a state machine that had other state.
	snap := snapshotBytes(t, h.f)
	c := newFSM(t)
	c.ApplyBatch(logsFrom(randomLog(5, 30), 1))
	if err := c.Restore(io.NopCloser(bytes.NewReader(snap))); err != nil {
		t.Fatal(err)
	}
	checkS3State(t, c)
	if !bytes.Equal(snapshotBytes(t, c), snap) {
		t.Fatal("restored state differs")
	}
}

func TestCopyKeepsAndAppendClearsS3Fields(t *testing.T) {
	h := s3State(t)
	for _, replace := range []bool{false, true} {
		for _, src := range []string{"plain", "mp"} {
			r := h.ok(&record.CopyObject{SrcBucket: "b", SrcKey: src, DstBucket: "b", DstKey: "copy", ReplaceMeta: replace, MTime: 5})
			want, _ := h.f.GetObject("b", src)
			got, err := h.f.GetObject("b", "copy")
			if err != nil || got.Checksum != want.Checksum || !slices.Equal(got.PartSizes, want.PartSizes) ||
				r.Object.Checksum != want.Checksum {
				t.Errorf("copy of %s (replace %v): checksum %+v part sizes %v, want %+v %v", src, replace,
					got.Checksum, got.PartSizes, want.Checksum, want.PartSizes)
			}
		}
	}
	// An appendable object that somehow carries a checksum loses it with
	// the first append: the checksum was of the old content.
	app := inlineObject("abc", 1)
	app.Type, app.Checksum = record.TypeAppendable, crc32Sum
	h.ok(&record.PutObject{Bucket: "b", Key: "app", Object: app})
	r := h.ok(&record.AppendObject{Bucket: "b", Key: "app", Position: 3, Segment: seg("def"), MTime: 6})
	got, _ := h.f.GetObject("b", "app")
	if !r.Object.Checksum.IsZero() || !got.Checksum.IsZero() {
		t.Fatalf("appended object keeps checksum %+v", got.Checksum)
	}
}

func TestCompleteWithoutKeepPartSizes(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: "k", ID: "U"}})
	h.ok(&record.PutPart{Bucket: "b", Key: "k", UploadID: "U", Part: blobPart(1, "x", 5, 1)})
	// A command of older code: its object has no part sizes, on every
	// replica alike.
	r := h.ok(&record.CompleteUpload{Bucket: "b", Key: "k", UploadID: "U", All: true})
	if r.Object.PartSizes != nil {
		t.Fatalf("part sizes %v without KeepPartSizes", r.Object.PartSizes)
	}
}

func TestIfMatchJudgedAtApply(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	o := inlineObject("v1", 1)
	o.ETag = `"ABCDEF"`
	put := func(ifMatch, data string) *record.PutObject {
		n := inlineObject(data, 2)
		n.ETag = `"` + data + `"`
		return &record.PutObject{Bucket: "b", Key: "k", Object: n, IfMatch: ifMatch}
	}
	h.want(put(`"ABCDEF"`, "v0"), record.CodeObjectNotFound) // no object yet
	h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: o})
	h.want(put(`"ABCDE0"`, "v2"), record.CodePreconditionFailed)
	if got, _ := h.f.GetObject("b", "k"); got.ETag != o.ETag {
		t.Fatalf("a failed If-Match changed the object: %s", got.ETag)
	}
	h.ok(put("abcdef", "v2")) // quotes and case do not matter
	// The same If-Match again no longer holds: the first write changed the ETag.
	h.want(put(`"ABCDEF"`, "v3"), record.CodePreconditionFailed)
	h.want(put("*", "v3"), record.CodePreconditionFailed) // a write's If-Match names one ETag

	// Complete: the same rule, and a refused Complete keeps its upload.
	h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: "k", ID: "U"}})
	h.ok(&record.PutPart{Bucket: "b", Key: "k", UploadID: "U", Part: blobPart(1, "x", 5, 1)})
	complete := func(key, ifMatch string) *record.CompleteUpload {
		return &record.CompleteUpload{Bucket: "b", Key: key, UploadID: "U", All: true, IfMatch: ifMatch, KeepPartSizes: true}
	}
	h.want(complete("k", `"ABCDEF"`), record.CodePreconditionFailed)
	if _, _, err := h.f.UploadParts("b", "k", "U"); err != nil {
		t.Fatalf("refused Complete dropped its upload: %v", err)
	}
	h.ok(complete("k", `"v2"`))
	h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: "absent", ID: "U"}})
	h.want(complete("absent", `"v2"`), record.CodeObjectNotFound)
}

func TestMalformedChecksumsRejected(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	bad := record.Checksum{Value: "AAAAAA=="} // a value without an algorithm
	o := inlineObject("x", 1)
	o.Checksum = bad
	h.want(&record.PutObject{Bucket: "b", Key: "k", Object: o}, record.CodeInvalidArgument)
	o = inlineObject("x", 1)
	o.PartSizes = []int64{1} // only Complete makes part sizes
	h.want(&record.PutObject{Bucket: "b", Key: "k", Object: o}, record.CodeInvalidArgument)
	h.want(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: "k", ID: "U", Checksum: record.Checksum{Type: "COMPOSITE"}}}, record.CodeInvalidArgument)
	h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: "k", ID: "U"}})
	p := blobPart(1, "x", 5, 1)
	p.Checksum = bad
	h.want(&record.PutPart{Bucket: "b", Key: "k", UploadID: "U", Part: p}, record.CodeInvalidArgument)
	h.want(&record.CompleteUpload{Bucket: "b", Key: "k", UploadID: "U", All: true, Checksum: bad}, record.CodeInvalidArgument)
}
