package httpapi

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestVirtualHostBucket(t *testing.T) {
	tests := []struct {
		host, domain     string
		bucket, endpoint string
		ok               bool
	}{
		{"bkt.oss.test", "oss.test", "bkt", "oss.test", true},
		{"bkt.oss.test:9000", "oss.test", "bkt", "oss.test:9000", true},
		{"BKT.OSS.TEST", "oss.test:80", "bkt", "OSS.TEST", true},
		{"oss.test", "oss.test", "", "", false},
		{"a.b.oss.test", "oss.test", "", "", false},
		{"127.0.0.1:9000", "oss.test", "", "", false},
		{"[::1]:9000", "oss.test", "", "", false},
		{"bkt.oss.test", "", "", "", false},
		{"bkt.other.test", "oss.test", "", "", false},
	}
	for _, tc := range tests {
		b, e, ok := VirtualHostBucket(tc.host, tc.domain)
		if b != tc.bucket || e != tc.endpoint || ok != tc.ok {
			t.Errorf("VirtualHostBucket(%q, %q) = %q, %q, %v; want %q, %q, %v", tc.host, tc.domain, b, e, ok, tc.bucket, tc.endpoint, tc.ok)
		}
	}
}

func TestReserved(t *testing.T) {
	tests := []struct {
		host, path string
		want       bool
	}{
		{"10.0.0.1:9000", "/-/healthz", true},
		{"10.0.0.1:9000", "/-", true},
		{"oss.test", "/-/admin/v1/keys", true},
		{"bkt.oss.test", "/-/healthz", false}, // an object key of bkt
		{"10.0.0.1:9000", "/bkt/-/x", false},
		{"10.0.0.1:9000", "/-bkt", false},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(http.MethodGet, "http://"+tc.host+tc.path, nil)
		if got := Reserved(r, "oss.test"); got != tc.want {
			t.Errorf("Reserved(%s%s) = %v, want %v", tc.host, tc.path, got, tc.want)
		}
	}
}

// lockedBuffer collects log output from concurrent requests.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newRoot(t *testing.T, h http.Handler) (*httptest.Server, *lockedBuffer, *prometheus.Registry) {
	return newRootWith(t, h, false)
}

func newRootWith(t *testing.T, h http.Handler, quiet bool) (*httptest.Server, *lockedBuffer, *prometheus.Registry) {
	t.Helper()
	logs := &lockedBuffer{}
	reg := prometheus.NewRegistry()
	root, err := New(Config{
		Handler:         h,
		Logger:          slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Registerer:      reg,
		RequestIDHeader: "X-Test-Request-Id",
		Quiet:           quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	return srv, logs, reg
}

// TestAccessLogAndMetrics checks one request's record end to end: what the
// handler filled in reaches the log line and the metrics, the body is
// counted, the request id is answered, and the cause of a 5xx is logged.
func TestAccessLogAndMetrics(t *testing.T) {
	cause := errors.New("disk on fire")
	srv, logs, reg := newRoot(t, Mount("test", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := RecordOf(r)
		rec.Operation, rec.Bucket, rec.Key, rec.AccessKeyID = "PutThing", "bkt", "k", "AKID"
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/fail" {
			rec.Code, rec.Err = "InternalError", cause
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "done")
	})))
	resp, err := http.Post(srv.URL+"/ok", "text/plain", strings.NewReader("12345"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if id := resp.Header.Get("X-Test-Request-Id"); len(id) != 24 {
		t.Fatalf("request id header %q", id)
	}
	resp, err = http.Post(srv.URL+"/fail", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out := logs.String()
	for _, want := range []string{`"api":"test"`, `"operation":"PutThing"`, `"bucket":"bkt"`, `"requestBytes":5`, `"responseBytes":4`, `"accessKeyId":"AKID"`, `"code":"InternalError"`, `"error":"disk on fire"`, `"level":"ERROR"`} {
		if !strings.Contains(out, want) {
			t.Errorf("access log lacks %s:\n%s", want, out)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]bool{}
	for _, mf := range mfs {
		if mf.GetName() != "koss_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			key := ""
			for _, l := range m.GetLabel() {
				key += l.GetName() + "=" + l.GetValue() + " "
			}
			series[key] = true
		}
	}
	for _, want := range []string{"api=test operation=PutThing status=200 ", "api=test operation=PutThing status=500 "} {
		if !series[want] {
			t.Errorf("koss_http_requests_total lacks {%s}: %v", want, series)
		}
	}
}

// TestQuietLogsOnlyFailures checks Quiet mode: a successful or client-error
// request writes nothing at info level, a 5xx is still logged with its
// cause.
func TestQuietLogsOnlyFailures(t *testing.T) {
	srv, logs, _ := newRootWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := RecordOf(r)
		switch r.URL.Path {
		case "/missing":
			rec.Code = "NoSuchKey"
			w.WriteHeader(http.StatusNotFound)
		case "/broken":
			rec.Code, rec.Err = "InternalError", errors.New("the cause")
			w.WriteHeader(http.StatusInternalServerError)
		}
	}), true)
	for _, p := range []string{"/fine", "/missing"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if out := logs.String(); out != "" {
		t.Fatalf("quiet mode logged successful and client-error requests:\n%s", out)
	}
	resp, err := http.Get(srv.URL + "/broken")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if out := logs.String(); !strings.Contains(out, `"error":"the cause"`) || !strings.Contains(out, `"level":"ERROR"`) {
		t.Fatalf("quiet mode did not log a 5xx with its cause:\n%s", out)
	}
}

func TestPanicIsAnInternalError(t *testing.T) {
	srv, logs, _ := newRoot(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("bug") }))
	resp, err := http.Get(srv.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if out := logs.String(); !strings.Contains(out, `"error":"panic: bug"`) {
		t.Fatalf("the panic is not in the access log:\n%s", out)
	}
}

func TestHeaderWritten(t *testing.T) {
	seen := make(chan [2]bool, 1)
	srv, _, _ := newRoot(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		before := HeaderWritten(w)
		w.WriteHeader(http.StatusNoContent)
		seen <- [2]bool{before, HeaderWritten(w)}
	}))
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := <-seen; got != [2]bool{false, true} {
		t.Fatalf("HeaderWritten before/after WriteHeader = %v", got)
	}
	if HeaderWritten(httptest.NewRecorder()) {
		t.Fatal("a writer New did not make reports a written header")
	}
}
