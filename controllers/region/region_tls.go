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
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/region/certificate"
	"github.com/koss-io/koss/storage/pki"
)

// Keys of the TLS Secrets, as cert-manager and kubernetes.io/tls name them.
const (
	SecretKeyCACert  = controllers.SecretKeyCACert
	SecretKeyCAKey   = "ca.key"
	SecretKeyTLSCert = corev1.TLSCertKey
	SecretKeyTLSKey  = corev1.TLSPrivateKeyKey
)

// Lifetimes of the operator's own certificates. The CA outlives many leaves; a leaf is
// renewed once a third of its life is left, so the kubelet's Secret refresh (about a
// minute) and kossd's reload (a second) have weeks to land.
const (
	DefaultCAValidity   = 10 * 365 * 24 * time.Hour
	DefaultCertValidity = 90 * 24 * time.Hour
)

// CASecretName is the Secret of a Region's CA (certificate and key; never mounted in pods).
func CASecretName(region *kossv1alpha1.Region) string { return controllers.RegionCASecretName(region) }

// TLSSecretName is the Secret the pods mount: ca.crt, tls.crt, tls.key.
func TLSSecretName(region *kossv1alpha1.Region) string {
	return controllers.RegionTLSSecretName(region)
}

// reconcileTLS makes sure the Region's pods have a certificate: from the operator's own
// CA (issued, and re-issued before it expires) or, with spec.tls.issuerRef, from a
// cert-manager Certificate. It asks to be called again when the certificate is due.
func (r *Reconciler) reconcileTLS(ctx context.Context, s *regionScope) (ctrl.Result, error) {
	if !s.region.Spec.TLS.Enabled() {
		return ctrl.Result{}, nil
	}
	if s.region.Spec.TLS.IssuerRef != nil {
		return r.reconcileCertManager(ctx, s)
	}
	certNames := certificate.For(s.region, headlessServiceName(s.region), s.observed.clientService)
	now := r.now()
	ca, err := r.ensureCA(ctx, s.region, now)
	if err != nil {
		return ctrl.Result{}, err
	}
	name := types.NamespacedName{Namespace: s.region.Namespace, Name: TLSSecretName(s.region)}
	cur := &corev1.Secret{}
	err = r.Client.Get(ctx, name, cur)
	if err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("get TLS Secret %s: %w", name, err)
	}
	if err == nil {
		kp := pki.KeyPair{CertPEM: cur.Data[SecretKeyTLSCert], KeyPEM: cur.Data[SecretKeyTLSKey]}
		// The pods present the one leaf both as servers and as clients of each other
		// (mutual TLS on the peer port): a leaf without either usage is replaced, as is
		// one whose ca.crt is not the CA's (clients read ca.crt from this Secret).
		if pki.Valid(kp, ca.CertPEM, x509.ExtKeyUsageServerAuth, now) == nil &&
			pki.Valid(kp, ca.CertPEM, x509.ExtKeyUsageClientAuth, now) == nil &&
			string(cur.Data[SecretKeyCACert]) == string(ca.CertPEM) {
			cert, _ := pki.ParseCertificate(kp.CertPEM)
			if renew := pki.RenewalTime(cert, r.RenewBefore); now.Before(renew) && certNames.CoveredBy(cert) {
				return ctrl.Result{RequeueAfter: renew.Sub(now)}, nil
			}
		}
	}
	leaf, err := pki.Issue(ca, pki.Request{
		CommonName: s.region.Name + "." + s.region.Namespace,
		DNSNames:   certNames.DNS,
		IPs:        certNames.IPs,
		// Peers present the same certificate as clients of each other.
		Usage:    pki.UsageServer | pki.UsageClient,
		Validity: r.certValidity(),
	}, now)
	if err != nil {
		return ctrl.Result{}, err
	}
	cert, _ := pki.ParseCertificate(leaf.CertPEM)
	ctrl.LoggerFrom(ctx).Info("Issuing the Region's certificate", "Secret", klog.KRef(name.Namespace, name.Name),
		"serial", cert.SerialNumber.String(), "notAfter", cert.NotAfter)
	secret := corev1ac.Secret(name.Name, name.Namespace).
		WithLabels(labelsFor(s.region, componentStorage)).
		WithOwnerReferences(regionOwnerReference(s.region)).
		WithType(corev1.SecretTypeTLS).
		WithData(map[string][]byte{SecretKeyCACert: ca.CertPEM, SecretKeyTLSCert: leaf.CertPEM, SecretKeyTLSKey: leaf.KeyPEM})
	if err := r.apply(ctx, secret); err != nil {
		return ctrl.Result{}, fmt.Errorf("apply TLS Secret %s: %w", name, err)
	}
	r.Recorder.Eventf(s.region, nil, corev1.EventTypeNormal, "CertificateIssued", "IssueCertificate",
		"Issued certificate %s (valid until %s) into Secret %s", cert.SerialNumber.String(), cert.NotAfter.UTC().Format(time.RFC3339), name.Name)
	return ctrl.Result{RequeueAfter: pki.RenewalTime(cert, r.RenewBefore).Sub(now)}, nil
}

