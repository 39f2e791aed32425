package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// soakRun runs `osscli soak` against f with the environment's key pair and
// returns the summary line parsed, standard error and the error.
func soakRun(t *testing.T, ctx context.Context, f *fakeOSS, args ...string) (soakSummary, string, error) {
	t.Helper()
	cleanCredentialEnv(t)
	t.Setenv("OSS_ENDPOINT", f.srv.URL)
	t.Setenv("OSS_REGION", fakeRegion)
	t.Setenv("OSS_ACCESS_KEY_ID", "AK")
	t.Setenv("OSS_ACCESS_KEY_SECRET", "sk")
	var stdout, stderr bytes.Buffer
	err := run(ctx, append([]string{"soak"}, args...), nil, &stdout, &stderr)
	var sum soakSummary
	out := stdout.String()
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "}\n") {
		t.Fatalf("stdout %q, want one JSON line (err %v, stderr %s)", out, err, stderr.String())
	}
	if jerr := json.Unmarshal([]byte(out), &sum); jerr != nil {
		t.Fatalf("stdout %q: %v", out, jerr)
	}
	return sum, stderr.String(), err
}

func keysFrom(prefix string, ns ...int) string {
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, "%s%06d\n", prefix, n)
	}
	return b.String()
}

func TestSoakSummary(t *testing.T) {
	shorten := func(t *testing.T) {
		old := soakListBackoff
		soakListBackoff = []time.Duration{time.Millisecond, time.Millisecond, time.Millisecond}
		t.Cleanup(func() { soakListBackoff = old })
	}
	ctx := context.Background()

	t.Run("some writes fail", func(t *testing.T) {
		f := newFakeOSS(t)
		f.deny = func(key string) bool { return key == "p/000003" || key == "p/000006" }
		sum, log, err := soakRun(t, ctx, f, "bkt", "p/", "--count", "7", "--interval", "1ms")
		if err == nil || !strings.Contains(err.Error(), "2 of 7 writes failed") {
			t.Errorf("err %v, want 2 of 7 failed", err)
		}
		if sum.Acknowledged != 5 || sum.Failed != 2 || sum.Keys != 5 ||
			!strings.HasPrefix(sum.FirstFailure, "p/000003: AccessDenied (HTTP 403, request req-3): denied for the test") {
			t.Errorf("summary %+v", sum)
		}
		if got, _ := f.object("bkt", "p/acknowledged.txt"); got != keysFrom("p/", 1, 2, 4, 5, 7) {
			t.Errorf("acknowledged.txt %q", got)
		}
		if body, _ := f.object("bkt", "p/000002"); body != "osscli soak key=p/000002 counter=2\n" {
			t.Errorf("p/000002 holds %q", body)
		}
		var failures []string
		for _, l := range strings.Split(strings.TrimSpace(log), "\n") {
			if strings.HasPrefix(l, "osscli: soak: put p/") {
				failures = append(failures, l)
			}
		}
		if len(failures) != 2 || !strings.HasPrefix(failures[0], "osscli: soak: put p/000003: AccessDenied (HTTP 403") ||
			!strings.HasPrefix(failures[1], "osscli: soak: put p/000006: AccessDenied") {
			t.Errorf("failure lines %q in\n%s", failures, log)
		}
	})

	t.Run("all acknowledged, the list stored on the third attempt", func(t *testing.T) {
		shorten(t)
		f := newFakeOSS(t)
		lists := 0
		f.deny = func(key string) bool {
			if key == "q-acknowledged.txt" {
				lists++
				return lists < 3
			}
			return false
		}
		sum, log, err := soakRun(t, ctx, f, "--count=3", "--interval=0", "bkt", "q-")
		if err != nil {
			t.Fatalf("%v\n%s", err, log)
		}
		if sum != (soakSummary{Acknowledged: 3, Keys: 3}) {
			t.Errorf("summary %+v", sum)
		}
		if got, _ := f.object("bkt", "q-acknowledged.txt"); got != keysFrom("q-", 1, 2, 3) {
			t.Errorf("acknowledged.txt %q", got)
		}
		if strings.Count(log, "put q-acknowledged.txt (attempt") != 2 {
			t.Errorf("stderr:\n%s", log)
		}
	})

	t.Run("the list cannot be stored", func(t *testing.T) {
		shorten(t)
		f := newFakeOSS(t)
		f.deny = func(key string) bool { return strings.HasSuffix(key, soakListName) }
		sum, _, err := soakRun(t, ctx, f, "--count", "2", "--interval", "0", "bkt", "r/")
		if err == nil || !strings.Contains(err.Error(), "was not stored") {
			t.Errorf("err %v", err)
		}
		if sum != (soakSummary{Acknowledged: 2, Keys: 0}) {
			t.Errorf("summary %+v", sum)
		}
		if n := len(f.requests()); n != 2+1+len(soakListBackoff) {
			t.Errorf("%d requests, want 2 writes and %d attempts at the list", n, 1+len(soakListBackoff))
		}
	})

	t.Run("SIGTERM stops it early, with the summary", func(t *testing.T) {
		f := newFakeOSS(t)
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		f.afterPut = func(n int, _ string) {
			if n == 4 {
				cancel() // what main's signal.NotifyContext does on SIGTERM
			}
		}
		start := time.Now()
		sum, log, err := soakRun(t, ctx, f, "--interval", "10ms", "bkt", "s/") // default --duration 1m
		if err != nil {
			t.Fatalf("%v\n%s", err, log)
		}
		if time.Since(start) > 20*time.Second {
			t.Errorf("took %s after the signal", time.Since(start))
		}
		if sum != (soakSummary{Acknowledged: 4, Keys: 4}) {
			t.Errorf("summary %+v", sum)
		}
		if got, _ := f.object("bkt", "s/acknowledged.txt"); got != keysFrom("s/", 1, 2, 3, 4) {
			t.Errorf("acknowledged.txt %q", got)
		}
	})

	t.Run("duration", func(t *testing.T) {
		f := newFakeOSS(t)
		start := time.Now()
		sum, _, err := soakRun(t, ctx, f, "--duration", "300ms", "--interval", "50ms", "bkt", "d/")
		if err != nil || sum.Acknowledged < 2 || sum.Acknowledged > 7 || sum.Keys != sum.Acknowledged {
			t.Errorf("summary %+v, err %v", sum, err)
		}
		if d := time.Since(start); d < 300*time.Millisecond || d > 10*time.Second {
			t.Errorf("took %s", d)
		}
	})

	for _, args := range [][]string{{"soak", "b"}, {"soak", "b", "p", "x"}, {"--interval", "-1s", "soak", "b", "p"},
		{"--duration", "0", "soak", "b", "p"}, {"--count", "-1", "soak", "b", "p"}} {
		if err := run(ctx, args, nil, &bytes.Buffer{}, &bytes.Buffer{}); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want the usage", args, err)
		}
	}
	if o, _, err := parseArgs([]string{"--count", "5", "soak", "b", "p"}, func(string) string { return "" }); err != nil ||
		o.soak.duration != 0 || o.soak.count != 5 || o.soak.interval != 100*time.Millisecond {
		t.Errorf("--count alone: %+v %v, want no time limit", o.soak, err)
	}
	if o, _, err := parseArgs([]string{"soak", "b", "p", "--count", "5", "--duration", "2m"}, func(string) string { return "" }); err != nil ||
		o.soak.duration != 2*time.Minute || o.soak.count != 5 {
		t.Errorf("--count and --duration: %+v %v", o.soak, err)
	}
}
