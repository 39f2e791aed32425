package e2e

import (
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/hack/localkube/framework"
)

// stsDir is where the identity pods mount their projected token and the
// Region's CA (the ConfigMap's ALIBABA_CLOUD_OIDC_TOKEN_FILE points into it).
const stsDir = "/var/run/secrets/koss.io/sts"

// identityPod is an osscli pod configured for workload identity as the
// README tells users: envFrom the AccessKey's identity ConfigMap, and one
// projected volume with a token for the Region's audience and the CA.
func identityPod(namespace, name, image, serviceAccount string, wi *kossv1alpha1.AccessKeyWorkloadIdentityStatus, args []string) *corev1.Pod {
	p := clientPod(namespace, name, image, serviceAccount, args)
	c := &p.Spec.Containers[0]
	c.EnvFrom = []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: wi.ConfigMapName}}}}
	// credentials-go trusts the default roots, osscli its --ca-file.
	c.Env = []corev1.EnvVar{{Name: "SSL_CERT_FILE", Value: stsDir + "/ca.crt"}, {Name: "OSS_CA_FILE", Value: stsDir + "/ca.crt"}}
	c.VolumeMounts = []corev1.VolumeMount{{Name: "koss-sts", MountPath: stsDir, ReadOnly: true}}
	expiry := int64(3600)
	p.Spec.Volumes = []corev1.Volume{{Name: "koss-sts", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Audience: wi.Audience, ExpirationSeconds: &expiry, Path: "token"}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: wi.ConfigMapName},
				Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
		}}}}}
	return p
}

