package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/koss-io/koss/storage/adminapi"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestRunCommands(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     map[string]string
		code    int
		out     string // substring of stdout
		errText string // substring of stderr
	}{
		{"no command", nil, nil, 2, "", "Usage"},
		{"unknown", []string{"frobnicate"}, nil, 2, "", `unknown command "frobnicate"`},
		{"version", []string{"version"}, nil, 0, "kossd ", ""},
		{"help", []string{"help"}, nil, 0, "kossd server", ""},
		{"server help", []string{"server", "-h"}, nil, 0, "", "KOSS_ROOT_ACCESS_KEY_ID"},
		{"missing credentials", []string{"server", "--data", "/tmp/x"}, nil, 2, "", "KOSS_ROOT_ACCESS_KEY_ID and KOSS_ROOT_ACCESS_KEY_SECRET"},
		{"bad flag", []string{"server", "--nope"}, nil, 2, "", "flag provided but not defined"},
		{"invalid config", []string{"server", "--listen", "bogus"},
			map[string]string{"KOSS_DATA": "/tmp/x", "KOSS_ROOT_ACCESS_KEY_ID": "AK", "KOSS_ROOT_ACCESS_KEY_SECRET": "secret-123"}, 1, "", "--listen"},
		{"flag overrides env", []string{"server", "--region", "Bad Region"},
			map[string]string{"KOSS_DATA": "/tmp/x", "KOSS_REGION": "fine", "KOSS_ROOT_ACCESS_KEY_ID": "AK", "KOSS_ROOT_ACCESS_KEY_SECRET": "secret-123"}, 1, "", `region "Bad Region"`},
		{"bad log level", []string{"server", "--log-level", "loud"},
			map[string]string{"KOSS_DATA": "/tmp/x", "KOSS_ROOT_ACCESS_KEY_ID": "AK", "KOSS_ROOT_ACCESS_KEY_SECRET": "secret-123"}, 2, "", "--log-level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb, env(tc.env))
			if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.errText) {
				t.Fatalf("code %d (want %d)\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errb.String())
			}
		})
	}
}

func TestDevRootKeyPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := devRootKey(dir, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := devRootKey(dir, env(nil))
	if err != nil || a != b || !adminapi.ValidAccessKeySecret(a.AccessKeySecret) || !adminapi.ValidAccessKeyID(a.AccessKeyID) {
		t.Fatalf("second start got %+v (%v), first %+v", b, err, a)
	}
	st, err := os.Stat(filepath.Join(dir, devCredentialsFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", st, err)
	}
	c, _ := devRootKey(dir, env(map[string]string{"KOSS_ROOT_ACCESS_KEY_ID": "ENVKEY", "KOSS_ROOT_ACCESS_KEY_SECRET": "env-secret"}))
	if c.AccessKeyID != "ENVKEY" {
		t.Fatalf("environment not preferred: %+v", c)
	}
}

func TestEndpointURL(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:9000": "http://127.0.0.1:9000",
		":9000":          "http://127.0.0.1:9000",
		"0.0.0.0:80":     "http://127.0.0.1:80",
		"[::]:9000":      "http://127.0.0.1:9000",
		"10.0.0.5:9000":  "http://10.0.0.5:9000",
	} {
		if got := endpointURL(in); got != want {
			t.Errorf("endpointURL(%q) = %q, want %q", in, got, want)
		}
	}
}
