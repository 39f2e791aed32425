package adminapi

import (
	"strings"
	"testing"
)

func TestNewAccessKey(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id, secret, err := NewAccessKey(AccessKeyIDPrefix)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(id, AccessKeyIDPrefix) || len(id) != len(AccessKeyIDPrefix)+20 || len(secret) != 40 {
			t.Fatalf("generated id %q / secret of %d characters", id, len(secret))
		}
		if !ValidAccessKeyID(id) || !ValidAccessKeySecret(secret) {
			t.Fatalf("generated key fails its own rules: %q", id)
		}
		if seen[id] || seen[secret] {
			t.Fatal("generated the same value twice")
		}
		seen[id], seen[secret] = true, true
	}
}

func TestValidAccessKey(t *testing.T) {
	tests := map[string]struct {
		id, secret     string
		wantID, wantSK bool
	}{
		"typical":                 {"KOSSABC123", "abcdefgh", true, true},
		"id with . _ -":           {"a.b_c-d", "12345678", true, true},
		"empty id":                {"", "12345678", false, true},
		"id of 129 bytes":         {strings.Repeat("a", 129), "12345678", false, true},
		"id with a slash":         {"a/b", "12345678", false, true},
		"id with a comma":         {"a,b", "12345678", false, true},
		"secret of 7 bytes":       {"id", "1234567", true, false},
		"secret of 257 bytes":     {"id", strings.Repeat("s", 257), true, false},
		"secret with a space":     {"id", "1234 5678", true, false},
		"secret with a non-ASCII": {"id", "12345678é", true, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := ValidAccessKeyID(tc.id); got != tc.wantID {
				t.Errorf("ValidAccessKeyID(%q) = %v", tc.id, got)
			}
			if got := ValidAccessKeySecret(tc.secret); got != tc.wantSK {
				t.Errorf("ValidAccessKeySecret = %v, want %v", got, tc.wantSK)
			}
		})
	}
}
