package osswire

import (
	"net/http"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
)

func TestParseRange(t *testing.T) {
	const size = 39
	for _, tc := range []struct {
		header   string
		standard bool
		want     *object.Range // nil: the whole object
		err      string
	}{
		{header: "bytes=0-9", want: &object.Range{Start: 0, Length: 10}},
		{header: "bytes=30-", want: &object.Range{Start: 30, Length: 9}},
		{header: "bytes=-3", want: &object.Range{Start: 36, Length: 3}},
		{header: " bytes= 1 - 2 ", want: &object.Range{Start: 1, Length: 2}},
		{header: "bytes=15-1000"},
		{header: "bytes=39-"},
		{header: "bytes=-100"},
		{header: "bytes=-0"},
		{header: "bytes=x-y"},
		{header: "bytes=9-1"},
		{header: "bytes=0-1,3-4"},
		{header: "bits=0-1"},
		{header: "bytes=30-1000", standard: true, want: &object.Range{Start: 30, Length: 9}},
		{header: "bytes=-100", standard: true, want: &object.Range{Start: 0, Length: 39}},
		{header: "bytes=39-50", standard: true, err: "InvalidRange"},
		{header: "bytes=-0", standard: true, err: "InvalidRange"},
		{header: "bytes=x-y", standard: true},
	} {
		got, ae := ParseRange(tc.header, size, tc.standard)
		switch {
		case tc.err != "":
			if ae == nil || ae.Code != tc.err || ae.Status != http.StatusRequestedRangeNotSatisfiable {
				t.Errorf("%q standard=%v: %v, %v; want %s", tc.header, tc.standard, got, ae, tc.err)
			}
		case ae != nil:
			t.Errorf("%q standard=%v: %v", tc.header, tc.standard, ae)
		case (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want:
			t.Errorf("%q standard=%v: %+v, want %+v", tc.header, tc.standard, got, tc.want)
		}
	}
}

func TestConditionsCheck(t *testing.T) {
	info := object.ObjectInfo{ETag: `"ABC"`, LastModified: time.Date(2024, 1, 2, 3, 4, 5, 600, time.UTC)}
	lm := "Tue, 02 Jan 2024 03:04:05 GMT"
	for _, tc := range []struct {
		h, v      string
		status    int // 0: the conditions hold
		status412 int // for CopyObject's source (notModifiedIs412)
	}{
		{"If-Match", `"ABC"`, 0, 0},
		{"If-Match", `"abc", "x"`, 0, 0},
		{"If-Match", `W/"ABC"`, 0, 0},
		{"If-Match", "*", 0, 0},
		{"If-Match", `"nope"`, 412, 412},
		{"If-None-Match", `"ABC"`, 304, 412},
		{"If-None-Match", "*", 304, 412},
		{"If-None-Match", `"nope"`, 0, 0},
		{"If-Modified-Since", lm, 304, 412},
		{"If-Modified-Since", "Tue, 02 Jan 2024 03:04:04 GMT", 0, 0},
		{"If-Modified-Since", "garbage", 0, 0},
		{"If-Unmodified-Since", lm, 0, 0},
		{"If-Unmodified-Since", "Tue, 02 Jan 2024 03:04:04 GMT", 412, 412},
	} {
		c := RequestConditions(http.Header{tc.h: {tc.v}})
		for _, copySource := range []bool{false, true} {
			want := tc.status
			if copySource {
				want = tc.status412
			}
			ae := c.Check(info, copySource)
			if got := statusOf(ae); got != want {
				t.Errorf("%s: %s (copy source %v): %d, want %d", tc.h, tc.v, copySource, got, want)
			}
			if want == http.StatusNotModified && (ae.Header.Get("ETag") != info.ETag || ae.Header.Get("Last-Modified") != lm) {
				t.Errorf("%s: %s: 304 headers %v", tc.h, tc.v, ae.Header)
			}
		}
	}
	if ErrNotModified.Header != nil {
		t.Fatal("Check changed the shared ErrNotModified")
	}

	c := CopySourceConditions(http.Header{"X-Oss-Copy-Source-If-Match": {`"nope"`}, "If-Match": {`"ABC"`}})
	if !c.Present() || statusOf(c.Check(info, true)) != 412 || c.ToObject().IfMatch != `"nope"` {
		t.Fatalf("copy source conditions %+v", c)
	}
	if c := RequestConditions(http.Header{"If-Modified-Since": {"garbage"}}); c.Present() {
		t.Fatal("an unparsable date counts as a condition")
	}
}

func statusOf(ae *Error) int {
	if ae == nil {
		return 0
	}
	return ae.Status
}
