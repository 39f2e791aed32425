package localcluster_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/koss-io/koss/hack/localkube/kubelet"
	"github.com/koss-io/koss/hack/localkube/localcluster"
)

// The whole package shares one cluster: starting it is the expensive part.
var (
	cluster    *localcluster.Cluster
	peerServer string // the test workload's binary
)

const (
	peerImage  = "koss/peerserver"
	shellImage = "koss/shell" // the host's /bin/sh
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if testing.Short() {
		return m.Run() // cluster tests skip themselves
	}
	if _, err := localcluster.BinDir(); err != nil {
		fmt.Fprintln(os.Stderr, "localcluster tests:", err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "koss-localcluster-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	peerServer, err = buildPeerServer(tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	start := time.Now()
	c, err := localcluster.Start(context.Background(), localcluster.Options{
		Images:            []kubelet.Image{{Prefix: peerImage, Binary: peerServer}, {Prefix: shellImage, Binary: "/bin/sh"}},
		Nodes:             2,
		Logger:            slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
		RestartBackoff:    time.Second,
		RestartBackoffMax: 10 * time.Second,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start local cluster:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "local cluster started in %v (state %s)\n", time.Since(start).Round(time.Millisecond), c.StateDir())
	cluster = c
	code := m.Run()
	state := c.StateDir()
	stopStart := time.Now()
	if err := c.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop local cluster:", err)
		code = 1
	}
	fmt.Fprintf(os.Stderr, "local cluster stopped in %v\n", time.Since(stopStart).Round(time.Millisecond))
	// Nothing of the harness may survive Stop: no process, no mount.
	for _, dir := range []string{state, tmp} {
		leaks, err := localcluster.Leaks(dir)
		if err != nil || len(leaks) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: leaked after Stop (%v):\n  %s\n", err, strings.Join(leaks, "\n  "))
			code = 1
		}
	}
	if _, err := os.Stat(state); err == nil && os.Getenv("KOSS_LOCALCLUSTER_KEEP") != "1" {
		fmt.Fprintln(os.Stderr, "FAIL: temporary state directory left:", state)
		code = 1
	}
	return code
}

func buildPeerServer(dir string) (string, error) {
	root, err := localcluster.RepoRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "peerserver")
	cmd := exec.Command("go", "build", "-o", out, "./hack/localkube/cmd/peerserver")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build peerserver: %w\n%s", err, b)
	}
	return out, nil
}

