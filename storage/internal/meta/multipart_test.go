package meta

import (
	"crypto/md5"
	"slices"
	"testing"

	"github.com/koss-io/koss/storage/internal/crc64ecma"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

// blobPart is part n of size bytes in blob id, with an MD5 made of n.
func blobPart(n int, id string, size int64, crc uint64) record.Part {
	sum := md5.Sum([]byte{byte(n)})
	return record.Part{Number: n, Size: size, MD5: sum[:], CRC64: crc,
		Segment: &record.Segment{Blob: id, Size: size, CRC64: crc, Replicas: []string{"n1", "n2", "n3"}}}
}

func TestMultipartLifecycle(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	up := record.Upload{Bucket: "b", Key: "k", ID: "U1", Initiated: 10, Meta: record.Metadata{ContentType: "video/mp4"}}
	h.ok(&record.CreateUpload{Upload: up})
	h.want(&record.CreateUpload{Upload: up}, record.CodeInvalidArgument) // ids are unique
	h.want(&record.PutPart{Bucket: "b", Key: "k", UploadID: "nope", Part: blobPart(1, "x", 1, 1)}, record.CodeNoSuchUpload)
	h.want(&record.PutPart{Bucket: "b", Key: "k", UploadID: "U1", Part: blobPart(0, "x", 1, 1)}, record.CodeInvalidArgument)
	h.want(&record.PutPart{Bucket: "b", Key: "k", UploadID: "U1", Part: blobPart(10001, "x", 1, 1)}, record.CodeInvalidArgument)

	const big = record.MinPartSize
	p1, p2, p3 := blobPart(1, "a1", big, 11), blobPart(2, "a2", big, 22), blobPart(3, "a3", 5, 33)
	for _, p := range []record.Part{blobPart(1, "old1", big, 1), p1, p2, p3} {
		h.ok(&record.PutPart{Bucket: "b", Key: "k", UploadID: "U1", Part: p})
	}
	// The replaced part 1 is garbage; the others are referenced.
	if g, _ := h.f.Garbage(10); !slices.Equal(g, []string{"old1"}) {
		t.Fatalf("garbage = %v, want the replaced part", g)
	}
	if n, _ := h.f.RefCounts([]string{"a1", "a2", "a3"}); !slices.Equal(n, []uint64{1, 1, 1}) {
		t.Fatalf("part refs = %v", n)
	}
	h.want(&record.DeleteBucket{Name: "b"}, record.CodeBucketNotEmpty)
	parts, trunc, err := h.f.ListParts("b", "k", "U1", 1, 1)
	if err != nil || trunc != true || len(parts) != 1 || parts[0].Number != 2 {
		t.Fatalf("ListParts after 1 = %+v, %v, %v", parts, trunc, err)
	}

	cp := func(p record.Part) record.CompletePart { return record.CompletePart{Number: p.Number, ETag: p.ETag()} }
	complete := func(ps ...record.CompletePart) *record.CompleteUpload {
		return &record.CompleteUpload{Bucket: "b", Key: "k", UploadID: "U1", Parts: ps, MTime: 99}
	}
	h.want(complete(cp(p2), cp(p1)), record.CodeInvalidPartOrder)
	h.want(complete(cp(p1), record.CompletePart{Number: 2, ETag: `"00"`}), record.CodeInvalidPart)
	h.want(complete(cp(p1), record.CompletePart{Number: 4, ETag: p1.ETag()}), record.CodeInvalidPart)
	h.want(complete(cp(p3), record.CompletePart{Number: 4, ETag: p1.ETag()}), record.CodeInvalidPart)
	small := blobPart(4, "a4", 7, 44)
	h.ok(&record.PutPart{Bucket: "b", Key: "k", UploadID: "U1", Part: small})
	h.want(complete(cp(p1), cp(p3), cp(small)), record.CodeEntityTooSmall) // p3 is not last

	// Complete 1 and 3 (3 is the last, so it may be small); 2 is released.
	r := h.ok(complete(cp(p1), cp(p3)))
	o := r.Object
	wantCRC := crc64ecma.Combine(p1.CRC64, p3.CRC64, p3.Size)
	if o.Type != record.TypeMultipart || o.Size != big+5 || o.CRC64 != wantCRC ||
		o.ETag != record.MultipartETag([]record.Part{p1, p3}) || len(o.Segments) != 2 || o.MD5 != nil {
		t.Fatalf("completed object = %+v", o)
	}
	if n, _ := h.f.RefCounts([]string{"a1", "a2", "a3", "a4"}); !slices.Equal(n, []uint64{1, 0, 1, 0}) {
		t.Fatalf("refs after complete = %v", n)
	}
	got, err := h.f.GetObject("b", "k")
	if err != nil || got.Segments[0].Blob != "a1" || len(got.Segments[0].Replicas) != 3 || got.Meta.ContentType != "video/mp4" {
		t.Fatalf("GetObject = %+v, %v", got, err)
	}
	h.want(complete(cp(p1), cp(p3)), record.CodeNoSuchUpload)
	h.want(&record.AbortUpload{Bucket: "b", Key: "k", UploadID: "U1"}, record.CodeNoSuchUpload)
	h.want(&record.AppendObject{Bucket: "b", Key: "k", Position: o.Size, Segment: seg("x")}, record.CodeNotAppendable)
}

func TestMultipartTooSmallAbortAndStale(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	for i, id := range []string{"U1", "U2", "U3"} {
		h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: "k" + id, ID: id, Initiated: int64(i * 100), ForbidOverwrite: id == "U3"}})
	}
	p1, p2 := blobPart(1, "s1", 10, 1), blobPart(2, "s2", 10, 2)
	for _, p := range []record.Part{p1, p2} {
		h.ok(&record.PutPart{Bucket: "b", Key: "kU1", UploadID: "U1", Part: p})
	}
	h.want(&record.CompleteUpload{Bucket: "b", Key: "kU1", UploadID: "U1", All: true}, record.CodeEntityTooSmall)
	h.ok(&record.AbortUpload{Bucket: "b", Key: "kU1", UploadID: "U1"})
	if g, _ := h.f.Garbage(10); !slices.Equal(g, []string{"s1", "s2"}) {
		t.Fatalf("garbage after abort = %v", g)
	}
	// ForbidOverwrite taken at initiation.
	h.ok(&record.PutObject{Bucket: "b", Key: "kU3", Object: inlineObject("x", 1)})
	h.want(&record.CompleteUpload{Bucket: "b", Key: "kU3", UploadID: "U3", All: true}, record.CodeObjectExists)
	// Stale: initiated before 150 is U2 (100); U1 is gone, U3 is at 200.
	if r := h.ok(&record.AbortStaleUploads{Before: 150, Max: 10}); r.Length != 1 {
		t.Fatalf("aborted %d uploads, want 1", r.Length)
	}
	if us, err := h.f.ListUploads("b", "", "", "", 10); err != nil || len(us) != 1 || us[0].ID != "U3" {
		t.Fatalf("uploads = %+v, %v", us, err)
	}
	h.ok(&record.AbortUpload{Bucket: "b", Key: "kU3", UploadID: "U3"})
	h.ok(&record.DeleteObject{Bucket: "b", Key: "kU3"})
	h.ok(&record.DeleteBucket{Name: "b"})
}

