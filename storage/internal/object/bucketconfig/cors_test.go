package bucketconfig

import "testing"

func TestCORSMatch(t *testing.T) {
	cfg := &CORSConfiguration{Rules: []CORSRule{
		{AllowedOrigins: []string{"http://a.example", "https://*.b.example"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedHeaders: []string{"x-oss-*", "Content-Type"}},
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"HEAD"}},
	}}
	tests := map[string]struct {
		origin, method string
		headers        []string
		want           int // rule index, -1 for none
	}{
		"exact origin":                 {"http://a.example", "GET", nil, 0},
		"wildcard origin":              {"https://x.y.b.example", "PUT", nil, 0},
		"wildcard needs its suffix":    {"https://b.example.evil", "PUT", nil, -1},
		"origin is case-sensitive":     {"HTTP://A.EXAMPLE", "GET", nil, -1},
		"method not allowed":           {"http://a.example", "DELETE", nil, -1},
		"headers case-insensitive":     {"http://a.example", "PUT", []string{"X-OSS-Meta-A", "content-type"}, 0},
		"one header not allowed":       {"http://a.example", "PUT", []string{"x-oss-meta-a", "authorization"}, -1},
		"second rule any origin":       {"http://other.example", "HEAD", nil, 1},
		"second rule without headers":  {"http://other.example", "HEAD", []string{"x-a"}, -1},
		"no origin":                    {"", "GET", nil, -1},
		"star does not span to prefix": {"http://a.example.", "GET", nil, -1},
	}
	for name, tc := range tests {
		got := cfg.Match(tc.origin, tc.method, tc.headers)
		want := (*CORSRule)(nil)
		if tc.want >= 0 {
			want = &cfg.Rules[tc.want]
		}
		if got != want {
			t.Errorf("%s: Match = %+v, want rule %d", name, got, tc.want)
		}
	}
	if (*CORSConfiguration)(nil).Match("http://a.example", "GET", nil) != nil {
		t.Error("a nil configuration matched")
	}
	if !cfg.Rules[1].AllowsAnyOrigin() || cfg.Rules[0].AllowsAnyOrigin() {
		t.Error("AllowsAnyOrigin")
	}
}
