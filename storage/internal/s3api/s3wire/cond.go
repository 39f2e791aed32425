package s3wire

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
)

// ETag is how S3 shows a stored ETag: quoted lower-case hex (the store
// keeps OSS's upper case). Multipart ETags keep their "-<parts>" suffix.
func ETag(stored string) string { return strings.ToLower(stored) }

// ParseRange resolves a Range header against an object of size bytes, with
// the standard semantics S3 has: an end beyond the object is clamped, a
// start at or beyond it (or any range of an empty object) is 416
// InvalidRange, and a header that is not one valid byte range is ignored
// (the whole object, 200). It returns (nil, nil) for "whole object".
func ParseRange(header string, size int64) (*object.Range, *Error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return nil, nil
		}
		if n == 0 || size == 0 {
			return nil, ErrInvalidRange
		}
		n = min(n, size)
		return &object.Range{Start: size - n, Length: n}, nil
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return nil, nil
	}
	end := size - 1
	if last != "" {
		e, err := strconv.ParseInt(last, 10, 64)
		if err != nil || e < start {
			return nil, nil
		}
		end = min(e, end)
	}
	if start >= size {
		return nil, ErrInvalidRange
	}
	return &object.Range{Start: start, Length: end - start + 1}, nil
}

// Conditions are the RFC 7232 preconditions of a read (If-Match...) or of
// a copy's source (x-amz-copy-source-if-match...).
type Conditions struct {
	ifMatch, ifNoneMatch                string
	ifModifiedSince, ifUnmodifiedSince  *time.Time
	hasIfMatch, hasIfNoneMatch, present bool
}

func parseConditions(h http.Header, prefix string) Conditions {
	var c Conditions
	if v, ok := h[prefix+"If-Match"]; ok {
		c.ifMatch, c.hasIfMatch = strings.Join(v, ","), true
	}
	if v, ok := h[prefix+"If-None-Match"]; ok {
		c.ifNoneMatch, c.hasIfNoneMatch = strings.Join(v, ","), true
	}
	// An absent header is not parsed: http.ParseTime tries three layouts and
	// allocates an error for each, on every request.
	if v := h.Get(prefix + "If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil {
			c.ifModifiedSince = &t
		}
	}
	if v := h.Get(prefix + "If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil {
			c.ifUnmodifiedSince = &t
		}
	}
	c.present = c.hasIfMatch || c.hasIfNoneMatch || c.ifModifiedSince != nil || c.ifUnmodifiedSince != nil
	return c
}

// RequestConditions reads a request's own conditional headers.
func RequestConditions(h http.Header) Conditions { return parseConditions(h, "") }

// CopySourceConditions reads the x-amz-copy-source-if-* headers.
func CopySourceConditions(h http.Header) Conditions { return parseConditions(h, HeaderCopySource+"-") }

// Present reports whether any precondition was given.
func (c Conditions) Present() bool { return c.present }

// ToObject converts c for the engine (CopyObject checks it atomically).
func (c Conditions) ToObject() object.Condition {
	return object.Condition{IfMatch: c.ifMatch, IfNoneMatch: c.ifNoneMatch,
		IfModifiedSince: c.ifModifiedSince, IfUnmodifiedSince: c.ifUnmodifiedSince}
}

// ETagMatches reports whether a comma-separated If-Match/If-None-Match
// list names etag. Quotes and weak prefixes are ignored and hex case does
// not matter (S3 shows lower case, the store keeps upper); "*" matches
// every existing object.
func ETagMatches(list, etag string) bool {
	want := trimETag(etag)
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if v == "*" || strings.EqualFold(trimETag(v), want) {
			return true
		}
	}
	return false
}

func trimETag(s string) string {
	return strings.Trim(strings.TrimPrefix(strings.TrimSpace(s), "W/"), `"`)
}

// Check evaluates the preconditions against an object in RFC 7232 order,
// as S3 does: If-Match (else If-Unmodified-Since) failing is 412;
// If-None-Match (else If-Modified-Since) failing is 304 — or 412 for a
// copy source. Times compare at one-second precision, that of HTTP dates.
func (c Conditions) Check(info object.ObjectInfo, copySource bool) *Error {
	if !c.present {
		return nil
	}
	lm := info.LastModified.Truncate(time.Second)
	if c.hasIfMatch {
		if !ETagMatches(c.ifMatch, info.ETag) {
			return ErrPreconditionFailed.With("Condition", "If-Match")
		}
	} else if c.ifUnmodifiedSince != nil && lm.After(*c.ifUnmodifiedSince) {
		return ErrPreconditionFailed.With("Condition", "If-Unmodified-Since")
	}
	notModified := false
	if c.hasIfNoneMatch {
		notModified = ETagMatches(c.ifNoneMatch, info.ETag)
	} else if c.ifModifiedSince != nil {
		notModified = !lm.After(*c.ifModifiedSince)
	}
	if !notModified {
		return nil
	}
	if copySource {
		return ErrPreconditionFailed.With("Condition", "x-amz-copy-source-If-None-Match")
	}
	e := *ErrNotModified
	e.Header = http.Header{}
	e.Header.Set("ETag", ETag(info.ETag))
	e.Header.Set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
	return &e
}

// WriteConditions are the preconditions of PutObject and
// CompleteMultipartUpload: If-None-Match: * (only create) and If-Match
// (only replace that version).
type WriteConditions struct {
	// IfNoneMatchAll is If-None-Match: *.
	IfNoneMatchAll bool
	// IfMatch is the If-Match value, "" when absent.
	IfMatch string
}

// ParseWriteConditions reads a write's preconditions. If-None-Match with
// anything but "*" is 501 as in S3; the date conditions do not apply to
// writes and are refused rather than ignored.
func ParseWriteConditions(h http.Header) (WriteConditions, *Error) {
	var wc WriteConditions
	if v := h.Get("If-None-Match"); v != "" {
		if strings.TrimSpace(v) != "*" {
			return wc, ErrNotImplemented.Msgf("If-None-Match on a write accepts only \"*\".").With("Header", "If-None-Match")
		}
		wc.IfNoneMatchAll = true
	}
	wc.IfMatch = strings.TrimSpace(h.Get("If-Match"))
	for _, name := range []string{"If-Modified-Since", "If-Unmodified-Since"} {
		if h.Get(name) != "" {
			return wc, ErrNotImplemented.Msgf("%s is not supported on writes.", name).With("Header", name)
		}
	}
	return wc, nil
}
