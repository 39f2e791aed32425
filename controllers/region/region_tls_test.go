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
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/controllers/region/certificate"
	"github.com/koss-io/koss/storage/pki"
)

var _ = Describe("Region TLS", func() {
	ctx := context.Background()

	It("issues the Region's CA and a certificate for its Services and pods, and renews it before it expires", func() {
		ns := env.NewNamespace(nil)
		r := env.NewRegion(ns, "tls")
		key := func(name string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: name} }

		By("the manager's reconciler issuing the certificate by default")
		var first *x509.Certificate
		var caPEM []byte
		Eventually(func(g Gomega) {
			region := env.GetRegionNow(g, r)
			ca := &corev1.Secret{}
			g.Expect(env.Client.Get(ctx, key("tls-ca"), ca)).To(Succeed())
			controllertest.ExpectOwnedByRegion(g, ca, region)
			tlsSecret := &corev1.Secret{}
			g.Expect(env.Client.Get(ctx, key("tls-tls"), tlsSecret)).To(Succeed())
			controllertest.ExpectOwnedByRegion(g, tlsSecret, region)
			g.Expect(tlsSecret.Type).To(Equal(corev1.SecretTypeTLS))
			g.Expect(tlsSecret.Data).NotTo(HaveKey(SecretKeyCAKey), "the CA key never reaches the pods' Secret")
			g.Expect(tlsSecret.Data[SecretKeyCACert]).To(Equal(ca.Data[SecretKeyCACert]))
			kp := pki.KeyPair{CertPEM: tlsSecret.Data[SecretKeyTLSCert], KeyPEM: tlsSecret.Data[SecretKeyTLSKey]}
			g.Expect(pki.Valid(kp, ca.Data[SecretKeyCACert], x509.ExtKeyUsageServerAuth, time.Now())).To(Succeed())
			g.Expect(pki.Valid(kp, ca.Data[SecretKeyCACert], x509.ExtKeyUsageClientAuth, time.Now())).To(Succeed())
			cert, err := pki.ParseCertificate(kp.CertPEM)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(cert.DNSNames).To(ContainElements("tls."+ns+".svc", "tls."+ns+".svc.cluster.local", "*.tls-peers."+ns+".svc.cluster.local"))
			for _, host := range []string{"tls." + ns + ".svc.cluster.local", "tls-0.tls-peers." + ns + ".svc"} {
				g.Expect(cert.VerifyHostname(host)).To(Succeed())
			}
			first, caPEM = cert, ca.Data[SecretKeyCACert]
		}).Should(Succeed())

		By("a reconcile before the renewal time keeping the certificate and asking to come back then")
		now := time.Now()
		rec := &Reconciler{Client: env.Client, APIReader: env.Client, Recorder: env.Recorder, Now: func() time.Time { return now }}
		region := &kossv1alpha1.Region{}
		Expect(env.Client.Get(ctx, key("tls"), region)).To(Succeed())
		res, err := rec.reconcileTLS(ctx, &regionScope{region: region})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.RequeueAfter).To(BeNumerically("~", time.Until(pki.RenewalTime(first, 0)), time.Minute))
		tlsSecret := &corev1.Secret{}
		Expect(env.Client.Get(ctx, key("tls-tls"), tlsSecret)).To(Succeed())
		cert, err := pki.ParseCertificate(tlsSecret.Data[SecretKeyTLSCert])
		Expect(err).NotTo(HaveOccurred())
		Expect(cert.SerialNumber).To(Equal(first.SerialNumber))

		By("a reconcile once the renewal time passed issuing a new certificate, from the same CA, before the old expires")
		now = pki.RenewalTime(first, 0).Add(time.Minute)
		Expect(now.Before(first.NotAfter)).To(BeTrue())
		res, err = rec.reconcileTLS(ctx, &regionScope{region: region})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.RequeueAfter).To(BeNumerically(">", 24*time.Hour))
		Eventually(func(g Gomega) {
			s := &corev1.Secret{}
			g.Expect(env.Client.Get(ctx, key("tls-tls"), s)).To(Succeed())
			renewed, err := pki.ParseCertificate(s.Data[SecretKeyTLSCert])
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(renewed.SerialNumber).NotTo(Equal(first.SerialNumber))
			g.Expect(renewed.NotAfter.After(first.NotAfter)).To(BeTrue())
			g.Expect(s.Data[SecretKeyCACert]).To(Equal(caPEM), "clients keep trusting the same CA")
		}).Should(Succeed())

		By("a certificate without the client-auth usage is replaced at once: peers present it to each other in mutual TLS")
		caSecret := &corev1.Secret{}
		Expect(env.Client.Get(ctx, key("tls-ca"), caSecret)).To(Succeed())
		ca := pki.KeyPair{CertPEM: caSecret.Data[SecretKeyCACert], KeyPEM: caSecret.Data[SecretKeyCAKey]}
		// Every name and IP the manager's reconciler wants, so that only the missing usage
		// can be why it is replaced.
		svc := &corev1.Service{}
		Expect(env.Client.Get(ctx, key("tls"), svc)).To(Succeed())
		want := certificate.For(region, headlessServiceName(region), svc)
		serverOnly, err := pki.Issue(ca, pki.Request{CommonName: "tls." + ns, DNSNames: want.DNS, IPs: want.IPs, Usage: pki.UsageServer, Validity: time.Hour}, time.Now())
		Expect(err).NotTo(HaveOccurred())
		// The manager's own reconciler may rewrite the Secret between the read and the
		// write (a 409 Conflict): read again and retry until the write lands.
		Eventually(func(g Gomega) {
			cur := &corev1.Secret{}
			g.Expect(env.Client.Get(ctx, key("tls-tls"), cur)).To(Succeed())
			cur.Data[SecretKeyTLSCert], cur.Data[SecretKeyTLSKey] = serverOnly.CertPEM, serverOnly.KeyPEM
			g.Expect(env.Client.Update(ctx, cur)).To(Succeed())
		}).Should(Succeed())
		now = time.Now()
		Eventually(func(g Gomega) {
			_, err := rec.reconcileTLS(ctx, &regionScope{region: region})
			g.Expect(err).NotTo(HaveOccurred())
			s := &corev1.Secret{}
			g.Expect(env.Client.Get(ctx, key("tls-tls"), s)).To(Succeed())
			kp := pki.KeyPair{CertPEM: s.Data[SecretKeyTLSCert], KeyPEM: s.Data[SecretKeyTLSKey]}
			g.Expect(pki.Valid(kp, caPEM, x509.ExtKeyUsageClientAuth, time.Now())).To(Succeed(), "the server-only certificate was kept")
			g.Expect(pki.Valid(kp, caPEM, x509.ExtKeyUsageServerAuth, time.Now())).To(Succeed())
		}).Should(Succeed())
	})
})

