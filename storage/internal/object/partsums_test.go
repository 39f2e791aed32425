package object

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// The part checksums of multipart objects through the Layer (kept,
// restored and copied: see s3Objects and its tests).

// TestPartChecksumsOnlyOfTheObjectsAlgorithm completes uploads whose
// parts do not all carry a checksum of the object's algorithm: the object
// must keep none, or GET ?partNumber= would answer a checksum of another
// algorithm than the one the object names, or none for some part.
func TestPartChecksumsOnlyOfTheObjectsAlgorithm(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	s := st.store
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	crc32 := func(v string) Checksum { return Checksum{Algorithm: "CRC32", Value: v} }
	full := Checksum{Algorithm: "CRC32", Value: "AAAAAA==", Type: "FULL_OBJECT"}
	tests := []struct {
		name  string
		parts []Checksum
		sum   Checksum
		want  []string
	}{
		{"all parts", []Checksum{crc32("AAAAAQ=="), crc32("AAAAAg==")}, full, []string{"AAAAAQ==", "AAAAAg=="}},
		{"a part without", []Checksum{crc32("AAAAAQ=="), {}}, full, nil},
		{"a part of another algorithm", []Checksum{crc32("AAAAAQ=="), partSum(2)}, full, nil},
		{"object without", []Checksum{crc32("AAAAAQ=="), crc32("AAAAAg==")}, Checksum{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := s.CreateUpload(ctx, "bkt", tc.name, PutOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var parts []CompletePart
			for i, sum := range tc.parts {
				size := MinPartSize
				if i == len(tc.parts)-1 {
					size = 10
				}
				p, err := s.UploadPart(ctx, "bkt", tc.name, u.UploadID, i+1, bytes.NewReader(data(i, size)), int64(size), PartOptions{Checksum: sum})
				if err != nil {
					t.Fatal(err)
				}
				parts = append(parts, CompletePart{Number: i + 1, ETag: p.ETag})
			}
			info, err := s.CompleteUpload(ctx, "bkt", tc.name, u.UploadID, parts, CompleteOptions{Checksum: tc.sum})
			if err != nil || !slices.Equal(info.PartChecksums, tc.want) {
				t.Fatalf("CompleteUpload = part checksums %q, %v; want %q", info.PartChecksums, err, tc.want)
			}
			if h, err := s.HeadObject(ctx, "bkt", tc.name); err != nil || !slices.Equal(h.PartChecksums, tc.want) {
				t.Fatalf("HeadObject = part checksums %q, %v; want %q", h.PartChecksums, err, tc.want)
			}
		})
	}
}

// TestPutClearsPartChecksums: a put over a multipart object replaces its
// content, so none of the old parts' checksums may stay.
func TestPutClearsPartChecksums(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	s3Objects(t, st.store)
	if _, err := st.store.PutObject(ctx, "bkt", "mp", strings.NewReader("new"), 3, PutOptions{Checksum: putSum}); err != nil {
		t.Fatal(err)
	}
	if h, err := st.store.HeadObject(ctx, "bkt", "mp"); err != nil || h.PartChecksums != nil || h.PartSizes != nil {
		t.Fatalf("HeadObject after put = part checksums %q, sizes %v, %v", h.PartChecksums, h.PartSizes, err)
	}
}
