package kubelet

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"POD_IP": "127.9.0.1", "A": "x"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	for _, tc := range []struct{ in, want string }{
		{"--listen=$(POD_IP):9000", "--listen=127.9.0.1:9000"},
		{"$(A)$(A)", "xx"},
		{"$(MISSING)", "$(MISSING)"},
		{"$$(A)", "$(A)"},
		{"$$", "$"},
		{"cost $5", "cost $5"},
		{"trailing $", "trailing $"},
		{"$(unclosed", "$(unclosed"},
		{"", ""},
	} {
		if got := expand(tc.in, lookup); got != tc.want {
			t.Errorf("expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestResolveArgv(t *testing.T) {
	images := []Image{
		{Prefix: "koss/kossd", Binary: "/opt/bin/kossd", Args: []string{"server"}},
		{Prefix: "koss/kossd-debug", Binary: "/opt/bin/kossd-debug"},
		{Prefix: "sh", Binary: "/bin/sh"},
	}
	for _, tc := range []struct {
		name          string
		image         string
		command, args []string
		want          []string
		err           bool
	}{
		{name: "entrypoint and default args", image: "koss/kossd:v1", want: []string{"/opt/bin/kossd", "server"}},
		{name: "args replace default args", image: "koss/kossd", args: []string{"dev"}, want: []string{"/opt/bin/kossd", "dev"}},
		{name: "command by base name", image: "koss/kossd", command: []string{"/kossd", "server"}, args: []string{"--x"}, want: []string{"/opt/bin/kossd", "server", "--x"}},
		{name: "longest prefix wins", image: "koss/kossd-debug:1", want: []string{"/opt/bin/kossd-debug"}},
		{name: "host binary", image: "koss/kossd", command: []string{"/bin/sh", "-c", "true"}, want: []string{"/bin/sh", "-c", "true"}},
		{name: "unknown image", image: "nginx", err: true},
		{name: "missing absolute command", image: "koss/kossd", command: []string{"/nope/nope"}, err: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &corev1.Container{Image: tc.image, Command: tc.command, Args: tc.args}
			got, err := resolveArgv(images, c, tc.command, tc.args)
			if (err != nil) != tc.err {
				t.Fatalf("err = %v", err)
			}
			if !tc.err && !slices.Equal(got, tc.want) {
				t.Errorf("argv = %q, want %q", got, tc.want)
			}
		})
	}
}

func pod(ns, name string, labels map[string]string, ip string, ready bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}}
	p.Status.PodIP = ip
	p.Status.Phase = corev1.PodRunning
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
	return p
}

