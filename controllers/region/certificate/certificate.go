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

package certificate

import (
	"crypto/x509"
	"net"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
)

// Names are the DNS names and IP addresses a Region's certificate must carry.
type Names struct {
	DNS []string
	IPs []net.IP
}

// For are the names of a Region's certificate: its DNS names (dnsNames) and the client
// Service's addresses (addresses). headless is the name of the Region's headless Service,
// svc the client Service as observed (nil before it exists).
func For(region *kossv1alpha1.Region, headless string, svc *corev1.Service) Names {
	ips, extraDNS := addresses(region, svc)
	return Names{DNS: append(dnsNames(region, headless), extraDNS...), IPs: ips}
}

// dnsNames are the names the Region's certificate serves: the client Service (short,
// namespaced and fully qualified), every pod behind the headless Service, and with
// spec.domain the domain and its buckets (<bucket>.<domain>, virtual-host style).
func dnsNames(region *kossv1alpha1.Region, headless string) []string {
	svc, ns := controllers.ClientServiceName(region), region.Namespace
	var out []string
	for _, suffix := range []string{"", ".svc", ".svc.cluster.local"} {
		if suffix == "" {
			out = append(out, svc, svc+"."+ns)
		} else {
			out = append(out, svc+"."+ns+suffix)
		}
		out = append(out, "*."+headless+"."+ns+suffix)
	}
	if d := region.Spec.Domain; d != "" {
		// Virtual-host style: clients dial <bucket>.<domain> (and the domain itself for
		// ListBuckets), so TLS must hold for those names too.
		out = append(out, d, "*."+d)
	}
	return out
}

// addresses are the further names of the client Service that clients may dial:
// its cluster IPs (a client outside the cluster network reaching it through a proxy, as
// `make run` does) and, with spec.external, its load balancer's IPs and host names (the
// Region's external endpoint). They come from the Service as observed; until it has them
// the certificate goes without, and the pass that sees them re-issues it.
func addresses(region *kossv1alpha1.Region, svc *corev1.Service) (ips []net.IP, dns []string) {
	if svc == nil {
		return nil, nil
	}
	addIP := func(s string) {
		if ip := net.ParseIP(s); ip != nil && !slices.ContainsFunc(ips, ip.Equal) {
			ips = append(ips, ip)
		}
	}
	for _, ip := range append([]string{svc.Spec.ClusterIP}, svc.Spec.ClusterIPs...) {
		addIP(ip)
	}
	if region.Spec.External.Enabled {
		for _, ing := range svc.Status.LoadBalancer.Ingress {
			addIP(ing.IP)
			if ing.Hostname != "" && !slices.Contains(dns, ing.Hostname) {
				dns = append(dns, ing.Hostname)
			}
		}
	}
	return ips, dns
}

// CoveredBy reports whether cert names every one of n's names and addresses: a certificate
// that misses one (a Service IP that came later, a Region from before a name was added)
// is re-issued.
func (n Names) CoveredBy(cert *x509.Certificate) bool {
	for _, name := range n.DNS {
		if !slices.Contains(cert.DNSNames, name) {
			return false
		}
	}
	for _, ip := range n.IPs {
		if !slices.ContainsFunc(cert.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// CertManager is the cert-manager Certificate of a Region that names an issuer, as an
// unstructured object: the operator does not depend on cert-manager's Go module. It asks
// for names into the Region's TLS Secret, and carries labels and owner.
func CertManager(region *kossv1alpha1.Region, names Names, labels map[string]string, owner *metav1ac.OwnerReferenceApplyConfiguration) *unstructured.Unstructured {
	ref := region.Spec.TLS.IssuerRef
	kind, group := ref.Kind, ref.Group
	if kind == "" {
		kind = "Issuer"
	}
	if group == "" {
		group = "cert-manager.io"
	}
	dns := make([]any, 0, 8)
	for _, n := range names.DNS {
		dns = append(dns, n)
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cert-manager.io/v1",
		"kind":       "Certificate",
		"metadata": map[string]any{
			"name":      controllers.RegionTLSSecretName(region),
			"namespace": region.Namespace,
			"labels":    stringMap(labels),
		},
		"spec": map[string]any{
			"secretName": controllers.RegionTLSSecretName(region),
			"commonName": region.Name + "." + region.Namespace,
			"dnsNames":   dns,
			"usages":     []any{"server auth", "client auth", "digital signature", "key encipherment"},
			"privateKey": map[string]any{"algorithm": "ECDSA", "size": int64(256), "rotationPolicy": "Always"},
			"issuerRef":  map[string]any{"name": ref.Name, "kind": kind, "group": group},
			"secretTemplate": map[string]any{
				"labels": stringMap(labels),
			},
		},
	}}
	if len(names.IPs) > 0 {
		u.Object["spec"].(map[string]any)["ipAddresses"] = ipStrings(names.IPs)
	}
	u.SetOwnerReferences([]metav1.OwnerReference{{
		APIVersion: *owner.APIVersion, Kind: *owner.Kind, Name: *owner.Name, UID: *owner.UID,
		Controller: owner.Controller, BlockOwnerDeletion: owner.BlockOwnerDeletion,
	}})
	return u
}

func ipStrings(ips []net.IP) []any {
	out := make([]any, 0, len(ips))
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
