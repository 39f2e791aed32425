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
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/pki"
)

func TestAddresses(t *testing.T) {
	svc := &corev1.Service{
		Spec: corev1.ServiceSpec{ClusterIP: "10.0.0.7", ClusterIPs: []string{"10.0.0.7", "fd00::7"}},
		Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{
			{IP: "203.0.113.9"}, {Hostname: "oss.example.com"},
		}}},
	}
	internal := controllertest.TestRegion()
	external := controllertest.TestRegion(func(r *kossv1alpha1.Region) { r.Spec.External.Enabled = true })
	ips, dns := addresses(internal, svc)
	if len(ips) != 2 || !ips[0].Equal(net.ParseIP("10.0.0.7")) || !ips[1].Equal(net.ParseIP("fd00::7")) || len(dns) != 0 {
		t.Errorf("internal Region: ips %v dns %v, want the cluster IPs once each and no load balancer names", ips, dns)
	}
	ips, dns = addresses(external, svc)
	if len(ips) != 3 || !ips[2].Equal(net.ParseIP("203.0.113.9")) || len(dns) != 1 || dns[0] != "oss.example.com" {
		t.Errorf("external Region: ips %v dns %v, want the load balancer's address and name too", ips, dns)
	}
	if ips, dns := addresses(external, nil); ips != nil || dns != nil {
		t.Errorf("no Service yet: %v %v", ips, dns)
	}

	now := time.Now()
	ca, err := pki.NewCA("test", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := pki.Issue(ca, pki.Request{DNSNames: []string{"a", "b"}, IPs: []net.IP{net.ParseIP("10.0.0.7")}, Usage: pki.UsageServer, Validity: time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := pki.ParseCertificate(leaf.CertPEM)
	if !(Names{DNS: []string{"a"}, IPs: []net.IP{net.ParseIP("10.0.0.7")}}).CoveredBy(cert) {
		t.Error("a certificate naming more than wanted must be kept")
	}
	// Kept, a certificate missing a name would fail every client dialling that name.
	if (Names{DNS: []string{"a", "c"}}).CoveredBy(cert) || (Names{IPs: []net.IP{net.ParseIP("10.0.0.8")}}).CoveredBy(cert) {
		t.Error("a certificate missing a wanted name or IP must be re-issued")
	}
}

// TestDNSNamesWithDomain: a Region with spec.domain serves virtual-host style,
// so its certificate names the domain and every <bucket>.<domain>; without one it does not.
func TestDNSNamesWithDomain(t *testing.T) {
	region := controllertest.TestRegion()
	if names := dnsNames(region, "eu-peers"); slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, "example") }) {
		t.Fatalf("names without spec.domain: %v", names)
	}
	region.Spec.Domain = "oss.example.com"
	names := dnsNames(region, "eu-peers")
	for _, want := range []string{"oss.example.com", "*.oss.example.com"} {
		if !slices.Contains(names, want) {
			t.Fatalf("names with spec.domain %s = %v, want %s among them", region.Spec.Domain, names, want)
		}
	}
}
