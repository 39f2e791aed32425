package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Errors of this package.
var (
	// ErrNoPEM means the input has no PEM block of the expected type.
	ErrNoPEM = errors.New("pki: no PEM block")
	// ErrNotCA means the certificate given as a CA cannot sign certificates.
	ErrNotCA = errors.New("pki: certificate is not a CA")
)

// backdate covers clock skew between the issuer and the verifiers: a
// certificate is valid a little before it was issued.
const backdate = 5 * time.Minute

// KeyPair is a PEM-encoded certificate and its private key.
type KeyPair struct {
	CertPEM []byte
	KeyPEM  []byte
}

// Usage says what a leaf certificate is for.
type Usage int

// Usages; they combine with |.
const (
	UsageServer Usage = 1 << iota
	UsageClient
)

// Request describes a leaf certificate.
type Request struct {
	// CommonName is the subject's CN (informational; verifiers use SANs).
	CommonName string
	// DNSNames and IPs are the subject alternative names.
	DNSNames []string
	IPs      []net.IP
	// Usage is the extended key usage: server, client or both.
	Usage Usage
	// Validity is how long the certificate is valid from now.
	Validity time.Duration
}

// NewCA makes a self-signed CA valid for validity from now.
func NewCA(commonName string, validity time.Duration, now time.Time) (KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: generate key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return KeyPair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"koss"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: create CA certificate: %w", err)
	}
	return encode(der, key)
}

// Issue signs a leaf certificate for req with the CA ca.
func Issue(ca KeyPair, req Request, now time.Time) (KeyPair, error) {
	caCert, err := ParseCertificate(ca.CertPEM)
	if err != nil {
		return KeyPair{}, err
	}
	if !caCert.IsCA {
		return KeyPair{}, ErrNotCA
	}
	caKey, err := parseKey(ca.KeyPEM)
	if err != nil {
		return KeyPair{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: generate key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return KeyPair{}, err
	}
	var eku []x509.ExtKeyUsage
	if req.Usage&UsageServer != 0 {
		eku = append(eku, x509.ExtKeyUsageServerAuth)
	}
	if req.Usage&UsageClient != 0 {
		eku = append(eku, x509.ExtKeyUsageClientAuth)
	}
	notAfter := now.Add(req.Validity)
	if notAfter.After(caCert.NotAfter) {
		// A leaf outliving its CA would stop verifying before its own
		// expiry; clamp it so that renewal timing stays truthful.
		notAfter = caCert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: req.CommonName, Organization: []string{"koss"}},
		DNSNames:     req.DNSNames,
		IPAddresses:  req.IPs,
		NotBefore:    now.Add(-backdate),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  eku,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: create certificate: %w", err)
	}
	return encode(der, key)
}

// ParseCertificate parses the first CERTIFICATE block of pemBytes.
func ParseCertificate(pemBytes []byte) (*x509.Certificate, error) {
	for {
		var b *pem.Block
		b, pemBytes = pem.Decode(pemBytes)
		if b == nil {
			return nil, fmt.Errorf("%w: CERTIFICATE", ErrNoPEM)
		}
		if b.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("pki: %w", err)
			}
			return c, nil
		}
	}
}

// Valid reports whether kp is a certificate and matching key, and the
// certificate verifies against the CA in caPEM at now.
func Valid(kp KeyPair, caPEM []byte, usage x509.ExtKeyUsage, now time.Time) error {
	cert, err := ParseCertificate(kp.CertPEM)
	if err != nil {
		return err
	}
	key, err := parseKey(kp.KeyPEM)
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(key.Public()) {
		return errors.New("pki: key does not match certificate")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("%w: CA", ErrNoPEM)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	return nil
}

// NeedsRenewal reports whether cert should be replaced at now: once less
// than a third of its lifetime is left (cert-manager's default), or when
// less than renewBefore is left if renewBefore is positive.
func NeedsRenewal(cert *x509.Certificate, renewBefore time.Duration, now time.Time) bool {
	return !now.Before(RenewalTime(cert, renewBefore))
}

// RenewalTime is when NeedsRenewal starts answering true.
func RenewalTime(cert *x509.Certificate, renewBefore time.Duration) time.Time {
	if renewBefore <= 0 {
		renewBefore = cert.NotAfter.Sub(cert.NotBefore) / 3
	}
	return cert.NotAfter.Add(-renewBefore)
}

func newSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("pki: serial: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

func encode(der []byte, key *ecdsa.PrivateKey) (KeyPair, error) {
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: marshal key: %w", err)
	}
	return KeyPair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}),
	}, nil
}

func parseKey(pemBytes []byte) (crypto.Signer, error) {
	b, _ := pem.Decode(pemBytes)
	if b == nil {
		return nil, fmt.Errorf("%w: PRIVATE KEY", ErrNoPEM)
	}
	var k any
	var err error
	switch b.Type {
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("pki: parse key: %w", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("pki: key cannot sign")
	}
	return s, nil
}