// createServiceAccount makes namespace/name unless it is there.
func createServiceAccount(ctx context.Context, env *framework.Env, namespace, name string) error {
	err := env.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// workloadIdentitySpec is the e2e spec of workload identity on the sample
// AccessKey: the exchange from tokens the API server mints, then pods
// that run credentials-go's OIDC provider against the Region.
func workloadIdentitySpec(ctx context.Context, env *framework.Env, namespace, regionName, accessKeyName, bucketName string,
	userCreds framework.Credentials, objects map[string]digest) {
	const (
		serviceAccount = "uploader"
		elsewhere      = "e2e-elsewhere"
	)
	image, err := osscliImage(ctx, env)
	must(err)
	must(createServiceAccount(ctx, env, namespace, serviceAccount))
	must(env.RestrictNamespace(ctx, elsewhere))
	must(createServiceAccount(ctx, env, elsewhere, serviceAccount))

	By("naming the ServiceAccount in the AccessKey's spec.workloadIdentity")
	_, err = env.Kubectl(ctx, "patch", "-n", namespace, "accesskey/"+accessKeyName, "--type", "merge", "-p",
		`{"spec":{"workloadIdentity":{"serviceAccounts":["`+serviceAccount+`"]}}}`)
	must(err)
	var wi *kossv1alpha1.AccessKeyWorkloadIdentityStatus
	Eventually(ctx, func(g Gomega) {
		var ak kossv1alpha1.AccessKey
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: accessKeyName}, &ak)).To(Succeed())
		g.Expect(ak.Status.WorkloadIdentity).NotTo(BeNil(), "status.workloadIdentity")
		wi = ak.Status.WorkloadIdentity
		var cm corev1.ConfigMap
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: wi.ConfigMapName}, &cm)).To(Succeed())
		g.Expect(cm.Data).To(HaveKeyWithValue("ALIBABA_CLOUD_ROLE_ARN", wi.RoleArn))
		g.Expect(cm.Data).To(HaveKeyWithValue("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", wi.OIDCProviderArn))
		g.Expect(cm.Data).To(HaveKeyWithValue("ALIBABA_CLOUD_OIDC_TOKEN_FILE", stsDir+"/token"))
		g.Expect(cm.Data).To(HaveKey("ca.crt"))
	}).WithTimeout(time.Minute).WithPolling(time.Second).Should(Succeed())
	fmt.Fprintf(GinkgoWriter, "workload identity: role %s, provider %s, audience %s, STS endpoint %s\n", wi.RoleArn, wi.OIDCProviderArn, wi.Audience, wi.STSEndpoint)

	hc := env.HTTPClientTrusting(userCreds.CACert)
	exchange := func(endpoint, ns, sa, audience string) string {
		tok, err := serviceAccountToken(ctx, env, ns, sa, audience)
		must(err)
		status, code, err := assumeRoleWithOIDC(ctx, hc, endpoint, wi.RoleArn, wi.OIDCProviderArn, tok)
		if err != nil {
			return err.Error()
		}
		return fmt.Sprintf("%d %s", status, code)
	}
	By("every kossd pod exchanging a token of the ServiceAccount, once the trust file reached it")
	start := time.Now()
	eps, err := podEndpoints(ctx, env, namespace, regionName)
	must(err)
	Expect(eps).To(HaveLen(3), "ready kossd pods")
	for pod, ep := range eps {
		Eventually(ctx, func() string { return exchange(ep, namespace, serviceAccount, wi.Audience) }).
			WithTimeout(2*time.Minute).WithPolling(2*time.Second).Should(Equal("200 "), "the exchange at pod %s", pod)
	}
	fmt.Fprintf(GinkgoWriter, "every kossd pod trusted the role %v after the AccessKey was patched\n", time.Since(start).Round(time.Second))

	By("refusing tokens of another ServiceAccount, of the same name in another namespace, and for another audience")
	Expect(exchange(userCreds.Endpoint, namespace, "default", wi.Audience)).To(Equal("403 AuthenticationFail.NoPermission"))
	Expect(exchange(userCreds.Endpoint, elsewhere, serviceAccount, wi.Audience)).To(Equal("403 AuthenticationFail.NoPermission"))
	Expect(exchange(userCreds.Endpoint, namespace, serviceAccount, "sts.aliyuncs.com")).To(Equal("403 AuthenticationFail.OIDCToken.ClientIdNotMatch"))
	status, code, err := assumeRoleWithOIDC(ctx, hc, userCreds.Endpoint, wi.RoleArn, wi.OIDCProviderArn, "not-a-token")
	must(err)
	Expect(fmt.Sprintf("%d %s", status, code)).To(Equal("400 InvalidParameter.OIDCToken"))

	By("a pod of the ServiceAccount writing with credentials-go's OIDC provider and its projected token, no Secret mounted")
	const writer, intruder = "wi-writer", "wi-intruder"
	for _, p := range []string{writer, intruder} {
		must(deletePod(ctx, env, namespace, p))
	}
	soakArgs := []string{"soak", bucketName, "wi/", "--count", "10", "--interval", "100ms"}
	Expect(env.Client.Create(ctx, identityPod(namespace, writer, image, serviceAccount, wi, soakArgs))).To(Succeed())
	phase, logs, err := podResult(ctx, env, namespace, writer, 3*time.Minute)
	must(err)
	fmt.Fprintf(GinkgoWriter, "pod %s: %s\n%s\n", writer, phase, logs)
	Expect(phase).To(Equal(corev1.PodSucceeded), "the identity pod failed:\n%s", logs)
	sum, err := parseSoakSummary(logs)
	must(err)
	Expect(sum.Failed).To(BeZero())
	Expect(sum.Acknowledged).To(Equal(10))
	Expect(logs).NotTo(ContainSubstring("accessKeySecret"), "the pod logged a secret")
	// What the pod wrote reads back with the AccessKey's own static pair.
	keys, err := list(ctx, env.OSSClient(userCreds), bucketName, "wi/")
	must(err)
	written := 0
	for _, k := range keys {
		if strings.HasSuffix(k, "acknowledged.txt") {
			continue
		}
		body, err := get(ctx, env.OSSClient(userCreds), bucketName, k)
		must(err)
		objects[k] = digestOf(body)
		written++
	}
	Expect(written).To(Equal(10), "objects under wi/: %v", keys)

	By("a pod of another ServiceAccount with the same configuration getting nothing")
	Expect(env.Client.Create(ctx, identityPod(namespace, intruder, image, "default",
		wi, []string{"put", bucketName, "wi/intruder", "/etc/passwd"}))).To(Succeed())
	phase, logs, err = podResult(ctx, env, namespace, intruder, 3*time.Minute)
	must(err)
	fmt.Fprintf(GinkgoWriter, "pod %s: %s\n%s\n", intruder, phase, logs)
	Expect(phase).To(Equal(corev1.PodFailed))
	Expect(logs).To(ContainSubstring("AuthenticationFail.NoPermission"))
	_, err = get(ctx, env.OSSClient(userCreds), bucketName, "wi/intruder")
	Expect(describeErr(err)).To(Equal("NoSuchKey (404)"))
	for _, p := range []string{writer, intruder} {
		must(deletePod(ctx, env, namespace, p))
	}
}
