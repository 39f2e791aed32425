package envtest_smoke

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// buildScript is where the pinned versions and the build live, relative to
// this package (go test runs in the package directory).
const buildScript = "../../hack/build-k8s.sh"

// assetBinaries are the binaries envtest executes or hands to tests.
var assetBinaries = []string{"kube-apiserver", "etcd", "kubectl"}

var (
	errAssetsUnset   = errors.New("KUBEBUILDER_ASSETS is not set")
	errAssetMissing  = errors.New("control-plane binary missing")
	errPinNotFound   = errors.New("K8S_VERSION pin not found")
	testEnv          *envtest.Environment
	cfg              *rest.Config
	k8sClient        client.Client
	wantK8sVersion   string
	k8sVersionPinRef = regexp.MustCompile(`(?m)^K8S_VERSION=(v[0-9]+\.[0-9]+\.[0-9]+)$`)
)

func TestEnvtestSmoke(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "envtest smoke suite")
}

// checkAssets returns the asset directory when it holds every binary envtest
// needs as an executable file (symlinks into the build cache are followed).
func checkAssets() (string, error) {
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		return "", errAssetsUnset
	}
	for _, name := range assetBinaries {
		path := filepath.Join(dir, name)
		info, err := os.Stat(path)
		if err != nil {
			return "", fmt.Errorf("%w: %s: %w", errAssetMissing, path, err)
		}
		if !info.Mode().IsRegular() || info.Mode().Perm()&0o111 == 0 {
			return "", fmt.Errorf("%w: %s is not an executable file", errAssetMissing, path)
		}
	}
	return dir, nil
}

// pinnedK8sVersion reads K8S_VERSION from the build script, so the expected
// version cannot drift from what the script builds.
func pinnedK8sVersion() (string, error) {
	script, err := os.ReadFile(buildScript)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", buildScript, err)
	}
	m := k8sVersionPinRef.FindSubmatch(script)
	if m == nil {
		return "", fmt.Errorf("%w in %s", errPinNotFound, buildScript)
	}
	return string(m[1]), nil
}

var _ = BeforeSuite(func() {
	logf.SetLogger(GinkgoLogr)

	var err error
	wantK8sVersion, err = pinnedK8sVersion()
	Expect(err).NotTo(HaveOccurred())

	dir, err := checkAssets()
	if err != nil {
		Fail(fmt.Sprintf("%v\nBuild the pinned control plane with hack/build-k8s.sh (or make k8s-tools) "+
			"and run with KUBEBUILDER_ASSETS=<repo>/bin/k8s, e.g.\n"+
			"  KUBEBUILDER_ASSETS=$(hack/build-k8s.sh) go test ./controllers/envtest_smoke/...", err))
	}
	GinkgoWriter.Printf("using control plane binaries from %s\n", dir)

	testEnv = &envtest.Environment{
		BinaryAssetsDirectory: dir,
		// The box is a shared 2-core machine: allow a slow first start.
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred(), "envtest could not start kube-apiserver and etcd from %s", dir)
	Expect(cfg).NotTo(BeNil())

	k8sClient, err = client.New(cfg, client.Options{})
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})
