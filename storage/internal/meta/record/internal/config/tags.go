package config

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tag limits, as OSS has them. Object tags: at most 10, keys 1-128
// characters, values 0-256. Bucket tags: at most 20, keys 1-64 bytes that
// do not start with "http://", "https://" or "Aliyun", values 0-128 bytes.
const (
	MaxObjectTags        = 10
	MaxObjectTagKeyLen   = 128
	MaxObjectTagValueLen = 256
	MaxBucketTags        = 20
	MaxBucketTagKeyLen   = 64
	MaxBucketTagValueLen = 128
)

// ErrInvalidTags is what CheckObjectTags and CheckBucketTags wrap.
var ErrInvalidTags = errors.New("record: invalid tags")

// CheckObjectTags reports why tags cannot be an object's, or nil. The
// characters OSS allows in object tags are letters, digits, spaces and
// + - = . _ : / (so "&", which separates tags in x-oss-tagging, never
// appears in one); see tagChars for how non-ASCII ones are judged. Apply
// judges with it too: every replica refuses the same values whoever
// proposed them.
func CheckObjectTags(tags map[string]string) error {
	if len(tags) > MaxObjectTags {
		return fmt.Errorf("%w: %d tags, at most %d", ErrInvalidTags, len(tags), MaxObjectTags)
	}
	for k, v := range tags {
		if n := utf8.RuneCountInString(k); n == 0 || n > MaxObjectTagKeyLen {
			return fmt.Errorf("%w: key of %d characters, want 1-%d", ErrInvalidTags, n, MaxObjectTagKeyLen)
		}
		if n := utf8.RuneCountInString(v); n > MaxObjectTagValueLen {
			return fmt.Errorf("%w: value of %d characters, at most %d", ErrInvalidTags, n, MaxObjectTagValueLen)
		}
		if !tagChars(k) || !tagChars(v) {
			return fmt.Errorf("%w: %q=%q has a character tags cannot hold", ErrInvalidTags, k, v)
		}
	}
	return nil
}

// tagChars is the character rule Apply judges with, so it must give the
// same answer on every replica whatever Go (and so Unicode) version built
// it: ASCII letters, digits, space and "+-=._:/", and any non-ASCII
// character but the C1 controls, with no Unicode table consulted.
// TagCharsStrict, for the layers above Apply, also wants non-ASCII
// characters to be letters or digits.
func tagChars(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 0x80 && r <= 0x9f:
			return false
		case r >= 0x80:
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == ' ', strings.ContainsRune("+-=._:/", r):
		default:
			return false
		}
	}
	return true
}

// TagCharsStrict reports whether every non-ASCII character of the tags'
// keys and values is a Unicode letter or digit, as OSS allows them. It
// uses Go's Unicode tables, so it belongs in the request path, never in
// Apply (see tagChars).
func TagCharsStrict(tags map[string]string) bool {
	ok := func(s string) bool {
		for _, r := range s {
			if r >= 0x80 && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
		return true
	}
	for k, v := range tags {
		if !ok(k) || !ok(v) {
			return false
		}
	}
	return true
}

// CheckBucketTags reports why tags cannot be a bucket's, or nil.
func CheckBucketTags(tags map[string]string) error {
	if len(tags) > MaxBucketTags {
		return fmt.Errorf("%w: %d tags, at most %d", ErrInvalidTags, len(tags), MaxBucketTags)
	}
	for k, v := range tags {
		switch {
		case k == "" || len(k) > MaxBucketTagKeyLen:
			return fmt.Errorf("%w: key of %d bytes, want 1-%d", ErrInvalidTags, len(k), MaxBucketTagKeyLen)
		case strings.HasPrefix(k, "http://"), strings.HasPrefix(k, "https://"), strings.HasPrefix(k, "Aliyun"):
			return fmt.Errorf("%w: key %q has a reserved prefix", ErrInvalidTags, k)
		case len(v) > MaxBucketTagValueLen:
			return fmt.Errorf("%w: value of %d bytes, at most %d", ErrInvalidTags, len(v), MaxBucketTagValueLen)
		case !utf8.ValidString(k) || !utf8.ValidString(v):
			return fmt.Errorf("%w: not UTF-8", ErrInvalidTags)
		}
	}
	return nil
}
