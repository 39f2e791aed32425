package layer

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

var bucketNameCases = map[string]struct {
	name string
	ok   bool
}{
	"shortest":           {"abc", true},
	"longest":            {strings.Repeat("a", 63), true},
	"digits and dash":    {"0-9-z", true},
	"all digits":         {"123", true},
	"two bytes":          {"ab", false},
	"64 bytes":           {strings.Repeat("a", 64), false},
	"empty":              {"", false},
	"upper case":         {"Abc", false},
	"leading dash":       {"-abc", false},
	"trailing dash":      {"abc-", false},
	"underscore":         {"a_c", false},
	"dot":                {"a.c", false},
	"space":              {"a c", false},
	"non-ascii":          {"abé", false},
	"admin path prefix":  {"-/admin", false},
	"only dashes":        {"---", false},
	"dash in the middle": {"a-b", true},
	"nul":                {"ab\x00", false},
}

func TestValidBucketName(t *testing.T) {
	for name, tc := range bucketNameCases {
		t.Run(name, func(t *testing.T) {
			err := ValidBucketName(tc.name)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidBucketName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidBucketName) {
				t.Fatalf("error %v does not wrap ErrInvalidBucketName", err)
			}
		})
	}
}

var objectKeyCases = map[string]struct {
	key string
	ok  bool
}{
	"one byte":            {"a", true},
	"1023 bytes":          {strings.Repeat("k", 1023), true},
	"1024 bytes":          {strings.Repeat("k", 1024), false},
	"empty":               {"", false},
	"leading slash":       {"/a", false},
	"leading backslash":   {`\a`, false},
	"inner slashes":       {"a/b//c/", true},
	"invalid utf-8":       {"a\xffb", false},
	"truncated rune":      {"ab\xe2\x82", false},
	"multi-byte":          {"日本語/ключ", true},
	"control characters":  {"a\x01\x1f", true},
	"1023 with multibyte": {strings.Repeat("é", 511) + "a", true},
	"1024 with multibyte": {strings.Repeat("é", 512), false},
	"dot segments":        {"../x", true},
}

func TestValidObjectKey(t *testing.T) {
	for name, tc := range objectKeyCases {
		t.Run(name, func(t *testing.T) {
			err := ValidObjectKey(tc.key)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidObjectKey(%q) = %v, want ok=%v", tc.key, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidObjectName) {
				t.Fatalf("error %v does not wrap ErrInvalidObjectName", err)
			}
		})
	}
}

func FuzzValidBucketName(f *testing.F) {
	for _, tc := range bucketNameCases {
		f.Add(tc.name)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := ValidBucketName(name)
		if err != nil {
			if !errors.Is(err, ErrInvalidBucketName) {
				t.Fatalf("error %v does not wrap ErrInvalidBucketName", err)
			}
			return
		}
		// Accepted names satisfy every rule, checked independently.
		if len(name) < 3 || len(name) > 63 || strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") {
			t.Fatalf("accepted %q", name)
		}
		if strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			t.Fatalf("accepted %q with a forbidden character", name)
		}
	})
}

func FuzzValidObjectKey(f *testing.F) {
	for _, tc := range objectKeyCases {
		f.Add(tc.key)
	}
	f.Fuzz(func(t *testing.T, key string) {
		err := ValidObjectKey(key)
		if err != nil {
			if !errors.Is(err, ErrInvalidObjectName) {
				t.Fatalf("error %v does not wrap ErrInvalidObjectName", err)
			}
			return
		}
		if len(key) < 1 || len(key) > 1023 || !utf8.ValidString(key) || key[0] == '/' || key[0] == '\\' {
			t.Fatalf("accepted %q", key)
		}
	})
}
