package s3wire

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
)

// An unsatisfiable range must be 416 (S3 never ignores it as OSS does by
// default); a malformed one must return the whole object, never an error.
func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		hdr         string
		size        int64
		start, n    int64
		whole, e416 bool
	}{
		{hdr: "bytes=0-9", size: 100, start: 0, n: 10},
		{hdr: "bytes=90-200", size: 100, start: 90, n: 10},
		{hdr: "bytes=-10", size: 100, start: 90, n: 10},
		{hdr: "bytes=-200", size: 100, start: 0, n: 100},
		{hdr: "bytes=100-", size: 100, e416: true},
		{hdr: "bytes=0-", size: 0, e416: true},
		{hdr: "bytes=5-2", size: 100, whole: true},
		{hdr: "bytes=0-1,3-4", size: 100, whole: true},
		{hdr: "items=0-1", size: 100, whole: true},
	} {
		rng, ae := ParseRange(tc.hdr, tc.size)
		switch {
		case tc.e416:
			if ae == nil || ae.Status != http.StatusRequestedRangeNotSatisfiable {
				t.Errorf("%s of %d: %v %v, want 416", tc.hdr, tc.size, rng, ae)
			}
		case tc.whole:
			if rng != nil || ae != nil {
				t.Errorf("%s: %v %v, want the whole object", tc.hdr, rng, ae)
			}
		default:
			if ae != nil || rng == nil || rng.Start != tc.start || rng.Length != tc.n {
				t.Errorf("%s of %d: %+v %v, want %d+%d", tc.hdr, tc.size, rng, ae, tc.start, tc.n)
			}
		}
	}
}

// ETags compare case-insensitively: the store keeps upper case, S3 clients
// send back the lower case they were shown.
func TestConditions(t *testing.T) {
	lm := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	info := object.ObjectInfo{ETag: `"ABCDEF"`, LastModified: lm}
	check := func(h http.Header, copySource bool) *Error { return RequestConditions(h).Check(info, copySource) }
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	if ae := check(h("If-Match", `"abcdef"`), false); ae != nil {
		t.Errorf("If-Match lower case: %v", ae)
	}
	if ae := check(h("If-Match", `"other"`), false); ae == nil || ae.Status != 412 {
		t.Errorf("If-Match other: %v, want 412", ae)
	}
	if ae := check(h("If-None-Match", `"abcdef"`), false); ae == nil || ae.Status != 304 || ae.Header.Get("ETag") != `"abcdef"` {
		t.Errorf("If-None-Match same: %v, want 304 with the lower-case ETag", ae)
	}
	if ae := check(h("If-Modified-Since", lm.Format(http.TimeFormat)), false); ae == nil || ae.Status != 304 {
		t.Errorf("If-Modified-Since = mtime: %v, want 304", ae)
	}
	if ae := check(h("If-Unmodified-Since", lm.Add(-time.Hour).Format(http.TimeFormat)), false); ae == nil || ae.Status != 412 {
		t.Errorf("If-Unmodified-Since before: %v, want 412", ae)
	}
	// S3: If-Match true wins over If-Unmodified-Since false.
	if ae := check(h("If-Match", `"ABCDEF"`, "If-Unmodified-Since", lm.Add(-time.Hour).Format(http.TimeFormat)), false); ae != nil {
		t.Errorf("If-Match true + IUS false: %v, want success", ae)
	}
	src := CopySourceConditions(h("X-Amz-Copy-Source-If-None-Match", `"abcdef"`))
	if ae := src.Check(info, true); ae == nil || ae.Status != 412 {
		t.Errorf("copy source If-None-Match: %v, want 412", ae)
	}
}

