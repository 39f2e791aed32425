package kubelet

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// testLayer is a layer of regular files and directories (name ending in /).
func testLayer(t *testing.T, files map[string][]byte, modes map[string]int64) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		h := &tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(data))}
		if strings.HasSuffix(name, "/") {
			h = &tar.Header{Name: name, Mode: 0o755, Typeflag: tar.TypeDir}
		}
		if m, ok := modes[name]; ok {
			h.Mode = m
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// writeTestStore writes an OCI layout holding ref: an index with one image
// for this machine's platform.
func writeTestStore(t *testing.T, dir, ref string, layers []v1.Layer, cfg v1.Config) {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Config = "linux", runtime.GOARCH, cfg
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{
		Platform: &v1.Platform{OS: "linux", Architecture: runtime.GOARCH},
	}})
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{refNameAnnotation: ref})); err != nil {
		t.Fatal(err)
	}
}

func TestImageStoreResolve(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "oci")
	writeTestStore(t, store, "example.test/app:v1", []v1.Layer{
		testLayer(t, map[string][]byte{"etc/": nil, "etc/passwd": []byte("nonroot:x:65532:65533::/:/x\n"), "app": []byte("v1")}, map[string]int64{"app": 0o755}),
		testLayer(t, map[string][]byte{"app": []byte("v2")}, map[string]int64{"app": 0o755}),
	}, v1.Config{User: "nonroot", Entrypoint: []string{"/app"}})
	s := &imageStore{layoutDir: store, cacheDir: filepath.Join(dir, "cache")}

	img, err := s.resolve("example.test/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	// Layers are flattened: the upper layer's file wins.
	if b, err := os.ReadFile(filepath.Join(img.RootFS, "app")); err != nil || string(b) != "v2" {
		t.Errorf("app = %q, %v; want the upper layer's v2", b, err)
	}
	if fi, err := os.Stat(filepath.Join(img.RootFS, "app")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("app mode: %v %v", fi, err)
	}
	if !strings.HasPrefix(img.Digest, "sha256:") || !strings.Contains(img.RootFS, strings.TrimPrefix(img.Digest, "sha256:")) {
		t.Errorf("not cached by digest: %s at %s", img.Digest, img.RootFS)
	}
	uid, gid, err := imageUser(img.Config.User, img.RootFS)
	if err != nil || uid != 65532 || gid != 65533 {
		t.Errorf("user nonroot = %d:%d, %v; want 65532:65533 from the image's /etc/passwd", uid, gid, err)
	}
	// A second resolution reuses the unpacked tree.
	marker := filepath.Join(img.RootFS, "marker")
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.resolve("example.test/app:v1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("unpacked again: %v", err)
	}
	for _, ref := range []string{"example.test/app:v2", "example.test/other:v1", "example.test/app"} {
		if _, err := s.resolve(ref); !errors.Is(err, ErrImagePull) {
			t.Errorf("resolve(%q) = %v, want ErrImagePull", ref, err)
		}
	}
	missing := &imageStore{layoutDir: filepath.Join(dir, "none"), cacheDir: filepath.Join(dir, "cache")}
	if _, err := missing.resolve("example.test/app:v1"); !errors.Is(err, ErrImagePull) {
		t.Errorf("no store: %v, want ErrImagePull", err)
	}
}