var _ = Describe("Region pods and TLS", func() {
	ctx := context.Background()

	It("runs plain pods with TLS disabled, and rolls TLS out through the pod template when it is turned on", func() {
		ns := env.NewNamespace(nil)
		r := env.NewRegion(ns, "plain", func(r *kossv1alpha1.Region) { r.Spec.TLS.Disabled = true })
		key := func(name string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: name} }
		tlsVolume := func(sts *appsv1.StatefulSet) *corev1.Volume {
			for i, v := range sts.Spec.Template.Spec.Volumes {
				if v.Name == "tls" {
					return &sts.Spec.Template.Spec.Volumes[i]
				}
			}
			return nil
		}

		By("TLS disabled: no CA, no certificate, http endpoint, no TLS in the pod")
		Eventually(func(g Gomega) {
			sts := &appsv1.StatefulSet{}
			g.Expect(env.Client.Get(ctx, key("plain"), sts)).To(Succeed())
			g.Expect(tlsVolume(sts)).To(BeNil())
			g.Expect(strings.Join(sts.Spec.Template.Spec.Containers[0].Args, " ")).NotTo(ContainSubstring("tls"))
			g.Expect(sts.Spec.Template.Spec.Containers[0].ReadinessProbe.HTTPGet.Scheme).NotTo(Equal(corev1.URISchemeHTTPS))
			g.Expect(env.GetRegionNow(g, r).Status.Endpoints.Internal).To(Equal(fmt.Sprintf("http://plain.%s.svc.cluster.local:9000", ns)))
		}).Should(Succeed())
		for _, name := range []string{"plain-ca", "plain-tls"} {
			err := env.Client.Get(ctx, key(name), &corev1.Secret{})
			Expect(apierrors.IsNotFound(err)).To(BeTrue(), "Secret %s exists with TLS disabled: %v", name, err)
		}

		By("turning TLS on: the certificate is issued and the pod template mounts it, with HTTPS probes")
		region := &kossv1alpha1.Region{}
		Expect(env.Client.Get(ctx, key("plain"), region)).To(Succeed())
		patched := region.DeepCopy()
		patched.Spec.TLS.Disabled = false
		Expect(env.Client.Patch(ctx, patched, client.MergeFrom(region))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key("plain-tls"), &corev1.Secret{})).To(Succeed())
			sts := &appsv1.StatefulSet{}
			g.Expect(env.Client.Get(ctx, key("plain"), sts)).To(Succeed())
			v := tlsVolume(sts)
			g.Expect(v).NotTo(BeNil(), "no TLS volume")
			g.Expect(v.Secret).NotTo(BeNil())
			g.Expect(v.Secret.SecretName).To(Equal("plain-tls"))
			c := sts.Spec.Template.Spec.Containers[0]
			g.Expect(c.Args).To(ContainElements("--tls-cert-file=/etc/koss/tls/tls.crt", "--peer-tls-ca-file=/etc/koss/tls/ca.crt"))
			g.Expect(c.ReadinessProbe.HTTPGet.Scheme).To(Equal(corev1.URISchemeHTTPS))
			g.Expect(c.LivenessProbe.HTTPGet.Scheme).To(Equal(corev1.URISchemeHTTPS))
			// A template change, so the StatefulSet controller replaces one pod at a time.
			g.Expect(sts.Spec.UpdateStrategy.Type).To(Equal(appsv1.RollingUpdateStatefulSetStrategyType))
			g.Expect(env.GetRegionNow(g, r).Status.Endpoints.Internal).To(Equal(fmt.Sprintf("https://plain.%s.svc.cluster.local:9000", ns)))
		}).Should(Succeed())
	})
})

var _ = Describe("Region TLS with cert-manager", func() {
	It("describes a cert-manager Certificate for the Region's names with its issuer", func() {
		region := &kossv1alpha1.Region{}
		region.Name, region.Namespace, region.UID = "cm", "team", "uid-1"
		region.Spec.TLS.IssuerRef = &kossv1alpha1.IssuerReference{Name: "corp-ca", Kind: "ClusterIssuer"}
		u := desiredCertificate(region, nil)
		Expect(u.GetAPIVersion()).To(Equal("cert-manager.io/v1"))
		Expect(u.GetKind()).To(Equal("Certificate"))
		Expect(u.GetName()).To(Equal("cm-tls"))
		Expect(u.GetOwnerReferences()).To(ContainElement(HaveField("UID", region.UID)))
		spec := u.Object["spec"].(map[string]any)
		Expect(spec["secretName"]).To(Equal("cm-tls"))
		Expect(spec["usages"]).To(ContainElements("server auth", "client auth"))
		Expect(spec["dnsNames"]).To(ContainElements("cm.team.svc", "*.cm-peers.team.svc.cluster.local"))
		Expect(spec["issuerRef"]).To(Equal(map[string]any{"name": "corp-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"}))
	})
})
