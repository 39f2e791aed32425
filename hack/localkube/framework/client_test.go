package framework

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// fakeAPIServer answers discovery and GET of ConfigMap default/demo, with a
// warning header on the GET, as an API server does for a deprecated API.
func fakeAPIServer(t *testing.T, warning string) *rest.Config {
	t.Helper()
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api":
			reply(w, map[string]any{"kind": "APIVersions", "versions": []string{"v1"},
				"serverAddressByClientCIDRs": []any{}})
		case "/apis":
			reply(w, map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": []any{}})
		case "/api/v1":
			reply(w, map[string]any{"kind": "APIResourceList", "groupVersion": "v1", "resources": []any{
				map[string]any{"name": "configmaps", "singularName": "configmap", "namespaced": true,
					"kind": "ConfigMap", "verbs": []string{"get", "list"}},
			}})
		case "/api/v1/namespaces/default/configmaps/demo":
			w.Header().Set("Warning", fmt.Sprintf("299 - %q", warning))
			reply(w, map[string]any{"kind": "ConfigMap", "apiVersion": "v1",
				"metadata": map[string]any{"name": "demo", "namespace": "default"}, "data": map[string]string{"k": "v"}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return &rest.Config{Host: srv.URL}
}

// getDemo makes the Env's client for cfg and reads ConfigMap default/demo.
func getDemo(t *testing.T, cfg *rest.Config, logger *slog.Logger) {
	t.Helper()
	cl, err := newClient(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var cm corev1.ConfigMap
	if err := cl.Get(ctx, client.ObjectKey{Namespace: "default", Name: "demo"}, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Data["k"] != "v" {
		t.Fatalf("ConfigMap = %+v", cm)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestClientLogsAPIWarningsToTheLogger(t *testing.T) {
	var logs syncBuffer
	getDemo(t, fakeAPIServer(t, "v1 ConfigMap is deprecated"), slog.New(slog.NewTextHandler(&logs, nil)))
	if got := logs.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, "v1 ConfigMap is deprecated") {
		t.Errorf("the API warning is not in the log: %q", got)
	}
	getDemo(t, fakeAPIServer(t, "dropped"), nil) // a nil Logger discards
}

// childEnv makes the test binary run TestClientNeedsNoSetLogger's child.
const childEnv = "KOSS_FRAMEWORK_TEST_LATE_CLIENT"

// TestClientNeedsNoSetLogger makes the client the way Start does, 30
// seconds after the process started, in a process that never calls
// controller-runtime's log.SetLogger, as `make run` does after building
// and starting the cluster: controller-runtime prints a 25-line
// "log.SetLogger(...) was never called" stack trace when anything uses its
// global logger that late.
func TestClientNeedsNoSetLogger(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		time.Sleep(31 * time.Second) // controller-runtime's grace period is 30 s from its init
		getDemo(t, fakeAPIServer(t, "late warning"), slog.New(slog.NewTextHandler(os.Stderr, nil)))
		return
	}
	if testing.Short() {
		t.Skip("waits 31 seconds")
	}
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestClientNeedsNoSetLogger$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "late warning") {
		t.Errorf("the child did not make the request:\n%s", out)
	}
	if strings.Contains(string(out), "log.SetLogger") {
		t.Errorf("controller-runtime complained about its logger:\n%s", out)
	}
}