func TestImageArgvAndUser(t *testing.T) {
	cfg := v1.Config{Entrypoint: []string{"/kossd"}, Cmd: []string{"server"}, User: "65532:65532"}
	for name, tc := range map[string]struct {
		command, args []string
		want          string
	}{
		"image defaults":    {want: "/kossd server"},
		"args replace cmd":  {args: []string{"dev", "--nodes=1"}, want: "/kossd dev --nodes=1"},
		"command drops cmd": {command: []string{"/kossd", "version"}, want: "/kossd version"},
		"command and args":  {command: []string{"/other"}, args: []string{"x"}, want: "/other x"},
	} {
		c := &corev1.Container{Command: tc.command, Args: tc.args}
		if got := strings.Join(imageArgv(cfg, c, tc.command, tc.args), " "); got != tc.want {
			t.Errorf("%s: argv %q, want %q", name, got, tc.want)
		}
	}

	img := &storeImage{Config: cfg, RootFS: t.TempDir()}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}, Spec: corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{FSGroup: ptr.To[int64](2000), RunAsNonRoot: ptr.To(true)},
	}}
	u, err := containerUser(img, pod, &corev1.Container{Name: "c"})
	if err != nil || u.UID != 65532 || u.GID != 65532 || len(u.Groups) != 1 || u.Groups[0] != 2000 {
		t.Errorf("image user: %+v, %v", u, err)
	}
	u, err = containerUser(img, pod, &corev1.Container{Name: "c", SecurityContext: &corev1.SecurityContext{RunAsUser: ptr.To[int64](1000)}})
	if err != nil || u.UID != 1000 {
		t.Errorf("runAsUser override: %+v, %v", u, err)
	}
	root := &storeImage{Config: v1.Config{Entrypoint: []string{"/x"}}, RootFS: t.TempDir()}
	if _, err := containerUser(root, pod, &corev1.Container{Name: "c"}); !errors.Is(err, ErrConfig) {
		t.Errorf("runAsNonRoot with a root image: %v, want ErrConfig", err)
	}
}

// TestImageContainer runs a static binary from an image the way the
// kubelet does: only the image's files (no shell), its working directory,
// its user with the fsGroup as supplementary group, its env under the
// container's, a read-only root with a writable volume, no_new_privs.
func TestImageContainer(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for mount namespaces")
	}
	dir := t.TempDir()
	probe := filepath.Join(dir, "imageprobe")
	build := exec.Command("go", "build", "-o", probe, "./testdata/imageprobe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the probe: %v\n%s", err, out)
	}
	bin, err := os.ReadFile(probe)
	if err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "oci")
	writeTestStore(t, store, "example.test/probe:v1", []v1.Layer{
		testLayer(t, map[string][]byte{"probe": bin, "work/": nil}, map[string]int64{"probe": 0o755}),
	}, v1.Config{Entrypoint: []string{"/probe"}, Cmd: []string{"from-cmd"}, User: "65532:65532", WorkingDir: "/work",
		Env: []string{"PATH=/", "FOO=image", "BAR=image"}})
	img, err := (&imageStore{layoutDir: store, cacheDir: filepath.Join(dir, "cache")}).resolve("example.test/probe:v1")
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	for _, d := range []string{data, filepath.Join(dir, "rootfs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	w := &podWorker{dir: dir}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}, Spec: corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{FSGroup: ptr.To[int64](65532), RunAsNonRoot: ptr.To(true)},
	}}
	// The data volume is root's 0755 until fsGroup gives it to the pod.
	if err := w.applyFSGroup(pod, "data", data); err != nil {
		t.Fatal(err)
	}
	r := &containerRunner{w: w, spec: corev1.Container{Name: "probe", Image: "example.test/probe:v1",
		SecurityContext: &corev1.SecurityContext{ReadOnlyRootFilesystem: ptr.To(true), AllowPrivilegeEscalation: ptr.To(false)}}}
	spec := &podInitSpec{
		RootFS: filepath.Join(dir, "rootfs"),
		Mounts: []initMount{{Source: data, Target: "/data"}},
		Argv:   imageArgv(img.Config, &r.spec, nil, nil),
		Env:    []string{"PATH=/", "FOO=image", "BAR=container"},
	}
	if err := r.imageSpec(spec, img, pod); err != nil {
		t.Fatal(err)
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
	for _, want := range []string{"args=from-cmd\n", "uid=65532 gid=65532 groups=[65532]\n", "cwd=/work\n",
		"FOO=image BAR=container\n", "no-shell\n", "root-readonly\n", "data-writable\n", "no-new-privs\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if fi, err := os.Stat(filepath.Join(data, "out")); err != nil {
		t.Errorf("volume write: %v", err)
	} else if st := fi.Sys().(*syscall.Stat_t); st.Uid != 65532 {
		t.Errorf("file written as uid %d, want 65532", st.Uid)
	}
	if _, err := os.Stat(filepath.Join(img.RootFS, "probe-root-write")); err == nil {
		t.Error("the container wrote into the shared image tree")
	}
}