func TestListUploads(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	h.ok(&record.CreateBucket{Name: "c"})
	for _, u := range [][2]string{{"a", "1"}, {"a", "2"}, {"ab", "0"}, {"d/x", "3"}, {"d/y", "4"}, {"e", "5"}} {
		h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: u[0], ID: u[1]}})
	}
	h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "c", Key: "a", ID: "9"}})
	ids := func(prefix, km, im string, max int) string {
		us, err := h.f.ListUploads("b", prefix, km, im, max)
		if err != nil {
			t.Fatal(err)
		}
		out := ""
		for _, u := range us {
			out += u.ID
		}
		return out
	}
	for _, c := range []struct {
		prefix, km, im string
		max            int
		want           string
	}{
		{"", "", "", 100, "120345"},
		{"", "", "", 2, "12"},
		{"", "a", "", 100, "0345"},
		{"", "a", "1", 100, "20345"},
		{"", "a", "2", 100, "0345"},
		{"d/", "", "", 100, "34"},
		{"d/", "a", "", 100, "34"},
		{"d/", "d/x", "", 100, "4"},
		{"d/", "d/\xff", "", 100, ""},
		{"", "d/\xff", "", 100, "5"},
		{"", "", "7", 100, "120345"},
	} {
		if got := ids(c.prefix, c.km, c.im, c.max); got != c.want {
			t.Errorf("ListUploads(%q, %q, %q, %d) = %q, want %q", c.prefix, c.km, c.im, c.max, got, c.want)
		}
	}
}
