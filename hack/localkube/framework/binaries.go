package framework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ErrBinaryMissing means an executable the local cluster needs is not built.
var ErrBinaryMissing = errors.New("binary missing")

// ErrBuild means building a binary failed.
var ErrBuild = errors.New("build failed")

// Images the chart and the operator refer to (hack/imagebuild names them
// <repository>:<chart appVersion>).
const (
	KossdImage   = "koss/kossd"
	ManagerImage = "koss/manager"
)

// k8sBinaries are what Start and the install steps run from Binaries.K8sDir.
var k8sBinaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "helm"}

// Binaries are what a local koss cluster runs.
type Binaries struct {
	// Images is the image store of the process kubelets: the OCI layout
	// `make images` writes (bin/images/oci), holding koss/kossd and
	// koss/manager; pods run from these images.
	Images string
	// K8sDir holds etcd, kube-apiserver, kube-controller-manager,
	// kube-scheduler, kubectl and helm (hack/build-k8s.sh).
	K8sDir string
}

// DefaultBinaries are where `make images` and hack/build-k8s.sh put them,
// overridden by $KOSS_IMAGES and $KOSS_K8S_BIN.
func DefaultBinaries(root string) Binaries {
	b := Binaries{
		Images: filepath.Join(root, "bin", "images", "oci"),
		K8sDir: filepath.Join(root, "bin", "k8s"),
	}
	if v := os.Getenv("KOSS_IMAGES"); v != "" {
		b.Images = v
	}
	if v := os.Getenv("KOSS_K8S_BIN"); v != "" {
		b.K8sDir = v
	}
	return b
}

// Check reports every missing piece at once, with how to build it.
func (b Binaries) Check() error {
	var missing []string
	if _, err := os.Stat(filepath.Join(b.Images, "index.json")); err != nil {
		missing = append(missing, fmt.Sprintf("images (an OCI layout at %s): run `make images`, or set KOSS_IMAGES", b.Images))
	}
	var k8s []string
	for _, name := range k8sBinaries {
		if !executable(filepath.Join(b.K8sDir, name)) {
			k8s = append(k8s, name)
		}
	}
	if len(k8s) > 0 {
		missing = append(missing, fmt.Sprintf("%s (in %s): run `make k8s-tools` (hack/build-k8s.sh builds them from source, ~15 min the first time), or set KOSS_K8S_BIN",
			strings.Join(k8s, ", "), b.K8sDir))
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w:\n  %s", ErrBinaryMissing, strings.Join(missing, "\n  "))
	}
	return nil
}

// BuildImages runs hack/imagebuild (what `make images` runs) in the
// checkout at root: the kossd and manager images for platforms (empty:
// the tool's default, every platform koss ships) into outDir, whose oci/
// layout it returns. Progress and the digests go to w.
func BuildImages(ctx context.Context, root, outDir, platforms string, w io.Writer) (string, error) {
	start := time.Now()
	args := []string{"run", "./hack/imagebuild", "--root", root, "--out", outDir}
	if platforms != "" {
		args = append(args, "--platforms", platforms)
	}
	fmt.Fprintf(w, "==> go run ./hack/imagebuild --out %s (kossd and manager images)\n", relTo(root, outDir))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = prefixWriter(w, "    "), &output
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: hack/imagebuild: %w\n%s", ErrBuild, err, output.String())
	}
	fmt.Fprintf(w, "    built in %v\n", time.Since(start).Round(100*time.Millisecond))
	return filepath.Join(outDir, "oci"), nil
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// GoBuild runs `go build -o out pkg` in the checkout at root, with a
// progress line to w; a failure carries the compiler's output.
func GoBuild(ctx context.Context, root, out, pkg string, w io.Writer) error {
	start := time.Now()
	fmt.Fprintf(w, "==> go build -o %s %s\n", relTo(root, out), pkg)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Dir = root
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: go build %s: %w\n%s", ErrBuild, pkg, err, output.String())
	}
	fmt.Fprintf(w, "    built in %v\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}

// BuildK8s runs hack/build-k8s.sh, which builds the pinned Kubernetes, etcd
// and helm binaries from source into a cache (only the first time; about
// 15 minutes on two cores) and links them into <root>/bin/k8s. Its progress
// goes to w. It returns the directory holding the binaries.
func BuildK8s(ctx context.Context, root string, w io.Writer) (string, error) {
	script := filepath.Join(root, "hack", "build-k8s.sh")
	fmt.Fprintf(w, "==> hack/build-k8s.sh (Kubernetes, etcd and helm from source; cached after the first build)\n")
	start := time.Now()
	cmd := exec.CommandContext(ctx, script)
	cmd.Dir = root
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, prefixWriter(w, "    ")
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%w: hack/build-k8s.sh: %w", ErrBuild, err)
	}
	dir := strings.TrimSpace(stdout.String())
	if dir == "" {
		dir = filepath.Join(root, "bin", "k8s")
	}
	fmt.Fprintf(w, "    ready in %v: %s\n", time.Since(start).Round(100*time.Millisecond), relTo(root, dir))
	return dir, nil
}

// relTo shortens path to be relative to root when it lies inside it.
func relTo(root, path string) string {
	if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// prefixWriter indents every line written through it.
func prefixWriter(w io.Writer, prefix string) io.Writer {
	return &linePrefixer{w: w, prefix: prefix, atStart: true}
}

type linePrefixer struct {
	w       io.Writer
	prefix  string
	atStart bool
}

func (p *linePrefixer) Write(b []byte) (int, error) {
	var out bytes.Buffer
	for _, c := range b {
		if p.atStart {
			out.WriteString(p.prefix)
			p.atStart = false
		}
		out.WriteByte(c)
		if c == '\n' {
			p.atStart = true
		}
	}
	if _, err := p.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(b), nil
}