func TestServiceRecordsAndHosts(t *testing.T) {
	sel := map[string]string{"app": "web"}
	web0 := pod("ns", "web-0", sel, "127.5.0.1", true)
	web0.Spec.Hostname, web0.Spec.Subdomain = "web-0", "web"
	web1 := pod("ns", "web-1", sel, "127.5.0.2", false)
	web1.Spec.Hostname, web1.Spec.Subdomain = "web-1", "web"
	other := pod("other", "x", sel, "127.5.0.3", true)
	svcs := []*corev1.Service{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"}, Spec: corev1.ServiceSpec{ClusterIP: "None", Selector: sel}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "api"}, Spec: corev1.ServiceSpec{ClusterIP: "127.5.128.7", Selector: sel}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "far"}, Spec: corev1.ServiceSpec{ClusterIP: "10.0.0.1"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "ext"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeExternalName}},
	}
	got := serviceRecords(svcs, []*corev1.Pod{web0, web1, other}, vipOf)
	want := []hostRecord{
		{"127.5.128.7", "ns", "api"},
		{"127.5.0.1", "ns", "web"},
		{"127.5.0.1", "ns", "web-0.web"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("records = %v, want %v", got, want)
	}
	svcs[0].Spec.PublishNotReadyAddresses = true
	if got := serviceRecords(svcs, []*corev1.Pod{web0, web1}, vipOf); len(got) != 5 {
		t.Errorf("publishNotReadyAddresses: %v", got)
	}

	hosts := string(renderHosts(podHostsInfo{IP: "127.5.0.1", Hostname: "web-0", Subdomain: "web", Namespace: "ns"}, want, "cluster.local"))
	for _, line := range []string{
		"127.5.0.1\tweb-0.web.ns.svc.cluster.local\tweb-0\n",
		"127.5.128.7\tapi.ns.svc.cluster.local api.ns.svc api.ns api\n",
		"127.5.0.1\tweb-0.web.ns.svc.cluster.local web-0.web.ns.svc web-0.web.ns web-0.web\n",
	} {
		if !strings.Contains(hosts, line) {
			t.Errorf("hosts lacks %q:\n%s", line, hosts)
		}
	}
	// Another namespace (and the host) gets no bare short names.
	if h := string(renderHosts(podHostsInfo{}, want, "cluster.local")); strings.Contains(h, " api\n") {
		t.Errorf("host view has short names:\n%s", h)
	}

	n := &Network{cfg: NetworkConfig{ClusterDomain: "cluster.local"}, records: want}
	for _, tc := range []struct {
		name string
		ok   bool
	}{{"api.ns.svc.cluster.local.", true}, {"API.ns", true}, {"web-0.web.ns.svc", true}, {"api", false}, {"nope.ns", false}} {
		if _, ok := n.LookupHost(tc.name); ok != tc.ok {
			t.Errorf("LookupHost(%q) ok = %v", tc.name, ok)
		}
	}
}

func TestWriteHostsInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hosts")
	if err := writeHostsInPlace(path, []byte("127.0.0.1 a-long-name\n")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	if err := writeHostsInPlace(path, []byte("127.0.0.1 b\n")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	after, _ := os.Stat(path)
	if int64(len(b)) != before.Size() || !strings.HasPrefix(string(b), "127.0.0.1 b\n") || strings.Contains(string(b), "long") {
		t.Errorf("content %q", b)
	}
	if !os.SameFile(before, after) {
		t.Error("the file was replaced, bind mounts would not see it")
	}
}

func TestPodPhase(t *testing.T) {
	running := corev1.ContainerStatus{State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	waiting := corev1.ContainerStatus{State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{}}}
	ok := corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}}
	bad := corev1.ContainerStatus{State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}}
	backoff := corev1.ContainerStatus{
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}},
	}
	for _, tc := range []struct {
		name     string
		policy   corev1.RestartPolicy
		initDone bool
		statuses []corev1.ContainerStatus
		want     corev1.PodPhase
	}{
		{"init running", corev1.RestartPolicyAlways, false, []corev1.ContainerStatus{waiting}, corev1.PodPending},
		{"creating", corev1.RestartPolicyAlways, true, []corev1.ContainerStatus{running, waiting}, corev1.PodPending},
		{"running", corev1.RestartPolicyAlways, true, []corev1.ContainerStatus{running, ok}, corev1.PodRunning},
		{"crash loop", corev1.RestartPolicyAlways, true, []corev1.ContainerStatus{backoff}, corev1.PodRunning},
		{"all done", corev1.RestartPolicyNever, true, []corev1.ContainerStatus{ok, ok}, corev1.PodSucceeded},
		{"failed", corev1.RestartPolicyNever, true, []corev1.ContainerStatus{ok, bad}, corev1.PodFailed},
		{"on failure restarts", corev1.RestartPolicyOnFailure, true, []corev1.ContainerStatus{ok, bad}, corev1.PodRunning},
		{"on failure all ok", corev1.RestartPolicyOnFailure, true, []corev1.ContainerStatus{ok}, corev1.PodSucceeded},
		{"always all exited", corev1.RestartPolicyAlways, true, []corev1.ContainerStatus{ok}, corev1.PodRunning},
	} {
		if got := podPhase(tc.policy, tc.initDone, false, tc.statuses); got != tc.want {
			t.Errorf("%s: phase %s, want %s", tc.name, got, tc.want)
		}
	}
	if got := podPhase(corev1.RestartPolicyNever, false, true, nil); got != corev1.PodFailed {
		t.Errorf("init failed: %s", got)
	}
}

func TestKubeletConditions(t *testing.T) {
	readyCS := []corev1.ContainerStatus{{Ready: true}}
	conds := kubeletConditions(condInput{sandboxReady: true, initDone: true, phase: corev1.PodRunning, statuses: readyCS, gatesOK: true})
	for _, c := range conds {
		if c.Status != corev1.ConditionTrue {
			t.Errorf("%s = %s", c.Type, c.Status)
		}
	}
	conds = kubeletConditions(condInput{sandboxReady: true, initDone: true, phase: corev1.PodRunning, statuses: readyCS, gatesOK: false})
	if conds[3].Type != corev1.PodReady || conds[3].Status != corev1.ConditionFalse || conds[3].Reason != "ReadinessGatesNotReady" {
		t.Errorf("gates: %+v", conds[3])
	}
	old := []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue},
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(time.Unix(100, 0))},
	}
	merged := mergeConditions(old, []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}, metav1.NewTime(time.Unix(200, 0)), 3)
	if len(merged) != 2 || merged[0].Type != corev1.PodScheduled || merged[1].LastTransitionTime.Unix() != 100 || merged[1].ObservedGeneration != 3 {
		t.Errorf("merged = %+v", merged)
	}
}

func TestRestartDelay(t *testing.T) {
	for n, want := range []time.Duration{0, 0, 10, 20, 40, 80, 160, 300, 300} {
		if got := restartDelay(n, 10*time.Second, 300*time.Second); got != want*time.Second {
			t.Errorf("restart %d: %v, want %v", n, got, want*time.Second)
		}
	}
}

func TestWriteVolumeFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			return "<" + err.Error() + ">"
		}
		return string(b)
	}
	changed, err := writeVolumeFiles(dir, map[string]volumeFile{"a": {[]byte("1"), 0o644}, "sub/b": {[]byte("2"), 0o600}})
	if err != nil || !changed {
		t.Fatalf("first write: %v %v", changed, err)
	}
	if read("a") != "1" || read("sub/b") != "2" {
		t.Fatalf("content: %q %q", read("a"), read("sub/b"))
	}
	if fi, _ := os.Stat(filepath.Join(dir, "sub/b")); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	if changed, err := writeVolumeFiles(dir, map[string]volumeFile{"a": {[]byte("1"), 0o644}, "sub/b": {[]byte("2"), 0o600}}); err != nil || changed {
		t.Errorf("same content rewritten: %v %v", changed, err)
	}
	if _, err := writeVolumeFiles(dir, map[string]volumeFile{"a": {[]byte("3"), 0o644}}); err != nil {
		t.Fatal(err)
	}
	if read("a") != "3" || !strings.HasPrefix(read("sub/b"), "<") {
		t.Errorf("after update: %q %q", read("a"), read("sub/b"))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 { // ..data, one ..ts_ dir, a
		t.Errorf("old versions left: %v", entries)
	}
	if _, err := writeVolumeFiles(dir, map[string]volumeFile{"../escape": {nil, 0o644}}); err == nil {
		t.Error("path escaping the volume accepted")
	}
}

type fakeObjects struct {
	secrets map[string]*corev1.Secret
	cms     map[string]*corev1.ConfigMap
}

func (f fakeObjects) secret(_ context.Context, _, name string) (*corev1.Secret, error) {
	if s, ok := f.secrets[name]; ok {
		return s, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
}

func (f fakeObjects) configMap(_ context.Context, _, name string) (*corev1.ConfigMap, error) {
	if c, ok := f.cms[name]; ok {
		return c, nil
	}
	return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, name)
}

func TestBuildEnv(t *testing.T) {
	src := fakeObjects{
		secrets: map[string]*corev1.Secret{"s": {Data: map[string][]byte{"pw": []byte("hunter2")}}},
		cms:     map[string]*corev1.ConfigMap{"c": {Data: map[string]string{"mode": "fast", "LEVEL": "3"}}},
	}
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "ns", Labels: map[string]string{"app": "web"}}}
	p.Status.PodIP = "127.5.0.1"
	yes := true
	c := &corev1.Container{
		EnvFrom: []corev1.EnvFromSource{{Prefix: "CM_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "c"}}}},
		Env: []corev1.EnvVar{
			{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			{Name: "NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
			{Name: "APP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}},
			{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "pw"}}},
			{Name: "MODE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "c"}, Key: "mode"}}},
			{Name: "OPT", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}, Key: "k", Optional: &yes}}},
			{Name: "ADDR", Value: "$(POD_IP):9000"},
		},
	}
	env, err := buildEnv(context.Background(), src, p, c, []envVar{{"PATH", "/bin"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range env {
		got[e.Name] = e.Value
	}
	want := map[string]string{"PATH": "/bin", "CM_mode": "fast", "CM_LEVEL": "3", "POD_IP": "127.5.0.1", "NAME": "web-0", "APP": "web", "PW": "hunter2", "MODE": "fast", "ADDR": "127.5.0.1:9000"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["OPT"]; ok || len(got) != len(want) {
		t.Errorf("env = %v", got)
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: "X", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "nokey"}}})
	if _, err := buildEnv(context.Background(), src, p, c, nil, nil); err == nil {
		t.Error("missing secret key accepted")
	}
}

func TestPodIPSticky(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ips.json")
	cfg := NetworkConfig{Client: fake.NewClientset(), PodCIDR: netip.MustParsePrefix("127.77.0.0/30"), IPAMFile: file}
	n, err := NewNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := n.PodIP("ns", "a")
	b, _ := n.PodIP("ns", "b")
	if a == b || a != "127.77.0.1" || b != "127.77.0.2" {
		t.Fatalf("a=%s b=%s", a, b)
	}
	if c, err := n.PodIP("ns", "c"); err != nil || c != "127.77.0.3" {
		t.Fatalf("c=%s %v", c, err)
	}
	if _, err := n.PodIP("ns", "d"); err == nil {
		t.Error("range exhausted but an IP was given")
	}
	n2, err := NewNetwork(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := n2.PodIP("ns", "a"); again != a {
		t.Errorf("IP not kept across restarts: %s then %s", a, again)
	}
	if _, err := NewNetwork(NetworkConfig{Client: cfg.Client, PodCIDR: netip.MustParsePrefix("10.0.0.0/24")}); err == nil {
		t.Error("non-loopback pod range accepted")
	}
}
