package localcluster_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/koss-io/koss/hack/localkube/kubelet"
	"github.com/koss-io/koss/hack/localkube/localcluster"
)

func TestBinDirMissing(t *testing.T) {
	t.Setenv("KOSS_K8S_BIN", t.TempDir())
	_, err := localcluster.BinDir()
	if !errors.Is(err, localcluster.ErrBinariesMissing) || !strings.Contains(err.Error(), "hack/build-k8s.sh") {
		t.Fatalf("err = %v", err)
	}
	_, err = localcluster.Start(context.Background(), localcluster.Options{})
	if !errors.Is(err, localcluster.ErrBinariesMissing) {
		t.Fatalf("Start err = %v", err)
	}
}

// TestLeaks proves the leak check can fail: a process carrying the marker
// is found until it is gone.
func TestLeaks(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("sleep", "60")
	cmd.Env = append(os.Environ(), localcluster.MarkerEnv+"="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	leaks, err := localcluster.Leaks(dir)
	if err != nil || len(leaks) != 1 || !strings.Contains(leaks[0], "sleep 60") {
		t.Errorf("leaks = %q, %v", leaks, err)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if leaks, err := localcluster.Leaks(dir); err != nil || len(leaks) != 0 {
		t.Errorf("after kill: %q, %v", leaks, err)
	}
}

// TestStartFailureShowsLog: a component that cannot start fails Start
// with the tail of its log, and leaves nothing behind.
func TestStartFailureShowsLog(t *testing.T) {
	needCluster(t)
	state := t.TempDir()
	_, err := localcluster.Start(context.Background(), localcluster.Options{
		StateDir:       state,
		APIServerFlags: []string{"--no-such-flag"},
	})
	if !errors.Is(err, localcluster.ErrComponentExited) || !strings.Contains(err.Error(), "kube-apiserver") || !strings.Contains(err.Error(), "no-such-flag") {
		t.Fatalf("err = %v", err)
	}
	if leaks, err := localcluster.Leaks(state); err != nil || len(leaks) > 0 {
		t.Errorf("leaks: %q %v", leaks, err)
	}
}

// TestResume stops a cluster with a pod and starts it again on the same
// state directory: objects, the pod (same IP, Running again), its volume
// data and the kubeconfig path survive, and each stop leaves nothing.
func TestResume(t *testing.T) {
	needCluster(t)
	ctx := context.Background()
	state := filepath.Join(t.TempDir(), "state")
	opts := localcluster.Options{
		StateDir:          state,
		Images:            []kubelet.Image{{Prefix: peerImage, Binary: peerServer}},
		RestartBackoff:    time.Second,
		RestartBackoffMax: 5 * time.Second,
	}
	c, err := localcluster.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = c.Stop()
		}
	}()
	cs, err := kubernetes.NewForConfig(c.Config())
	if err != nil {
		t.Fatal(err)
	}
	ctr := peerContainer("--data=/data")
	ctr.VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	_, err = cs.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "keeper"},
		Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{ctr},
			Volumes:                       []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			TerminationGracePeriodSeconds: ptr.To[int64](5),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ip string
	// restarts: the resumed kubelet starts the container again, which counts
	// as a restart (and proves the status is not the stale one).
	waitReady := func(cs kubernetes.Interface, restarts int32) {
		eventually(t, 2*time.Minute, "keeper ready", func() (bool, error) {
			p, err := cs.CoreV1().Pods("default").Get(ctx, "keeper", metav1.GetOptions{})
			if err != nil || len(p.Status.ContainerStatuses) == 0 {
				return false, err
			}
			ip = p.Status.PodIP
			return podReady(p) && p.Status.ContainerStatuses[0].RestartCount == restarts, fmt.Errorf("status %+v", p.Status)
		})
	}
	waitReady(cs, 0)
	firstIP, kubeconfig := ip, c.KubeconfigPath()
	id1, err := httpGet(ctx, "http://"+ip+":8080/id")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if leaks, err := localcluster.Leaks(state); err != nil || len(leaks) > 0 {
		t.Fatalf("leaks after first stop: %q %v", leaks, err)
	}

	c, err = localcluster.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	stopped = false
	if c.KubeconfigPath() != kubeconfig {
		t.Errorf("kubeconfig moved: %s -> %s", kubeconfig, c.KubeconfigPath())
	}
	cs, err = kubernetes.NewForConfig(c.Config())
	if err != nil {
		t.Fatal(err)
	}
	waitReady(cs, 1)
	if ip != firstIP {
		t.Errorf("pod IP changed across restart: %s -> %s", firstIP, ip)
	}
	id2, err := httpGet(ctx, "http://"+ip+":8080/id")
	if err != nil {
		t.Fatal(err)
	}
	token := func(s string) string {
		_, after, _ := strings.Cut(s, `"token":"`)
		tok, _, _ := strings.Cut(after, `"`)
		return tok
	}
	if token(id1) == "" || token(id1) != token(id2) {
		t.Errorf("emptyDir data lost across restart: %s then %s", id1, id2)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	if leaks, err := localcluster.Leaks(state); err != nil || len(leaks) > 0 {
		t.Fatalf("leaks after second stop: %q %v", leaks, err)
	}
}
