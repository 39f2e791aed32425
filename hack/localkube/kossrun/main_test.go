package main

import (
	"bytes"
	"context"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		want    options
		wantErr bool
	}{
		{name: "defaults", want: options{stateDir: "/repo/.koss/run", namespace: "default", nodes: 3, timeout: 5 * time.Minute}},
		{name: "all", args: []string{"--state-dir", "/s", "--namespace", "n", "--nodes", "1", "--timeout", "1m", "--no-build"},
			want: options{stateDir: "/s", namespace: "n", nodes: 1, timeout: time.Minute, noBuild: true}},
		{name: "no nodes", args: []string{"--nodes", "0"}, wantErr: true},
		{name: "positional", args: []string{"extra"}, wantErr: true},
		{name: "unknown flag", args: []string{"--bogus"}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseFlags(tc.args, "/repo")
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestProgressLogger(t *testing.T) {
	var b bytes.Buffer
	l := newProgressLogger(&b).With("component", "etcd")
	l.Debug("hidden")
	l.InfoContext(context.Background(), "ready", "after", time.Second)
	if got, want := b.String(), "    ready component=etcd after=1s\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestIndent(t *testing.T) {
	if got := indent("a\nb\n", "  "); got != "  a\n  b\n" {
		t.Errorf("got %q", got)
	}
	if got := indent("", "  "); got != "" {
		t.Errorf("got %q", got)
	}
}
