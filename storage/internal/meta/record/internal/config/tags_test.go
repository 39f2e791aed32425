package config

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckObjectTags(t *testing.T) {
	eleven := map[string]string{}
	for i := range 11 {
		eleven[string(rune('a'+i))] = "v"
	}
	tests := map[string]struct {
		tags map[string]string
		ok   bool
	}{
		"none": {nil, true},
		"ten": {func() map[string]string {
			m := map[string]string{}
			for i := range 10 {
				m[string(rune('a'+i))] = ""
			}
			return m
		}(), true},
		"eleven":                {eleven, false},
		"empty key":             {map[string]string{"": "v"}, false},
		"128-char key":          {map[string]string{strings.Repeat("k", 128): "v"}, true},
		"129-char key":          {map[string]string{strings.Repeat("k", 129): "v"}, false},
		"256-char value":        {map[string]string{"k": strings.Repeat("v", 256)}, true},
		"257-char value":        {map[string]string{"k": strings.Repeat("v", 257)}, false},
		"allowed specials":      {map[string]string{"a b+c-d=e.f_g:h/i": "x y"}, true},
		"ampersand in key":      {map[string]string{"a&b": "v"}, false},
		"ampersand in value":    {map[string]string{"k": "a&b"}, false},
		"letters of any script": {map[string]string{"项目": "值"}, true},
		"C1 control":            {map[string]string{"k\u0085": "v"}, false},
		"tab":                   {map[string]string{"k\t": "v"}, false},
	}
	for name, tc := range tests {
		err := CheckObjectTags(tc.tags)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalidTags)) {
			t.Errorf("%s: %v, want ok=%v", name, err, tc.ok)
		}
	}
	// Non-ASCII symbols pass Apply's table-free rule, but not the strict
	// one of the request path.
	if err := CheckObjectTags(map[string]string{"k☃": "v"}); err != nil || TagCharsStrict(map[string]string{"k☃": "v"}) {
		t.Errorf("a snowman: CheckObjectTags %v, TagCharsStrict true; want nil and false", err)
	}
	if !TagCharsStrict(map[string]string{"项目": "值"}) {
		t.Error("TagCharsStrict refused CJK letters")
	}
	if err := CheckBucketTags(map[string]string{"Aliyunx": "v"}); err == nil {
		t.Error("a bucket tag key with the reserved prefix Aliyun was accepted")
	}
	if err := CheckBucketTags(map[string]string{strings.Repeat("k", 65): "v"}); err == nil {
		t.Error("a 65-byte bucket tag key was accepted")
	}
}
