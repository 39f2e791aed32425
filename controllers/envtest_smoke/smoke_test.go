package envtest_smoke

import (
	"encoding/json"
	"io"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

var _ = Describe("the source-built control plane", func() {
	It("stores a ConfigMap and reads it back", func(ctx SpecContext) {
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: "smoke", Namespace: "default"},
			Data:       map[string]string{"greeting": "hello from etcd"},
		}
		Expect(k8sClient.Create(ctx, cm)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) {
			Expect(k8sClient.Delete(ctx, cm)).To(Succeed())
		})

		var got corev1.ConfigMap
		Expect(k8sClient.Get(ctx, types.NamespacedName{Name: "smoke", Namespace: "default"}, &got)).To(Succeed())
		Expect(got.Data).To(Equal(cm.Data))
		Expect(got.UID).NotTo(BeEmpty(), "the object came from the server, not the client cache")
	})

	It("reports the pinned Kubernetes version", func() {
		dc, err := discovery.NewDiscoveryClientForConfig(cfg)
		Expect(err).NotTo(HaveOccurred())
		info, err := dc.ServerVersion()
		Expect(err).NotTo(HaveOccurred())

		major, minor, _ := strings.Cut(strings.TrimPrefix(wantK8sVersion, "v"), ".")
		minor, _, _ = strings.Cut(minor, ".")
		Expect(info.GitVersion).To(Equal(wantK8sVersion), "kube-apiserver does not report the pinned version (an unstamped build says v0.0.0-master)")
		Expect(info.Major).To(Equal(major))
		Expect(info.Minor).To(Equal(minor))
	})

	It("runs the built kubectl with the same client version", func() {
		// A user of its own, in system:masters like envtest's default admin,
		// gives kubectl a kubeconfig for this control plane.
		user, err := testEnv.AddUser(envtest.User{Name: "smoke", Groups: []string{"system:masters"}}, nil)
		Expect(err).NotTo(HaveOccurred())
		kubectl, err := user.Kubectl()
		Expect(err).NotTo(HaveOccurred())
		stdout, stderr, err := kubectl.Run("version", "-o", "json")
		Expect(err).NotTo(HaveOccurred(), "kubectl version failed: %s", readAll(stderr))

		var out struct {
			ClientVersion struct {
				GitVersion string `json:"gitVersion"`
			} `json:"clientVersion"`
			ServerVersion struct {
				GitVersion string `json:"gitVersion"`
			} `json:"serverVersion"`
		}
		Expect(json.Unmarshal([]byte(readAll(stdout)), &out)).To(Succeed())
		Expect(out.ClientVersion.GitVersion).To(Equal(wantK8sVersion), "kubectl does not report the pinned version (an unstamped build says v0.0.0-master)")
		Expect(out.ServerVersion.GitVersion).To(Equal(wantK8sVersion))
	})
})

// readAll drains a kubectl output stream for an assertion or a message.
func readAll(r io.Reader) string {
	if r == nil {
		return ""
	}
	b, err := io.ReadAll(r)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}