func TestParseCopySource(t *testing.T) {
	for _, v := range []string{"/src/a%20b/c+d", "src/a%20b/c+d", "src/a%20b/c+d?versionId=null"} {
		ref, ae := ParseCopySource(v)
		if ae != nil || ref.Bucket != "src" || ref.Key != "a b/c+d" {
			t.Errorf("%s: %+v %v", v, ref, ae)
		}
	}
	for _, v := range []string{"src", "/src/", "src/a?versionId=123", "BAD_B/x", "src/%zz"} {
		if ref, ae := ParseCopySource(v); ae == nil {
			t.Errorf("%s: %+v, want an error", v, ref)
		}
	}
}

func TestErrorDocument(t *testing.T) {
	doc := string(ErrNoSuchKey.With("Key", "a<b").Document("/b/a<b", "REQ", "HOST"))
	for _, want := range []string{"<Error><Code>NoSuchKey</Code>", "<Key>a&lt;b</Key>", "<Resource>/b/a&lt;b</Resource>", "<RequestId>REQ</RequestId>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("%s lacks %s", doc, want)
		}
	}
	if ErrNotImplemented.Status != 501 || ErrSlowDown.Status != 503 || ErrInvalidRange.Status != 416 {
		t.Error("statuses differ from S3's")
	}
}

func TestDocumentsCarryNamespace(t *testing.T) {
	doc := string(MarshalXML(ListBucketResult{Name: "b"}))
	if !strings.Contains(doc, `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`) {
		t.Errorf("no namespace: %s", doc)
	}
}

func TestParseCompleteRequest(t *testing.T) {
	parts, ae := ParseCompleteRequest([]byte(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
<Part><PartNumber>1</PartNumber><ETag>"aa"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part>
<Part><PartNumber>2</PartNumber><ETag>"bb"</ETag></Part></CompleteMultipartUpload>`))
	if ae != nil || len(parts) != 2 || parts[0].ChecksumAlgorithm != "CRC32" || parts[0].Checksum != "AAAAAA==" || parts[1].Checksum != "" {
		t.Fatalf("%+v %v", parts, ae)
	}
	for _, body := range []string{"", "<CompleteMultipartUpload/>", "<nope"} {
		if _, ae := ParseCompleteRequest([]byte(body)); ae == nil || ae.Code != "MalformedXML" {
			t.Errorf("%q: %v, want MalformedXML", body, ae)
		}
	}
}

func TestContinuationToken(t *testing.T) {
	for _, m := range []string{"a", "dir/ü+x y"} {
		got, ok := DecodeToken(ContinuationToken(m))
		if !ok || got != m {
			t.Errorf("%q: round trip %q %v", m, got, ok)
		}
	}
	if _, ok := DecodeToken("!!"); ok {
		t.Error("a bad token decoded")
	}
}

func TestURLEncode(t *testing.T) {
	if got := URLEncode("a b+c/ü"); got != "a%20b%2Bc/%C3%BC" {
		t.Errorf("got %s", got)
	}
}

// Any S3 storage class is served as STANDARD; a name S3 does not have is
// refused, never silently stored.
func TestParseStorageClass(t *testing.T) {
	for v, ok := range map[string]bool{"": true, "STANDARD": true, "REDUCED_REDUNDANCY": true, "GLACIER_IR": true, "standard": false, "FOO": false} {
		h := http.Header{}
		if v != "" {
			h.Set(HeaderStorageClass, v)
		}
		if ae := ParseStorageClass(h); (ae == nil) != ok {
			t.Errorf("%q: %v, want accepted=%v", v, ae, ok)
		}
	}
}

func TestChecksumsGetSet(t *testing.T) {
	for _, alg := range []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256", "MD5", "SHA512", "XXHASH64", "XXHASH3", "XXHASH128"} {
		var c Checksums
		c.Set(alg, "v")
		if a, v := c.Get(); a != alg || v != "v" {
			t.Errorf("%s: got %s %s", alg, a, v)
		}
		if doc := string(MarshalXML(CopyPartResult{Checksums: c})); !strings.Contains(doc, "<Checksum"+alg+">v</Checksum"+alg+">") {
			t.Errorf("%s: %s", alg, doc)
		}
	}
}
