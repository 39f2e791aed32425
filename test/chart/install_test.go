package chart

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/koss-io/koss/hack/localkube/kubelet"
	"github.com/koss-io/koss/hack/localkube/localcluster"
)

// TestInstall installs the chart on the local control plane with the operator built from
// ./cmd/manager, waits for the Deployment to become Available, and checks that the operator
// works with exactly the chart's RBAC: it holds the leader Lease, reconciles a Region (its
// StatefulSet appears and its status is written), serves metrics on its pod IP and logs no
// "forbidden"; an upgrade with the same values changes nothing; watching one namespace works
// with the per-namespace Role. Then the release is uninstalled. Skipped with -short; the cluster needs root and the binaries of
// `make k8s-tools`.
func TestInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("installing on the local cluster needs the full run (not -short)")
	}
	root := repoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "cmd", "manager", "main.go")); err != nil {
		t.Skip("cmd/manager does not exist yet")
	}
	helmBin(t) // a clear failure when helm is missing
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()

	manager := filepath.Join(t.TempDir(), "manager")
	start := time.Now()
	build := exec.CommandContext(ctx, "go", "build", "-o", manager, "./cmd/manager")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building ./cmd/manager: %v\n%s", err, out)
	}
	t.Logf("built the manager in %v", time.Since(start).Round(time.Second))

	start = time.Now()
	c, err := localcluster.Start(ctx, localcluster.Options{
		// koss/kossd is left unmapped: the Region's pods need not run for this test, only
		// the operator's reconcile.
		Images: []kubelet.Image{{Prefix: "koss/manager", Binary: manager}},
	})
	if err != nil {
		t.Fatalf("starting the local cluster: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			dumpPodLogs(t, c)
		}
		state := c.StateDir()
		if err := c.Stop(); err != nil {
			t.Errorf("stopping the local cluster: %v", err)
		}
		if leaks, err := localcluster.Leaks(state); err != nil || len(leaks) > 0 {
			t.Errorf("processes left behind: %q (%v)", leaks, err)
		}
	})
	t.Logf("cluster up in %v", time.Since(start).Round(time.Second))

	run := func(name string, args ...string) string {
		t.Helper()
		cmd := c.Command(ctx, name, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return stdout.String()
	}

	start = time.Now()
	out := run("helm", "install", "koss", chartDir(t), "--namespace", releaseNamespace, "--create-namespace")
	if !strings.Contains(out, "kubectl wait --for=condition=Available region/demo") {
		t.Errorf("NOTES do not tell the next step:\n%s", out)
	}
	run("kubectl", "-n", releaseNamespace, "wait", "--for=condition=Available", "deployment/koss-operator", "--timeout=150s")
	t.Logf("operator Available %v after helm install", time.Since(start).Round(time.Second))

	for _, crd := range []string{"regions.koss.io", "buckets.koss.io", "accesskeys.koss.io"} {
		run("kubectl", "wait", "--for=condition=Established", "crd/"+crd, "--timeout=30s")
	}
	// Leader election works with the chart's Role: the Lease names a holder.
	eventually(t, ctx, 90*time.Second, "the leader Lease", func() (bool, string) {
		holder := kubectl(ctx, c, "-n", releaseNamespace, "get", "lease", "koss-operator", "-o", "jsonpath={.spec.holderIdentity}")
		return strings.HasPrefix(holder, "koss-operator-"), holder
	})
	// The operator reconciles a Region with the chart's ClusterRole: it builds the
	// StatefulSet and writes the status of the current generation.
	run("kubectl", "apply", "-n", "default", "-f", filepath.Join(root, "config", "samples", "region.yaml"))
	eventually(t, ctx, 90*time.Second, "the Region's StatefulSet and status", func() (bool, string) {
		sts := kubectl(ctx, c, "-n", "default", "get", "statefulset", "-l", "app.kubernetes.io/instance=demo", "-o", "name")
		observed := kubectl(ctx, c, "-n", "default", "get", "region", "demo", "-o", "jsonpath={.status.observedGeneration}")
		return sts != "" && observed == "1", fmt.Sprintf("statefulsets %q, observedGeneration %q", sts, observed)
	})
	checkNoForbidden(t, ctx, c)
	// Metrics and probes listen on the pod IP (bindPodIP), reachable from the host here.
	podIP := kubectl(ctx, c, "-n", releaseNamespace, "get", "pods", "-l", "app.kubernetes.io/component=operator", "-o", "jsonpath={.items[0].status.podIP}")
	eventually(t, ctx, 30*time.Second, "the metrics endpoint on the pod IP", func() (bool, string) {
		body, err := httpGet(ctx, "http://"+podIP+":8080/metrics")
		return err == nil && strings.Contains(body, "controller_runtime_reconcile_total"), fmt.Sprint(err)
	})

	// helm upgrade with the same values changes nothing it owns (no render-time drift).
	before := run("kubectl", "-n", releaseNamespace, "get", "deployment", "koss-operator", "-o", "jsonpath={.metadata.generation}")
	run("helm", "upgrade", "koss", chartDir(t), "--namespace", releaseNamespace)
	after := run("kubectl", "-n", releaseNamespace, "get", "deployment", "koss-operator", "-o", "jsonpath={.metadata.generation}")
	if before != after {
		t.Errorf("helm upgrade with the same values changed the Deployment (generation %s → %s)", before, after)
	}

	// Watching one namespace: the operator works with the per-namespace Role and the
	// Namespaces-only ClusterRole.
	run("helm", "upgrade", "koss", chartDir(t), "--namespace", releaseNamespace, "--set", "watchNamespaces[0]=default")
	run("kubectl", "-n", releaseNamespace, "rollout", "status", "deployment/koss-operator", "--timeout=150s")
	if got := run("kubectl", "-n", "default", "get", "role", "koss-operator", "-o", "name"); strings.TrimSpace(got) != "role.rbac.authorization.k8s.io/koss-operator" {
		t.Errorf("no Role in the watched namespace: %q", got)
	}
	run("kubectl", "-n", "default", "patch", "region", "demo", "--type=merge", "-p", `{"spec":{"replicas":4}}`)
	eventually(t, ctx, 90*time.Second, "the Region's status of generation 2", func() (bool, string) {
		observed := kubectl(ctx, c, "-n", "default", "get", "region", "demo", "-o", "jsonpath={.status.observedGeneration}")
		return observed == "2", "observedGeneration " + observed
	})
	checkNoForbidden(t, ctx, c)

	run("kubectl", "delete", "-n", "default", "region", "demo", "--wait=true", "--timeout=60s")
	run("helm", "uninstall", "koss", "--namespace", releaseNamespace, "--wait", "--timeout=60s")
}

