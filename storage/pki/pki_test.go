package pki

import (
	"crypto/x509"
	"net"
	"testing"
	"time"
)

func TestIssueVerifiesAgainstItsCAOnly(t *testing.T) {
	now := time.Now()
	ca, err := NewCA("koss test CA", 24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewCA("other CA", 24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := Issue(ca, Request{CommonName: "n1", DNSNames: []string{"a.example"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, Usage: UsageServer | UsageClient, Validity: time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if err := Valid(leaf, ca.CertPEM, u, now); err != nil {
			t.Errorf("usage %v: %v", u, err)
		}
	}
	if err := Valid(leaf, other.CertPEM, x509.ExtKeyUsageServerAuth, now); err == nil {
		t.Error("leaf verified against another CA")
	}
	if err := Valid(KeyPair{CertPEM: leaf.CertPEM, KeyPEM: ca.KeyPEM}, ca.CertPEM, x509.ExtKeyUsageServerAuth, now); err == nil {
		t.Error("mismatched key accepted")
	}
	serverOnly, err := Issue(ca, Request{CommonName: "s", Usage: UsageServer, Validity: time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := Valid(serverOnly, ca.CertPEM, x509.ExtKeyUsageClientAuth, now); err == nil {
		t.Error("server-only certificate accepted as a client certificate")
	}
	if _, err := Issue(leaf, Request{CommonName: "x", Usage: UsageServer, Validity: time.Hour}, now); err == nil {
		t.Error("a leaf signed a certificate")
	}
}

func TestRenewalTime(t *testing.T) {
	now := time.Now()
	ca, _ := NewCA("ca", 10*time.Hour, now)
	kp, err := Issue(ca, Request{CommonName: "n", Usage: UsageServer, Validity: 3 * time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ParseCertificate(kp.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		renewBefore time.Duration
		at          time.Duration
		want        bool
	}{
		"fresh, default third":        {0, time.Minute, false},
		"last third, default":         {0, 2*time.Hour + time.Minute, true},
		"explicit window not reached": {30 * time.Minute, 2 * time.Hour, false},
		"explicit window reached":     {30 * time.Minute, 2*time.Hour + 31*time.Minute, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := NeedsRenewal(cert, tc.renewBefore, now.Add(tc.at)); got != tc.want {
				t.Errorf("NeedsRenewal = %v, want %v", got, tc.want)
			}
		})
	}
	// A leaf never outlives its CA.
	long, _ := Issue(ca, Request{CommonName: "n", Usage: UsageServer, Validity: 100 * time.Hour}, now)
	lc, _ := ParseCertificate(long.CertPEM)
	if lc.NotAfter.After(now.Add(10 * time.Hour)) {
		t.Errorf("leaf NotAfter %v past the CA's", lc.NotAfter)
	}
}
