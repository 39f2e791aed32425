package osswire

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
)

// ParseRange resolves a Range header against an object of size bytes.
//
// OSS's default behaviour is lenient: a range it cannot satisfy (bad syntax,
// several ranges, start or end beyond the object) is ignored and the whole
// object is returned with 200. With x-oss-range-behavior: standard, an end
// beyond the object is clamped and a start at or beyond it is 416
// InvalidRange. It returns (nil, nil) for "whole object".
func ParseRange(header string, size int64, standard bool) (*object.Range, *Error) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil, nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, nil
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	unsatisfiable := func() (*object.Range, *Error) {
		if standard {
			return nil, ErrInvalidRange
		}
		return nil, nil
	}
	if first == "" {
		// Suffix range: the last n bytes.
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return nil, nil
		}
		if n == 0 || size == 0 {
			return unsatisfiable()
		}
		if n > size {
			if !standard {
				return nil, nil
			}
			n = size
		}
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
		if e < end {
			end = e
		} else if e > end && !standard {
			return nil, nil
		}
	}
	if start >= size {
		return unsatisfiable()
	}
	return &object.Range{Start: start, Length: end - start + 1}, nil
}

// Conditions are the RFC 7232 request preconditions.
type Conditions struct {
	ifMatch, ifNoneMatch                string
	ifModifiedSince, ifUnmodifiedSince  *time.Time
	hasIfMatch, hasIfNoneMatch, present bool
	// matchName and unmodName are the headers as the request names them:
	// a PreconditionFailed error says which one failed in <Condition>.
	matchName, unmodName string
}

// ParseConditions reads the conditional headers under the given names
// (If-Match..., or x-oss-copy-source-if-match... for CopyObject). Dates that
// do not parse are ignored, as RFC 7232 asks.
func ParseConditions(h http.Header, match, noneMatch, modSince, unmodSince string) Conditions {
	c := Conditions{matchName: match, unmodName: unmodSince}
	if v, ok := h[http.CanonicalHeaderKey(match)]; ok {
		c.ifMatch, c.hasIfMatch = strings.Join(v, ","), true
	}
	if v, ok := h[http.CanonicalHeaderKey(noneMatch)]; ok {
		c.ifNoneMatch, c.hasIfNoneMatch = strings.Join(v, ","), true
	}
	if v := h.Get(modSince); v != "" {
		if t, err := http.ParseTime(v); err == nil {
			c.ifModifiedSince = &t
		}
	}
	if v := h.Get(unmodSince); v != "" {
		if t, err := http.ParseTime(v); err == nil {
			c.ifUnmodifiedSince = &t
		}
	}
	c.present = c.hasIfMatch || c.hasIfNoneMatch || c.ifModifiedSince != nil || c.ifUnmodifiedSince != nil
	return c
}

// RequestConditions reads a request's own conditional headers.
func RequestConditions(h http.Header) Conditions {
	return ParseConditions(h, "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since")
}

// CopySourceConditions reads CopyObject's conditions on its source.
func CopySourceConditions(h http.Header) Conditions {
	return ParseConditions(h, "x-oss-copy-source-if-match", "x-oss-copy-source-if-none-match",
		"x-oss-copy-source-if-modified-since", "x-oss-copy-source-if-unmodified-since")
}

// Present reports whether the request carries any precondition.
func (c Conditions) Present() bool { return c.present }

// ToObject converts c for the engine.
func (c Conditions) ToObject() object.Condition {
	return object.Condition{
		IfMatch: c.ifMatch, IfNoneMatch: c.ifNoneMatch,
		IfModifiedSince: c.ifModifiedSince, IfUnmodifiedSince: c.ifUnmodifiedSince,
	}
}

// etagListMatches reports whether a comma-separated If-Match/If-None-Match
// list names etag. Quotes and weak prefixes are ignored and hex case does
// not matter; "*" matches every existing object.
func etagListMatches(list, etag string) bool {
	want := trimETag(etag)
	for _, v := range strings.Split(list, ",") {
		v = strings.TrimSpace(v)
		if v == "*" {
			return true
		}
		if strings.EqualFold(trimETag(v), want) {
			return true
		}
	}
	return false
}

func trimETag(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	return strings.Trim(s, `"`)
}

// Check evaluates the preconditions against an object in RFC 7232 order:
// If-Match (else If-Unmodified-Since) failing is 412; If-None-Match (else
// If-Modified-Since) failing is 304 — or 412 when notModifiedIs412, as for
// CopyObject's source conditions. Times compare at one-second precision,
// the precision of HTTP dates.
func (c Conditions) Check(info object.ObjectInfo, notModifiedIs412 bool) *Error {
	if !c.present {
		return nil
	}
	lm := info.LastModified.Truncate(time.Second)
	if c.hasIfMatch {
		if !etagListMatches(c.ifMatch, info.ETag) {
			return ErrPreconditionFailed.With("Condition", c.matchName)
		}
	} else if c.ifUnmodifiedSince != nil && lm.After(*c.ifUnmodifiedSince) {
		return ErrPreconditionFailed.With("Condition", c.unmodName)
	}
	notModified := false
	if c.hasIfNoneMatch {
		notModified = etagListMatches(c.ifNoneMatch, info.ETag)
	} else if c.ifModifiedSince != nil {
		notModified = !lm.After(*c.ifModifiedSince)
	}
	if !notModified {
		return nil
	}
	if notModifiedIs412 {
		return ErrPreconditionFailed
	}
	e := *ErrNotModified
	e.Header = http.Header{}
	e.Header.Set("ETag", info.ETag)
	e.Header.Set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
	return &e
}
