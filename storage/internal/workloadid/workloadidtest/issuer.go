package workloadidtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/koss-io/koss/storage/internal/workloadid"
)

// The names a test Region and its issuer use.
const (
	Issuer   = "https://kubernetes.default.svc.cluster.local"
	Audience = "koss.io/koss-system/eu"
	Provider = "acs:ram::koss:oidc-provider/koss-system/eu"
	// RSAKeyID and ECKeyID are the kids of the two signing keys.
	RSAKeyID = "rsa-1"
	ECKeyID  = "ec-1"
)

// Subject is the sub of a service-account token of namespace/name.
func Subject(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}

// TokenIssuer signs tokens; JWKS is what it publishes.
type TokenIssuer struct {
	RSA  *rsa.PrivateKey
	EC   *ecdsa.PrivateKey
	JWKS jose.JSONWebKeySet
}

// New returns an issuer with fresh keys.
func New(t testing.TB) *TokenIssuer {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &TokenIssuer{RSA: rk, EC: ek, JWKS: jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &rk.PublicKey, KeyID: RSAKeyID, Algorithm: string(jose.RS256), Use: "sig"},
		{Key: &ek.PublicKey, KeyID: ECKeyID, Algorithm: string(jose.ES256), Use: "sig"},
	}}}
}

// Claims are a service-account token's registered claims for sub, valid
// for an hour from now, for the test Region's audience.
func Claims(sub string, now time.Time) jwt.Claims {
	return jwt.Claims{
		Issuer: Issuer, Subject: sub, Audience: jwt.Audience{Audience},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour)),
	}
}

// Sign makes a compact JWT of claims c with header kid, signed with alg
// (ES256 uses the ECDSA key, everything else the RSA key).
func (k *TokenIssuer) Sign(t testing.TB, alg jose.SignatureAlgorithm, kid string, c any) string {
	t.Helper()
	var key any = k.RSA
	if alg == jose.ES256 {
		key = k.EC
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(c).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Token is an RS256 service-account token for sub, valid for an hour.
func (k *TokenIssuer) Token(t testing.TB, sub string) string {
	return k.Sign(t, jose.RS256, RSAKeyID, Claims(sub, time.Now()))
}

// File is a trust file of this issuer with roles.
func (k *TokenIssuer) File(roles ...workloadid.Role) *workloadid.File {
	return &workloadid.File{Issuer: Issuer, Audience: Audience, OIDCProviderArn: Provider, JWKS: k.JWKS, Roles: roles}
}

// WriteFile writes f to path the way the kubelet updates a volume: a new
// file renamed over the old one.
func WriteFile(t testing.TB, path string, f *workloadid.File) {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".new")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