func needCluster(t *testing.T) kubernetes.Interface {
	t.Helper()
	if cluster == nil {
		t.Skip("local cluster tests need the full run (not -short)")
	}
	cs, err := kubernetes.NewForConfig(cluster.Config())
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// namespace creates a namespace named prefix-<random> (so -count=N runs
// on the one cluster do not collide) and returns its name.
func namespace(t *testing.T, cs kubernetes.Interface, prefix string) string {
	t.Helper()
	ns, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// eventually polls cond until it returns true, failing the test with the
// last error after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		last = err
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s (last error: %v)", timeout, what, last)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// httpGet fetches a URL from the host, resolving cluster DNS names.
func httpGet(ctx context.Context, u string) (string, error) {
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{DialContext: cluster.DialContext, DisableKeepAlives: true},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("GET %s: %s: %s", u, resp.Status, b)
	}
	return string(b), nil
}

func peerContainer(args ...string) corev1.Container {
	return corev1.Container{
		Name:  "server",
		Image: peerImage + ":test",
		Args:  append([]string{"--listen=$(POD_IP):8080"}, args...),
		Env: []corev1.EnvVar{
			{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		},
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
			PeriodSeconds: 1,
		},
	}
}

// TestStatefulSetPeers runs a StatefulSet of three peer servers behind a
// headless Service: all become Ready, each reaches the others by their
// DNS names, and a deleted pod comes back with its volume's data.
func TestStatefulSetPeers(t *testing.T) {
	cs := needCluster(t)
	ctx := context.Background()
	ns := namespace(t, cs, "peers")
	labels := map[string]string{"app": "web"}
	var peers []string
	for i := range 3 {
		peers = append(peers, fmt.Sprintf("web-%d.web.%s.svc.cluster.local:8080", i, ns))
	}
	_, err := cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone,
			Selector:  labels,
			Ports:     []corev1.ServicePort{{Name: "http", Port: 8080}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctr := peerContainer("--data=/data", "--name=$(POD_NAME)", "--peers="+strings.Join(peers, ","))
	ctr.VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	_, err = cs.AppsV1().StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr.To[int32](3),
			ServiceName:         "web",
			PodManagementPolicy: appsv1.ParallelPodManagement,
			Selector:            &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers:                    []corev1.Container{ctr},
					TerminationGracePeriodSeconds: ptr.To[int64](10),
				},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	eventually(t, 2*time.Minute, "3 ready replicas", func() (bool, error) {
		s, err := cs.AppsV1().StatefulSets(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return s.Status.ReadyReplicas == 3, fmt.Errorf("%d ready", s.Status.ReadyReplicas)
	})
	t.Logf("3 peers ready after %v", time.Since(start).Round(time.Millisecond))

	pod := func(name string) *corev1.Pod {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for i := range 3 {
		p := pod(fmt.Sprintf("web-%d", i))
		if !cluster.PodCIDR().Contains(mustAddr(t, p.Status.PodIP)) || p.Status.HostIP != "127.0.0.1" || len(p.Status.PodIPs) != 1 {
			t.Errorf("%s: podIP %q podIPs %v hostIP %q", p.Name, p.Status.PodIP, p.Status.PodIPs, p.Status.HostIP)
		}
		// Every peer reaches every other by its DNS name (the hosts file
		// may lag the readiness of the last pod a little).
		eventually(t, time.Minute, p.Name+" sees its peers", func() (bool, error) {
			body, err := httpGet(ctx, "http://"+p.Status.PodIP+":8080/peers")
			if err != nil {
				return false, err
			}
			var res map[string]struct{ Name, Error string }
			if err := json.Unmarshal([]byte(body), &res); err != nil {
				return false, err
			}
			for j, peer := range peers {
				if res[peer].Name != fmt.Sprintf("web-%d", j) {
					return false, fmt.Errorf("%s: %+v", peer, res[peer])
				}
			}
			return true, nil
		})
	}
	// The host reaches pods by their names too, through the cluster dialer.
	body, err := httpGet(ctx, "http://web-2.web."+ns+".svc:8080/id")
	if err != nil || !strings.Contains(body, `"name":"web-2"`) {
		t.Fatalf("web-2 by name from the host: %q %v", body, err)
	}
	// The pod's own hostname is its name.
	if h, err := httpGet(ctx, "http://"+pod("web-0").Status.PodIP+":8080/file?path=/etc/hostname"); err != nil || h != "web-0\n" {
		t.Errorf("/etc/hostname = %q %v", h, err)
	}

	// Delete web-1: the StatefulSet re-creates it, it gets its claim (and
	// so its token) back.
	old := pod("web-1")
	var before struct {
		Token  string
		Starts int
	}
	body, err = httpGet(ctx, "http://"+old.Status.PodIP+":8080/id")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(body), &before); err != nil || before.Token == "" {
		t.Fatalf("id %q: %v", body, err)
	}
	start = time.Now()
	if err := cs.CoreV1().Pods(ns).Delete(ctx, "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	var again *corev1.Pod
	eventually(t, 2*time.Minute, "web-1 re-created and ready", func() (bool, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "web-1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		again = p
		return p.UID != old.UID && podReady(p), fmt.Errorf("uid %s ready %v", p.UID, podReady(p))
	})
	t.Logf("web-1 back after %v", time.Since(start).Round(time.Millisecond))
	var after struct {
		Token  string
		Starts int
	}
	body, err = httpGet(ctx, "http://"+again.Status.PodIP+":8080/id")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(body), &after); err != nil {
		t.Fatal(err)
	}
	if after.Token != before.Token || after.Starts != before.Starts+1 {
		t.Errorf("volume data not kept: before %+v, after %+v", before, after)
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// TestLivenessRestart: a container whose liveness probe fails is killed and
// restarted; restartCount grows and the last state records the kill.
func TestLivenessRestart(t *testing.T) {
	cs := needCluster(t)
	ctx := context.Background()
	ns := namespace(t, cs, "liveness")
	ctr := peerContainer()
	ctr.LivenessProbe = &corev1.Probe{
		ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/fail", Port: intstr.FromInt32(8080)}},
		PeriodSeconds:    1,
		FailureThreshold: 2,
	}
	_, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "flaky"},
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{ctr},
			TerminationGracePeriodSeconds: ptr.To[int64](5),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "a restart", func() (bool, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "flaky", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 {
			return false, err
		}
		s := p.Status.ContainerStatuses[0]
		return s.RestartCount >= 1 && s.LastTerminationState.Terminated != nil, fmt.Errorf("status %+v", s)
	})
}

// TestDeploymentSecret: a Deployment's pod reads a mounted Secret and an
// env var from it; a ClusterIP Service reaches it by name from the host and
// from another pod; the pod's service-account token works with
// rest.InClusterConfig.
func TestDeploymentSecret(t *testing.T) {
	cs := needCluster(t)
	ctx := context.Background()
	ns := namespace(t, cs, "secrets")
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "creds"},
		StringData: map[string]string{"password": "hunter2"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "reader"}
	ctr := peerContainer()
	ctr.Env = append(ctr.Env, corev1.EnvVar{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "password"},
	}})
	ctr.Args = append(ctr.Args, "--name=reader-$(PASSWORD)")
	ctr.VolumeMounts = []corev1.VolumeMount{{Name: "creds", MountPath: "/etc/creds", ReadOnly: true}}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "reader"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{ctr},
					Volumes: []corev1.Volume{{Name: "creds", VolumeSource: corev1.VolumeSource{
						Secret: &corev1.SecretVolumeSource{SecretName: "creds"},
					}}},
				},
			},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "reader"},
		Spec: corev1.ServiceSpec{
			Selector: labels,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "the deployment available", func() (bool, error) {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, "reader", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return d.Status.ReadyReplicas == 1, fmt.Errorf("%d ready", d.Status.ReadyReplicas)
	})
	svcURL := "http://reader." + ns + ".svc.cluster.local"
	eventually(t, time.Minute, "the secret through the Service", func() (bool, error) {
		body, err := httpGet(ctx, svcURL+"/file?path=/etc/creds/password")
		return body == "hunter2", err
	})
	if body, err := httpGet(ctx, svcURL+"/id"); err != nil || !strings.Contains(body, "reader-hunter2") {
		t.Errorf("env from secret: %q %v", body, err)
	}
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=reader"})
	if err != nil || len(pods.Items) != 1 {
		t.Fatalf("pods: %v %v", pods, err)
	}
	podURL := "http://" + pods.Items[0].Status.PodIP + ":8080"
	// From inside a pod: the Service by its short name and its full name.
	for _, u := range []string{"http://reader/id", svcURL + "/id"} {
		eventually(t, time.Minute, "the Service from a pod via "+u, func() (bool, error) {
			body, err := httpGet(ctx, podURL+"/fetch?url="+url.QueryEscape(u))
			return err == nil && strings.Contains(body, "reader-hunter2"), err
		})
	}
	// kubectl works with the cluster's kubeconfig.
	if out, err := cluster.Command(ctx, "kubectl", "-n", ns, "get", "deploy", "reader", "-o", "jsonpath={.status.readyReplicas}").CombinedOutput(); err != nil || string(out) != "1" {
		t.Errorf("kubectl: %q %v", out, err)
	}
	// kubectl logs: the API server asks the kubelet.
	logs, err := cs.CoreV1().Pods(ns).GetLogs(pods.Items[0].Name, &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil || !strings.Contains(string(logs), "peerserver reader-hunter2 listening") {
		t.Errorf("logs = %q, %v", logs, err)
	}
	// In-cluster client configuration from the projected token volume.
	who, err := httpGet(ctx, podURL+"/whoami")
	if err != nil || who != "system:serviceaccount:"+ns+":default" {
		t.Errorf("whoami = %q, %v", who, err)
	}
	// A changed Secret reaches the mounted file.
	s, err := cs.CoreV1().Secrets(ns).Get(ctx, "creds", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Data["password"] = []byte("correct-horse")
	if _, err := cs.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the updated secret in the pod", func() (bool, error) {
		body, err := httpGet(ctx, podURL+"/file?path=/etc/creds/password")
		return body == "correct-horse", err
	})
}

func mustAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	a, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatalf("bad IP %q: %v", s, err)
	}
	return a
}

// TestGracefulDeletion: a pod that ignores nothing gets SIGTERM, exits, and
// its object disappears well before the grace period.
func TestGracefulDeletion(t *testing.T) {
	cs := needCluster(t)
	ctx := context.Background()
	ns := namespace(t, cs, "deletion")
	_, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{peerContainer()},
			TerminationGracePeriodSeconds: ptr.To[int64](60),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "pod ready", func() (bool, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "p", metav1.GetOptions{})
		return err == nil && podReady(p), err
	})
	start := time.Now()
	if err := cs.CoreV1().Pods(ns).Delete(ctx, "p", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "pod gone", func() (bool, error) {
		_, err := cs.CoreV1().Pods(ns).Get(ctx, "p", metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("deletion took %v", d)
	}
}

// TestInitContainer: an init container runs to completion first and
// leaves a file in an emptyDir that the main container serves.
func TestInitContainer(t *testing.T) {
	cs := needCluster(t)
	ctx := context.Background()
	ns := namespace(t, cs, "init")
	main := peerContainer()
	main.VolumeMounts = []corev1.VolumeMount{{Name: "work", MountPath: "/work"}}
	_, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{
				Name:         "prepare",
				Image:        shellImage,
				Command:      []string{"sh", "-c", "echo prepared by $(HOSTNAME) > /work/msg"},
				VolumeMounts: []corev1.VolumeMount{{Name: "work", MountPath: "/work"}},
			}},
			Containers: []corev1.Container{main},
			Volumes:    []corev1.Volume{{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var p *corev1.Pod
	eventually(t, time.Minute, "pod ready", func() (bool, error) {
		p, err = cs.CoreV1().Pods(ns).Get(ctx, "p", metav1.GetOptions{})
		return err == nil && podReady(p), err
	})
	if len(p.Status.InitContainerStatuses) != 1 || p.Status.InitContainerStatuses[0].State.Terminated == nil ||
		p.Status.InitContainerStatuses[0].State.Terminated.ExitCode != 0 {
		t.Errorf("init status: %+v", p.Status.InitContainerStatuses)
	}
	if body, err := httpGet(ctx, "http://"+p.Status.PodIP+":8080/file?path=/work/msg"); err != nil || body != "prepared by p\n" {
		t.Errorf("/work/msg = %q, %v", body, err)
	}
}

// TestKillAfterGrace: a container that ignores SIGTERM is killed once the
// grace period is over, then the pod object goes.
func TestKillAfterGrace(t *testing.T) {
	cs := needCluster(t)
	ctx := context.Background()
	ns := namespace(t, cs, "stubborn")
	_, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:    "sh",
				Image:   shellImage,
				Command: []string{"sh", "-c", "trap '' TERM; echo started; while true; do sleep 1; done"},
			}},
			TerminationGracePeriodSeconds: ptr.To[int64](3),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "pod running", func() (bool, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "p", metav1.GetOptions{})
		return err == nil && podReady(p), err
	})
	start := time.Now()
	if err := cs.CoreV1().Pods(ns).Delete(ctx, "p", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "pod gone", func() (bool, error) {
		_, err := cs.CoreV1().Pods(ns).Get(ctx, "p", metav1.GetOptions{})
		return apierrors.IsNotFound(err), err
	})
	if d := time.Since(start); d < 3*time.Second || d > 20*time.Second {
		t.Errorf("deletion took %v, want the 3s grace period and a little", d)
	}
}
