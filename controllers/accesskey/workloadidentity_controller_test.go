/*
Copyright 2026 The koss Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package accesskey

import (
	"context"
	"encoding/json"
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
)

var _ = Describe("AccessKey workload identity", func() {
	ctx := context.Background()

	// roles are the roles of the main Region's identity file (the Region controller's).
	roles := func(g Gomega) []map[string]any {
		secret := &corev1.Secret{}
		g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: env.MainRegion.Namespace, Name: "main-workload-identity"}, secret)).To(Succeed())
		var doc struct {
			Roles []map[string]any `json:"roles"`
		}
		g.Expect(json.Unmarshal(secret.Data["identity.json"], &doc)).To(Succeed())
		return doc.Roles
	}

	It("publishes the role, provider, audience and STS endpoint in a ConfigMap and the status, and takes them back", func() {
		ns := env.NewNamespace(controllertest.Served())
		k := &kossv1alpha1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app"},
			Spec: kossv1alpha1.AccessKeySpec{
				RegionRef:        kossv1alpha1.RegionReference{Name: env.MainRegion.Name, Namespace: env.MainRegion.Namespace},
				WorkloadIdentity: &kossv1alpha1.AccessKeyWorkloadIdentity{ServiceAccounts: []string{"worker"}},
			},
		}
		Expect(env.Client.Create(ctx, k)).To(Succeed())
		regionNS := env.MainRegion.Namespace
		endpoint := fmt.Sprintf("main.%s.svc.cluster.local:9000", regionNS)

		By("writing the ConfigMap for envFrom, owned by the AccessKey, and status.workloadIdentity")
		var got *kossv1alpha1.AccessKey
		cm := &corev1.ConfigMap{}
		Eventually(func(g Gomega) {
			c := env.AccessKeyReady(g, k)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue), "Ready: %s %s", c.Reason, c.Message)
			got = env.GetAccessKeyNow(g, k)
			g.Expect(got.Status.WorkloadIdentity).To(Equal(&kossv1alpha1.AccessKeyWorkloadIdentityStatus{
				RoleArn:         "acs:ram::koss:role/" + ns + "/app",
				OIDCProviderArn: "acs:ram::koss:oidc-provider/" + regionNS + "/main",
				Audience:        "koss.io/" + regionNS + "/main",
				STSEndpoint:     endpoint,
				ConfigMapName:   "app-identity",
			}))
			g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "app-identity"}, cm)).To(Succeed())
		}).Should(Succeed())
		Expect(metav1.IsControlledBy(cm, got)).To(BeTrue())
		Expect(cm.Labels).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "koss-operator"))
		secret := &corev1.Secret{}
		Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "app"}, secret)).To(Succeed())
		caCert := string(secret.Data["ca.crt"])
		Expect(caCert).NotTo(BeEmpty(), "the main Region serves TLS")
		Expect(cm.Data).To(Equal(map[string]string{
			"ALIBABA_CLOUD_ROLE_ARN":              "acs:ram::koss:role/" + ns + "/app",
			"ALIBABA_CLOUD_OIDC_PROVIDER_ARN":     "acs:ram::koss:oidc-provider/" + regionNS + "/main",
			"ALIBABA_CLOUD_OIDC_TOKEN_FILE":       "/var/run/secrets/koss.io/sts/token",
			"ALIBABA_CLOUD_STS_ENDPOINT":          endpoint,
			"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
			"OSS_ENDPOINT":                        string(secret.Data["OSS_ENDPOINT"]),
			"OSS_REGION":                          string(secret.Data["OSS_REGION"]),
			"KOSS_STS_AUDIENCE":                   "koss.io/" + regionNS + "/main",
			"ca.crt":                              caCert,
		}))
		Expect(cm.Data["OSS_ENDPOINT"]).To(Equal("https://" + endpoint))

		By("never putting the key's secret in the ConfigMap, the status or an event")
		sk := string(secret.Data["accessKeySecret"])
		Expect(sk).NotTo(BeEmpty())
		for key, v := range cm.Data {
			Expect(v).NotTo(ContainSubstring(sk), "ConfigMap key %s", key)
		}
		status, err := json.Marshal(got.Status)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(status)).NotTo(ContainSubstring(sk))

		By("giving the Region the role of the issued key")
		Eventually(func(g Gomega) {
			g.Expect(roles(g)).To(ContainElement(map[string]any{
				"arn": "acs:ram::koss:role/" + ns + "/app", "accessKeyId": got.Status.AccessKeyID,
				"subjects": []any{"system:serviceaccount:" + ns + ":worker"}, "maxSessionSeconds": float64(3600),
			}))
		}).Should(Succeed())

		By("deleting the ConfigMap and clearing the status when spec.workloadIdentity is removed")
		Eventually(func() error {
			cur := &kossv1alpha1.AccessKey{}
			if err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "app"}, cur); err != nil {
				return err
			}
			cur.Spec.WorkloadIdentity = nil
			return env.Client.Update(ctx, cur)
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(env.GetAccessKeyNow(g, k).Status.WorkloadIdentity).To(BeNil())
			err := env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "app-identity"}, &corev1.ConfigMap{})
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "ConfigMap: %v", err)
			for _, r := range roles(g) {
				g.Expect(r["arn"]).NotTo(Equal("acs:ram::koss:role/" + ns + "/app"))
			}
		}).Should(Succeed())
		Expect(env.AccessKeyReady(Default, k).Status).To(Equal(metav1.ConditionTrue), "the static key keeps working")
	})

	It("leaves a ConfigMap it does not own alone and says so", func() {
		ns := env.NewNamespace(controllertest.Served())
		theirs := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app-identity"}, Data: map[string]string{"mine": "yes"}}
		Expect(env.Client.Create(ctx, theirs)).To(Succeed())
		k := &kossv1alpha1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app"},
			Spec: kossv1alpha1.AccessKeySpec{
				RegionRef:        kossv1alpha1.RegionReference{Name: env.MainRegion.Name, Namespace: env.MainRegion.Namespace},
				WorkloadIdentity: &kossv1alpha1.AccessKeyWorkloadIdentity{ServiceAccounts: []string{"worker"}},
			},
		}
		Expect(env.Client.Create(ctx, k)).To(Succeed())
		Eventually(func(g Gomega) {
			c := env.AccessKeyReady(g, k)
			g.Expect(c.Reason).To(Equal(kossv1alpha1.AccessKeyConfigMapConflictReason), "Ready: %s %s", c.Reason, c.Message)
		}).Should(Succeed())
		got := &corev1.ConfigMap{}
		Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "app-identity"}, got)).To(Succeed())
		Expect(got.Data).To(Equal(map[string]string{"mine": "yes"}))
		Expect(got.OwnerReferences).To(BeEmpty())
		Expect(env.GetAccessKeyNow(Default, k).Status.WorkloadIdentity).To(BeNil())
	})
})