// ensureCA returns the Region's CA, making it once. A CA Secret that no longer holds a
// usable CA is an error, not a reason to make a new one: clients trust the old one.
func (r *Reconciler) ensureCA(ctx context.Context, region *kossv1alpha1.Region, now time.Time) (pki.KeyPair, error) {
	name := types.NamespacedName{Namespace: region.Namespace, Name: CASecretName(region)}
	cur := &corev1.Secret{}
	err := r.APIReader.Get(ctx, name, cur)
	switch {
	case err == nil:
		ca := pki.KeyPair{CertPEM: cur.Data[SecretKeyCACert], KeyPEM: cur.Data[SecretKeyCAKey]}
		if cert, err := pki.ParseCertificate(ca.CertPEM); err != nil || !cert.IsCA || len(ca.KeyPEM) == 0 {
			return pki.KeyPair{}, fmt.Errorf("CA Secret %s holds no usable CA (ca.crt, ca.key)", name)
		}
		return ca, nil
	case !apierrors.IsNotFound(err):
		return pki.KeyPair{}, fmt.Errorf("get CA Secret %s: %w", name, err)
	}
	ca, err := pki.NewCA("koss Region "+region.Namespace+"/"+region.Name, DefaultCAValidity, now)
	if err != nil {
		return pki.KeyPair{}, err
	}
	ctrl.LoggerFrom(ctx).Info("Creating the Region's CA", "Secret", klog.KRef(name.Namespace, name.Name))
	secret := corev1ac.Secret(name.Name, name.Namespace).
		WithLabels(labelsFor(region, componentStorage)).
		WithOwnerReferences(regionOwnerReference(region)).
		WithType(corev1.SecretTypeOpaque).
		WithData(map[string][]byte{SecretKeyCACert: ca.CertPEM, SecretKeyCAKey: ca.KeyPEM})
	if err := r.apply(ctx, secret); err != nil {
		return pki.KeyPair{}, fmt.Errorf("create CA Secret %s: %w", name, err)
	}
	return ca, nil
}

// desiredCertificate is the Region's cert-manager Certificate (certificate.CertManager).
func desiredCertificate(region *kossv1alpha1.Region, svc *corev1.Service) *unstructured.Unstructured {
	return certificate.CertManager(region, certificate.For(region, headlessServiceName(region), svc),
		labelsFor(region, componentStorage), regionOwnerReference(region))
}

// +kubebuilder:rbac:groups=cert-manager.io,resources=certificates,verbs=get;list;watch;create;update;patch;delete

// certManagerPoll is how often a Region waiting for cert-manager looks again: the Secret
// cert-manager writes is not the Region's, so its arrival triggers no reconcile.
const certManagerPoll = 15 * time.Second

// reconcileCertManager applies the Region's cert-manager Certificate and checks that
// cert-manager has filled its Secret; until it has, the Degraded condition says why, with
// cert-manager's own reason, instead of pods that silently wait for a volume.
func (r *Reconciler) reconcileCertManager(ctx context.Context, s *regionScope) (ctrl.Result, error) {
	if err := r.applyCertificate(ctx, s.region, s.observed.clientService); err != nil {
		if meta.IsNoMatchError(err) {
			s.observed.certificateProblem = "spec.tls.issuerRef names a cert-manager issuer, but this cluster serves no cert-manager.io/v1 Certificate: " +
				"install cert-manager, or remove spec.tls.issuerRef to let the operator issue the Region's certificate"
			r.Recorder.Eventf(s.region, nil, corev1.EventTypeWarning, "CertManagerMissing", "ApplyCertificate", "%s", s.observed.certificateProblem)
		}
		return ctrl.Result{}, err
	}
	// Read live: the cache holds only Secrets labelled as the operator's, and whether
	// cert-manager copied the Certificate's secretTemplate labels yet is its business.
	secret := &corev1.Secret{}
	name := types.NamespacedName{Namespace: s.region.Namespace, Name: TLSSecretName(s.region)}
	err := r.APIReader.Get(ctx, name, secret)
	if err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("get TLS Secret %s: %w", name, err)
	}
	if err == nil && len(secret.Data[SecretKeyTLSCert]) > 0 && len(secret.Data[SecretKeyTLSKey]) > 0 {
		return ctrl.Result{}, nil
	}
	s.observed.certificateProblem = fmt.Sprintf("Waiting for cert-manager to issue the certificate into Secret %s%s", name.Name, r.certificateReadiness(ctx, name))
	return ctrl.Result{RequeueAfter: certManagerPoll}, nil
}

// certificateReadiness is " (cert-manager: Ready=<status>, <reason>: <message>)" from the Certificate's Ready condition when
// cert-manager has reported one, else "".
func (r *Reconciler) certificateReadiness(ctx context.Context, name types.NamespacedName) string {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion("cert-manager.io/v1")
	u.SetKind("Certificate")
	if err := r.Client.Get(ctx, name, u); err != nil {
		return ""
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != "Ready" {
			continue
		}
		reason, _ := m["reason"].(string)
		msg, _ := m["message"].(string)
		return fmt.Sprintf(" (cert-manager: Ready=%v, %s: %s)", m["status"], reason, msg)
	}
	return ""
}

func (r *Reconciler) applyCertificate(ctx context.Context, region *kossv1alpha1.Region, svc *corev1.Service) error {
	u := desiredCertificate(region, svc)
	ctrl.LoggerFrom(ctx).V(1).Info("Applying cert-manager Certificate", "Certificate", klog.KRef(u.GetNamespace(), u.GetName()))
	//nolint:staticcheck // client.Apply with an unstructured object: no typed apply configuration exists for it
	if err := r.Client.Patch(ctx, u, client.Apply, client.FieldOwner(controllers.FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply cert-manager Certificate %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	return nil
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Reconciler) certValidity() time.Duration {
	if r.CertValidity > 0 {
		return r.CertValidity
	}
	return DefaultCertValidity
}
