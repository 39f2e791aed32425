package localcluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrBinariesMissing means the Kubernetes binaries are not built yet.
var ErrBinariesMissing = errors.New("kubernetes binaries missing")

// Components the harness runs as processes.
var requiredBinaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"}

// BinDir returns where the Kubernetes binaries are: $KOSS_K8S_BIN, else
// <repo>/bin/k8s (filled by hack/build-k8s.sh). It checks that every
// binary the harness needs is there.
func BinDir() (string, error) {
	dir := os.Getenv("KOSS_K8S_BIN")
	if dir == "" {
		root, err := RepoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "bin", "k8s")
	}
	return dir, checkBinaries(dir)
}

func checkBinaries(dir string) error {
	var missing []string
	for _, b := range requiredBinaries {
		if fi, err := os.Stat(filepath.Join(dir, b)); err != nil || fi.Mode()&0o111 == 0 {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s not found in %s; build them with hack/build-k8s.sh (make k8s-tools, ~15 min the first time) or point KOSS_K8S_BIN at a directory holding them",
			ErrBinariesMissing, strings.Join(missing, ", "), dir)
	}
	return nil
}

// RepoRoot finds the koss checkout: from this source file when it is
// available (tests), else by walking up from the working directory to the
// go.mod of github.com/koss-io/koss.
func RepoRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root := filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
		if isKossRoot(root) {
			return root, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if isKossRoot(d) {
			return d, nil
		}
		if d == filepath.Dir(d) {
			return "", fmt.Errorf("localcluster: no koss checkout above %s", wd)
		}
	}
}

func isKossRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && strings.Contains(string(b), "module github.com/koss-io/koss\n")
}