// checkNoForbidden fails when the operator's log shows an RBAC refusal.
func checkNoForbidden(t *testing.T, ctx context.Context, c *localcluster.Cluster) {
	t.Helper()
	logs := kubectl(ctx, c, "-n", releaseNamespace, "logs", "deployment/koss-operator")
	if logs == "" {
		t.Error("no operator log")
	}
	if strings.Contains(logs, "forbidden") {
		t.Errorf("the operator was refused something by RBAC:\n%s", grepLines(logs, "forbidden"))
	}
}

// httpGet fetches a URL from the host.
func httpGet(ctx context.Context, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), nil
}

// kubectl runs kubectl against c and returns its trimmed output ("" on error, which the
// polling callers treat as not yet).
func kubectl(ctx context.Context, c *localcluster.Cluster, args ...string) string {
	out, err := c.Command(ctx, "kubectl", args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// eventually polls cond every half second until it holds, failing after timeout with the
// last state it reported.
func eventually(t *testing.T, ctx context.Context, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("timed out after %v waiting for %s (last: %s)", timeout, what, state)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func grepLines(s, substr string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Contains(line, substr) {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// dumpPodLogs logs the tail of every container log, to explain a failure.
func dumpPodLogs(t *testing.T, c *localcluster.Cluster) {
	t.Helper()
	_ = filepath.WalkDir(c.PodLogDir(), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		t.Logf("== %s ==\n%s", path, b)
		return nil
	})
}
