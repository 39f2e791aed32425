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

package region

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
)

var _ = Describe("Region workload identity", func() {
	ctx := context.Background()

	// served reads one of the API server's issuer discovery documents, as the spec's own
	// client (not the operator's fetcher) sees it.
	served := func(path string) map[string]any {
		cfg := env.Manager.GetConfig()
		hc, err := rest.HTTPClientFor(cfg)
		Expect(err).NotTo(HaveOccurred())
		resp, err := hc.Get(strings.TrimSuffix(cfg.Host, "/") + path) // envtest's Host ends in a slash
		Expect(err).NotTo(HaveOccurred())
		defer func() { _ = resp.Body.Close() }()
		Expect(resp.StatusCode).To(Equal(http.StatusOK), "envtest's API server serves %s", path)
		body, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		var doc map[string]any
		Expect(json.Unmarshal(body, &doc)).To(Succeed())
		return doc
	}
	// file reads the Region's identity file, decoded generically: its field names are
	// kossd's contract.
	file := func(g Gomega, ns string) map[string]any {
		secret := &corev1.Secret{}
		g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "eu-workload-identity"}, secret)).To(Succeed())
		g.Expect(secret.Data).To(HaveLen(1))
		var doc map[string]any
		g.Expect(json.Unmarshal(secret.Data["identity.json"], &doc)).To(Succeed())
		return doc
	}
	roles := func(g Gomega, ns string) []any {
		return file(g, ns)["roles"].([]any)
	}
	role := func(ns, name, keyID string, maxSessionSeconds float64, subjects ...any) map[string]any {
		return map[string]any{"arn": "acs:ram::koss:role/" + ns + "/" + name, "accessKeyId": keyID,
			"subjects": subjects, "maxSessionSeconds": maxSessionSeconds}
	}
	// issue plays the AccessKey controller, which this suite does not run: it writes the
	// key id into the status.
	issue := func(k *kossv1alpha1.AccessKey, id string) {
		Eventually(func() error {
			got := &kossv1alpha1.AccessKey{}
			if err := env.Client.Get(ctx, types.NamespacedName{Namespace: k.Namespace, Name: k.Name}, got); err != nil {
				return err
			}
			got.Status.AccessKeyID = id
			return env.Client.Status().Update(ctx, got)
		}).Should(Succeed())
	}
	update := func(k *kossv1alpha1.AccessKey, mutate func(*kossv1alpha1.AccessKey)) {
		Eventually(func() error {
			got := &kossv1alpha1.AccessKey{}
			if err := env.Client.Get(ctx, types.NamespacedName{Namespace: k.Namespace, Name: k.Name}, got); err != nil {
				return err
			}
			mutate(got)
			return env.Client.Update(ctx, got)
		}).Should(Succeed())
	}

	It("publishes the API server's issuer and keys, and the roles of the Region's issued AccessKeys, to the pods", func() {
		ns := env.NewNamespace(nil)
		r := env.NewRegion(ns, "eu")
		discovery, jwks := served("/.well-known/openid-configuration"), served("/openid/v1/jwks")
		Expect(discovery["issuer"]).NotTo(BeEmpty())
		Expect(jwks["keys"]).NotTo(BeEmpty())

		By("writing the identity Secret, owned by the Region, with the API server's issuer and JWKS and no roles")
		Eventually(func(g Gomega) {
			doc := file(g, ns)
			g.Expect(doc["issuer"]).To(Equal(discovery["issuer"]))
			g.Expect(doc["audience"]).To(Equal("koss.io/" + ns + "/eu"))
			g.Expect(doc["oidcProviderArn"]).To(Equal("acs:ram::koss:oidc-provider/" + ns + "/eu"))
			g.Expect(doc["jwks"]).To(Equal(jwks))
			g.Expect(doc["roles"]).To(BeEmpty())
			secret := &corev1.Secret{}
			g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "eu-workload-identity"}, secret)).To(Succeed())
			controllertest.ExpectOwnedByRegion(g, secret, env.GetRegionNow(g, r))
			g.Expect(secret.Labels).To(HaveKeyWithValue(controllers.LabelManagedBy, controllers.FieldOwner))
			g.Expect(secret.Labels).To(HaveKeyWithValue(controllers.LabelComponent, "workload-identity"))
		}).Should(Succeed())

		By("mounting it in the kossd pods and naming the file to kossd")
		Eventually(func(g Gomega) {
			sts := &appsv1.StatefulSet{}
			g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "eu"}, sts)).To(Succeed())
			spec := sts.Spec.Template.Spec
			g.Expect(spec.Volumes).To(ContainElement(And(
				HaveField("Name", "workload-identity"),
				HaveField("Secret.SecretName", "eu-workload-identity"),
				HaveField("Secret.Optional", ptr.To(true)))))
			g.Expect(spec.Containers[0].VolumeMounts).To(ContainElement(And(
				HaveField("Name", "workload-identity"), HaveField("MountPath", "/etc/koss/workload-identity"), HaveField("ReadOnly", true))))
			g.Expect(spec.Containers[0].Args).To(ContainElement("--workload-identity-file=/etc/koss/workload-identity/identity.json"))
		}).Should(Succeed())

		By("adding the role of an AccessKey with a workload identity once it is issued")
		app := &kossv1alpha1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app"},
			Spec: kossv1alpha1.AccessKeySpec{
				RegionRef:        kossv1alpha1.RegionReference{Name: "eu"},
				WorkloadIdentity: &kossv1alpha1.AccessKeyWorkloadIdentity{ServiceAccounts: []string{"worker", "api"}},
			},
		}
		Expect(env.Client.Create(ctx, app)).To(Succeed())
		static := &kossv1alpha1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "static"},
			Spec:       kossv1alpha1.AccessKeySpec{RegionRef: kossv1alpha1.RegionReference{Name: "eu"}},
		}
		Expect(env.Client.Create(ctx, static)).To(Succeed())
		issue(static, "KOSSSTATIC")
		Consistently(func(g Gomega) { g.Expect(roles(g, ns)).To(BeEmpty()) }).WithTimeout(2 * time.Second).Should(Succeed())
		issue(app, "KOSSAPP1")
		Eventually(func(g Gomega) {
			g.Expect(roles(g, ns)).To(Equal([]any{role(ns, "app", "KOSSAPP1", 3600,
				"system:serviceaccount:"+ns+":api", "system:serviceaccount:"+ns+":worker")}))
		}).Should(Succeed())

		By("following its spec: a rotation overlap shorter than the session caps it, maxSessionDuration sets it")
		update(app, func(k *kossv1alpha1.AccessKey) {
			k.Spec.Rotation = &kossv1alpha1.AccessKeyRotation{Overlap: &metav1.Duration{Duration: 30 * time.Minute}}
			k.Spec.WorkloadIdentity.MaxSessionDuration = &metav1.Duration{Duration: 2 * time.Hour}
		})
		Eventually(func(g Gomega) {
			g.Expect(roles(g, ns)).To(ConsistOf(HaveKeyWithValue("maxSessionSeconds", float64(1800))))
		}).Should(Succeed())
		update(app, func(k *kossv1alpha1.AccessKey) { k.Spec.Rotation = nil })
		Eventually(func(g Gomega) {
			g.Expect(roles(g, ns)).To(ConsistOf(HaveKeyWithValue("maxSessionSeconds", float64(7200))))
		}).Should(Succeed())

		By("following its key id (a rotated or re-issued pair)")
		issue(app, "KOSSAPP2")
		Eventually(func(g Gomega) {
			g.Expect(roles(g, ns)).To(ConsistOf(HaveKeyWithValue("accessKeyId", "KOSSAPP2")))
		}).Should(Succeed())

		By("listing a second AccessKey's role in ARN order")
		batch := &kossv1alpha1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "batch"},
			Spec: kossv1alpha1.AccessKeySpec{
				RegionRef:        kossv1alpha1.RegionReference{Name: "eu"},
				WorkloadIdentity: &kossv1alpha1.AccessKeyWorkloadIdentity{ServiceAccounts: []string{"cron"}},
			},
		}
		Expect(env.Client.Create(ctx, batch)).To(Succeed())
		issue(batch, "KOSSBATCH")
		Eventually(func(g Gomega) {
			g.Expect(roles(g, ns)).To(Equal([]any{
				role(ns, "app", "KOSSAPP2", 7200, "system:serviceaccount:"+ns+":api", "system:serviceaccount:"+ns+":worker"),
				role(ns, "batch", "KOSSBATCH", 3600, "system:serviceaccount:"+ns+":cron"),
			}))
		}).Should(Succeed())

		By("removing the role when spec.workloadIdentity is removed, and when the AccessKey is deleted")
		update(app, func(k *kossv1alpha1.AccessKey) { k.Spec.WorkloadIdentity = nil })
		Eventually(func(g Gomega) {
			g.Expect(roles(g, ns)).To(ConsistOf(HaveKeyWithValue("arn", "acs:ram::koss:role/"+ns+"/batch")))
		}).Should(Succeed())
		Expect(env.Client.Delete(ctx, batch)).To(Succeed())
		Eventually(func(g Gomega) { g.Expect(roles(g, ns)).To(BeEmpty()) }).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(file(g, ns)["jwks"]).To(Equal(jwks), "the keys stay while the roles change")
		}).Should(Succeed())
	})
})
