package s3wire

import (
	"net/http"
	"testing"
)

// Pages of parts must cover every part once, in order, and say truthfully
// whether more follow.
func TestPageParts(t *testing.T) {
	sizes := []int64{10, 20, 30, 40, 50}
	sums := []string{"s1", "s2", "s3", "s4", "s5"}
	for _, max := range []int{1, 2, 3, 5, 1000} {
		var seen []int
		marker := 0
		for pages := 0; ; pages++ {
			p := PageParts(sizes, "CRC32", sums, marker, max)
			if p.PartsCount != len(sizes) || len(p.Parts) > max {
				t.Fatalf("max %d marker %d: %+v", max, marker, p)
			}
			for _, part := range p.Parts {
				seen = append(seen, part.PartNumber)
				if part.Size != sizes[part.PartNumber-1] || part.ChecksumCRC32 != sums[part.PartNumber-1] {
					t.Fatalf("part %d size %d checksum %q", part.PartNumber, part.Size, part.ChecksumCRC32)
				}
			}
			if !p.IsTruncated {
				break
			}
			if p.NextPartNumberMarker <= marker || pages > len(sizes) {
				t.Fatalf("max %d: truncated page does not advance: %+v", max, p)
			}
			marker = p.NextPartNumberMarker
		}
		for i, n := range seen {
			if n != i+1 || len(seen) != len(sizes) {
				t.Fatalf("max %d: parts %v", max, seen)
			}
		}
	}
	if p := PageParts(sizes, "CRC32", sums, 5, 10); len(p.Parts) != 0 || p.IsTruncated || p.NextPartNumberMarker != 5 {
		t.Errorf("after the last part: %+v", p)
	}
	// Without the parts' checksums S3 lists no parts, only their count.
	if p := PageParts(sizes, "", nil, 0, 10); len(p.Parts) != 0 || p.IsTruncated || p.PartsCount != 5 {
		t.Errorf("without checksums: %+v", p)
	}
}

func TestParseObjectAttributes(t *testing.T) {
	h := http.Header{}
	h.Add(HeaderObjectAttributes, "ETag, ObjectSize")
	h.Add(HeaderObjectAttributes, "Checksum")
	h.Set(HeaderMaxParts, "7")
	a, ae := ParseObjectAttributes(h)
	if ae != nil || !a.ETag || !a.ObjectSize || !a.Checksum || a.ObjectParts || a.StorageClass || a.MaxParts != 7 || a.PartNumberMarker != 0 {
		t.Fatalf("%+v %v", a, ae)
	}
	for _, bad := range []http.Header{
		{},
		{HeaderObjectAttributes: {"ETag,Owner"}},
		{HeaderObjectAttributes: {"ETag"}, HeaderMaxParts: {"-1"}},
		{HeaderObjectAttributes: {"ETag"}, HeaderPartNumberMarker: {"x"}},
	} {
		if _, ae := ParseObjectAttributes(bad); ae == nil || ae.Code != "InvalidArgument" {
			t.Errorf("%v: %v, want InvalidArgument", bad, ae)
		}
	}
}
