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
	"fmt"
	"net"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/pki"
)

// certificateCRD is a minimal stand-in for cert-manager's Certificate CRD: the kind
// served, its schema left open. The operator only writes Certificates and reads the
// Secret cert-manager fills; cert-manager itself is simulated by the test writing it.
func certificateCRD() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": "certificates.cert-manager.io"},
		"spec": map[string]any{
			"group": "cert-manager.io",
			"scope": "Namespaced",
			"names": map[string]any{"plural": "certificates", "singular": "certificate", "kind": "Certificate", "listKind": "CertificateList"},
			"versions": []any{map[string]any{
				"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
			}},
		},
	}}
}

func newCertificate() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("cert-manager.io/v1")
	u.SetKind("Certificate")
	return u
}

var _ = Describe("Region TLS with cert-manager", Ordered, func() {
	ctx := context.Background()

	It("says so in Degraded, with a Warning, when the Region names an issuer but cert-manager is not installed", func() {
		ns := env.NewNamespace(nil)
		r := env.NewRegion(ns, "nocm", func(r *kossv1alpha1.Region) {
			r.Spec.TLS.IssuerRef = &kossv1alpha1.IssuerReference{Name: "corp-ca", Kind: "ClusterIssuer"}
		})
		Eventually(func(g Gomega) {
			got := env.GetRegionNow(g, r)
			c := controllertest.ConditionOf(got.Status.Conditions, kossv1alpha1.RegionDegradedCondition)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(c.Reason).To(Equal(kossv1alpha1.RegionCertificateUnavailableReason))
			g.Expect(c.Message).To(ContainSubstring("install cert-manager"))
			g.Expect(controllertest.EventReasons(env.EventsFor(g, got))).To(ContainElement("CertManagerMissing"))
		}).Should(Succeed())
		Expect(apierrors.IsNotFound(env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "nocm-ca"}, &corev1.Secret{}))).To(BeTrue(),
			"the operator fell back to a CA of its own although the Region names an issuer")
	})

	It("applies a Certificate for the Region's names, makes no CA of its own, and runs the pods on the Secret cert-manager writes", func() {
		By("cert-manager's Certificate kind is served")
		Expect(env.Client.Create(ctx, certificateCRD())).To(Succeed())
		Eventually(func(g Gomega) {
			list := &unstructured.UnstructuredList{}
			list.SetAPIVersion("cert-manager.io/v1")
			list.SetKind("CertificateList")
			g.Expect(env.Client.List(ctx, list)).To(Succeed())
		}).WithTimeout(30 * time.Second).Should(Succeed())

		ns := env.NewNamespace(nil)
		r := env.NewRegion(ns, "cm", func(r *kossv1alpha1.Region) {
			r.Spec.TLS.IssuerRef = &kossv1alpha1.IssuerReference{Name: "corp-ca", Kind: "ClusterIssuer"}
		})
		key := func(name string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: name} }

		By("a Certificate for the Services and pods, with the Region's issuer, into Secret cm-tls")
		cert := newCertificate()
		var dnsNames []string
		Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key("cm-tls"), cert)).To(Succeed())
			secretName, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
			g.Expect(secretName).To(Equal("cm-tls"))
			issuer, _, _ := unstructured.NestedStringMap(cert.Object, "spec", "issuerRef")
			g.Expect(issuer).To(Equal(map[string]string{"name": "corp-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}))
			usages, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "usages")
			g.Expect(usages).To(ContainElements("server auth", "client auth"))
			dnsNames, _, _ = unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
			g.Expect(dnsNames).To(ContainElements("cm."+ns+".svc.cluster.local", "*.cm-peers."+ns+".svc.cluster.local"))
			g.Expect(cert.GetOwnerReferences()).To(ContainElement(HaveField("UID", r.UID)))
		}).Should(Succeed())
		ips, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "ipAddresses")

		By("no CA of the operator's own: cert-manager's issuer is the Region's CA")
		Consistently(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, key("cm-ca"), &corev1.Secret{}))
		}).WithTimeout(2*time.Second).Should(BeTrue(), "the operator made a CA Secret although the Region names an issuer")

		By("until cert-manager issues, Degraded says the Region waits for it, with cert-manager's reason")
		// The stand-in CRD has no status subresource: the status is written with the object,
		// read again on a 409 Conflict (the operator applies the Certificate meanwhile).
		Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key("cm-tls"), cert)).To(Succeed())
			cert.Object["status"] = map[string]any{"conditions": []any{map[string]any{
				"type": "Ready", "status": "False", "reason": "Issuing", "message": "Issuing certificate as Secret does not exist",
			}}}
			g.Expect(env.Client.Update(ctx, cert)).To(Succeed())
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			c := controllertest.ConditionOf(env.GetRegionNow(g, r).Status.Conditions, kossv1alpha1.RegionDegradedCondition)
			g.Expect(c.Reason).To(Equal(kossv1alpha1.RegionCertificateUnavailableReason))
			g.Expect(c.Message).To(ContainSubstring("Waiting for cert-manager to issue the certificate into Secret cm-tls"))
			g.Expect(c.Message).To(ContainSubstring("Issuing: Issuing certificate as Secret does not exist"))
		}).Should(Succeed())

		By("cert-manager (simulated) fills the Secret; the pods mount it, the endpoints are https")
		ca, err := pki.NewCA("corp CA", 24*time.Hour, time.Now())
		Expect(err).NotTo(HaveOccurred())
		var parsedIPs []net.IP
		for _, s := range ips {
			parsedIPs = append(parsedIPs, net.ParseIP(s))
		}
		leaf, err := pki.Issue(ca, pki.Request{CommonName: "cm." + ns, DNSNames: dnsNames, IPs: parsedIPs, Usage: pki.UsageServer | pki.UsageClient, Validity: time.Hour}, time.Now())
		Expect(err).NotTo(HaveOccurred())
		written := &corev1.Secret{}
		written.Name, written.Namespace, written.Type = "cm-tls", ns, corev1.SecretTypeTLS
		written.Data = map[string][]byte{"ca.crt": ca.CertPEM, "tls.crt": leaf.CertPEM, "tls.key": leaf.KeyPEM}
		// cert-manager copies the Certificate's secretTemplate labels onto the Secret.
		written.Labels, _, _ = unstructured.NestedStringMap(cert.Object, "spec", "secretTemplate", "labels")
		Expect(env.Client.Create(ctx, written)).To(Succeed())
		Eventually(func(g Gomega) {
			sts := &appsv1.StatefulSet{}
			g.Expect(env.Client.Get(ctx, key("cm"), sts)).To(Succeed())
			var mounted string
			for _, v := range sts.Spec.Template.Spec.Volumes {
				if v.Secret != nil && v.Name == "tls" {
					mounted = v.Secret.SecretName
				}
			}
			g.Expect(mounted).To(Equal("cm-tls"))
			g.Expect(sts.Spec.Template.Spec.Containers[0].Args).To(ContainElements("--tls-cert-file=/etc/koss/tls/tls.crt", "--peer-tls-ca-file=/etc/koss/tls/ca.crt"))
			got := env.GetRegionNow(g, r)
			g.Expect(got.Status.Endpoints.Internal).To(Equal(fmt.Sprintf("https://cm.%s.svc.cluster.local:9000", ns)))
			c := controllertest.ConditionOf(got.Status.Conditions, kossv1alpha1.RegionDegradedCondition)
			g.Expect(c.Reason).NotTo(Equal(kossv1alpha1.RegionCertificateUnavailableReason), "still waiting for the certificate: %s", c.Message)
		}).Should(Succeed())

		By("the operator never rewrites the certificate cert-manager wrote")
		Consistently(func(g Gomega) {
			s := &corev1.Secret{}
			g.Expect(env.Client.Get(ctx, key("cm-tls"), s)).To(Succeed())
			g.Expect(s.Data["tls.crt"]).To(Equal(leaf.CertPEM))
			g.Expect(s.Data["ca.crt"]).To(Equal(ca.CertPEM))
		}).WithTimeout(3 * time.Second).Should(Succeed())
	})
})
