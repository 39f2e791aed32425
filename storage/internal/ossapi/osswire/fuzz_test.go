package osswire

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/koss-io/koss/storage/internal/object"
)

// FuzzDeleteKeyRoundTrip checks that any key an SDK can send in a
// DeleteMultipleObjects body — control characters as "&#xNN;" included —
// comes out of ParseDeleteRequest unchanged.
func FuzzDeleteKeyRoundTrip(f *testing.F) {
	for _, s := range []string{"plain", "a\x01b", "\x00", "tab\tnl\ncr\r", "amp&lt;", "\uFDD0", "\uFDD0@",
		"<![CDATA[x]]>", "&#x01;", "dir/sub/key.txt", "日本語", strings.Repeat("k", 1023)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if !utf8.ValidString(key) {
			return
		}
		for _, r := range key {
			if r >= 0x20 && !xmlChar(r) {
				return // the SDKs send U+FFFD for these: not representable
			}
		}
		keys, quiet, err := ParseDeleteRequest(deleteBody(true, key))
		if err != nil {
			t.Fatalf("key %q: %v", key, err)
		}
		if !quiet || len(keys) != 1 || keys[0] != key {
			t.Fatalf("key %q came back as %q (quiet %v)", key, keys, quiet)
		}
	})
}

func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// FuzzParseDeleteRequest feeds arbitrary bodies: never a panic, and an
// accepted body always names 1..1000 keys.
func FuzzParseDeleteRequest(f *testing.F) {
	f.Add([]byte(`<Delete><Quiet>false</Quiet><Object><Key>a</Key></Object></Delete>`))
	f.Add([]byte(`<?xml version="1.0"?><Delete><Object><Key>a&#x01;</Key><VersionId>v</VersionId></Object></Delete>`))
	f.Add([]byte(`<Delete><Object><Key><![CDATA[&#x01;]]></Key></Object></Delete>`))
	f.Add([]byte(`<Delete><Quiet>true</Quiet></Delete>`))
	f.Add([]byte(`<Delete><Object><Key>&#xFDD0;&#65;&#x;&#;&#xZZ;</Key></Object></Delete>`))
	f.Add([]byte("<Delete><Object><Key>\xef\xb7\x90</Key></Object></Delete>"))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		keys, _, err := ParseDeleteRequest(body)
		if err == nil && (len(keys) == 0 || len(keys) > object.MaxDeleteObjects) {
			t.Fatalf("accepted %d keys", len(keys))
		}
	})
}

// FuzzCreateBucketConfiguration: never a panic; an accepted body has a
// canonical storage class.
func FuzzCreateBucketConfiguration(f *testing.F) {
	f.Add([]byte(``))
	f.Add([]byte(`<CreateBucketConfiguration><StorageClass>Archive</StorageClass></CreateBucketConfiguration>`))
	f.Add([]byte(`<CreateBucketConfiguration><StorageClass>ia</StorageClass><DataRedundancyType>ZRS</DataRedundancyType></CreateBucketConfiguration>`))
	f.Add([]byte(`<CreateBucketConfiguration><StorageClass>Gold</StorageClass></CreateBucketConfiguration>`))
	f.Add([]byte(`<CreateBucketConfiguration>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		cfg, ae := ParseCreateBucketConfiguration(body)
		if ae != nil {
			if ae.Status != 400 {
				t.Fatalf("status %d", ae.Status)
			}
			return
		}
		switch cfg.StorageClass {
		case "", "Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive":
		default:
			t.Fatalf("accepted storage class %q", cfg.StorageClass)
		}
	})
}

// FuzzParseRange: a returned range always lies inside the object; without
// x-oss-range-behavior: standard a range never fails.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=-5", "bytes=5-", "bytes=0-1000", "bytes=-0", "bytes=9-1",
		"bytes=0-1,2-3", "bytes= 1 - 2 ", "bits=0-1", "bytes=-", "bytes=99999999999999999999-"} {
		f.Add(s, int64(39), false)
		f.Add(s, int64(0), true)
	}
	f.Fuzz(func(t *testing.T, header string, size int64, standard bool) {
		if size < 0 {
			size = -size
			if size < 0 {
				return
			}
		}
		rng, ae := ParseRange(header, size, standard)
		if ae != nil {
			if !standard || ae.Status != 416 {
				t.Fatalf("%q size %d standard %v: %v", header, size, standard, ae)
			}
			return
		}
		if rng != nil && (rng.Start < 0 || rng.Length < 1 || rng.Start+rng.Length > size) {
			t.Fatalf("%q size %d: range %+v outside the object", header, size, rng)
		}
	})
}

var bucketNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// FuzzValidNames compares the name checks with their specification.
func FuzzValidNames(f *testing.F) {
	for _, s := range []string{"abc", "ab", "a-b", "-ab", "ab-", "ABC", strings.Repeat("a", 63), strings.Repeat("a", 64), "a_b", "/k", "\\k", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidBucketName(s), bucketNameRe.MatchString(s); got != want {
			t.Fatalf("ValidBucketName(%q) = %v, want %v", s, got, want)
		}
		wantKey := s != "" && len(s) <= 1023 && utf8.ValidString(s) && s[0] != '/' && s[0] != '\\'
		if got := CheckObjectName(s) == nil; got != wantKey {
			t.Fatalf("CheckObjectName(%q) ok = %v, want %v", s, got, wantKey)
		}
	})
}
