package kubelet

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPodProcessNamespaces starts a real container init: volumes and the
// hosts file appear at their paths (including ones that do not exist on the
// host), the hostname is the pod's, and nothing of it is visible on the
// host afterwards.
func TestPodProcessNamespaces(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for mount namespaces")
	}
	dir := t.TempDir()
	vol := filepath.Join(dir, "vol")
	secret := filepath.Join(dir, "secret")
	for _, d := range []string{vol, secret, filepath.Join(dir, "rootfs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(secret, "key"), []byte("s3cr3t"), 0o644); err != nil {
		t.Fatal(err)
	}
	hosts := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hosts, []byte("127.9.0.1 web-0.web.ns.svc.cluster.local\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mountsBefore, _ := os.ReadFile("/proc/self/mountinfo")
	script := `set -e
cat /etc/hosts
hostname
echo pid=$$
ls /proc | grep -c '^[0-9]'
cat /var/run/secrets/kubernetes.io/serviceaccount/key; echo
echo hello > /koss-test-data/out
pwd
if touch /var/run/secrets/kubernetes.io/serviceaccount/key 2>/dev/null; then echo writable; else echo readonly; fi
`
	spec := &podInitSpec{
		RootFS:   filepath.Join(dir, "rootfs"),
		Hostname: "web-0",
		Mounts: []initMount{
			{Source: vol, Target: "/koss-test-data"},
			{Source: secret, Target: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true},
			{Source: hosts, Target: "/etc/hosts"},
		},
		Argv:    []string{"/bin/sh", "-c", script},
		Env:     []string{"PATH=/usr/bin:/bin"},
		WorkDir: "/koss-test-data",
	}
	var out bytes.Buffer
	p, err := startPodProcess(spec, filepath.Join(dir, "spec.json"), &out, &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.stop(time.Second)
		t.Fatal("container did not finish")
	}
	if p.exitCode != 0 {
		t.Fatalf("exit %d: %s", p.exitCode, out.String())
	}
	got := out.String()
	for _, want := range []string{"web-0.web.ns.svc.cluster.local", "web-0\n", "pid=1\n", "s3cr3t", "/koss-test-data\n", "readonly"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if b, err := os.ReadFile(filepath.Join(vol, "out")); err != nil || string(b) != "hello\n" {
		t.Errorf("volume write: %q %v", b, err)
	}
	for _, p := range []string{"/koss-test-data", "/var/run/secrets/kubernetes.io"} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s appeared on the host", p)
		}
	}
	if h, _ := os.Hostname(); h == "web-0" {
		t.Error("hostname leaked to the host")
	}
	mountsAfter, _ := os.ReadFile("/proc/self/mountinfo")
	if !bytes.Equal(mountsBefore, mountsAfter) {
		t.Errorf("host mounts changed:\n%s", mountsAfter)
	}
}

func TestPodProcessStartError(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for mount namespaces")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	spec := &podInitSpec{RootFS: filepath.Join(dir, "rootfs"), Argv: []string{"/does/not/exist"}}
	var out bytes.Buffer
	_, err := startPodProcess(spec, filepath.Join(dir, "spec.json"), &out, &out, nil)
	if err == nil || !strings.Contains(err.Error(), "/does/not/exist") {
		t.Fatalf("err = %v", err)
	}
}

// TestPodProcessKillsAll: when the container's main process ends, every
// process it left behind dies with it (PID namespace), even ones that
// left its process group.
func TestPodProcessKillsAll(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for namespaces")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	marker := "KOSS_TEST_MARKER=" + dir
	spec := &podInitSpec{
		RootFS: filepath.Join(dir, "rootfs"),
		// setsid puts the sleeper in a new session and group: only the
		// namespace can still catch it.
		Argv: []string{"/bin/sh", "-c", "setsid sleep 300 & sleep 0.2; exit 0"},
		Env:  []string{"PATH=/usr/bin:/bin", marker},
	}
	var out bytes.Buffer
	p, err := startPodProcess(spec, filepath.Join(dir, "spec.json"), &out, &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	<-p.done
	deadline := time.Now().Add(10 * time.Second)
	for {
		if n := countWithEnv(marker); n == 0 {
			return
		} else if time.Now().After(deadline) {
			t.Fatalf("%d processes outlived the container: %s", n, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func countWithEnv(kv string) int {
	n := 0
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && bytes.Contains(b, []byte(kv)) {
			n++
		}
	}
	return n
}
