package workloadid_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/koss-io/koss/storage/internal/workloadid"
	wit "github.com/koss-io/koss/storage/internal/workloadid/workloadidtest"
)

const roleArn = "acs:ram::koss:role/apps/uploader"

var (
	subject  = wit.Subject("apps", "uploader")
	issuer   = wit.Issuer
	provider = wit.Provider
)

func roleFile(k *wit.TokenIssuer) *workloadid.File {
	return k.File(workloadid.Role{Arn: roleArn, AccessKeyID: "LTAIuploader", Subjects: []string{subject}, MaxSessionSeconds: 1800})
}

func TestExchange(t *testing.T) {
	k := wit.New(t)
	f := roleFile(k)
	now := time.Now()
	good := wit.Claims(subject, now)

	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES256} {
		kid := map[jose.SignatureAlgorithm]string{jose.RS256: wit.RSAKeyID, jose.ES256: wit.ECKeyID}[alg]
		g, err := f.Exchange(provider, roleArn, k.Sign(t, alg, kid, good), now)
		if err != nil {
			t.Fatalf("%s: a good token: %v", alg, err)
		}
		if g.AccessKeyID != "LTAIuploader" || g.MaxSession != 30*time.Minute || g.Subject != subject || g.Issuer != issuer {
			t.Fatalf("%s: grant %+v", alg, g)
		}
	}

	with := func(change func(*jwt.Claims)) jwt.Claims { c := good; change(&c); return c }
	other := wit.New(t)
	flipped := []byte(k.Sign(t, jose.RS256, wit.RSAKeyID, good))
	// A byte in the middle of the signature, to another base64url letter.
	if i := len(flipped) - 10; flipped[i] == 'A' {
		flipped[i] = 'B'
	} else {
		flipped[i] = 'A'
	}
	cases := []struct {
		name                  string
		provider, role, token string
		at                    time.Time
		want                  error
	}{
		{"another provider", "acs:ram::koss:oidc-provider/x/y", roleArn, k.Sign(t, jose.RS256, wit.RSAKeyID, good), now, workloadid.ErrNoProvider},
		{"an unknown role", provider, "acs:ram::koss:role/apps/other", k.Sign(t, jose.RS256, wit.RSAKeyID, good), now, workloadid.ErrNoRole},
		{"not a JWT", provider, roleArn, "not.a.jwt", now, workloadid.ErrMalformedToken},
		{"a flipped signature byte", provider, roleArn, string(flipped), now, workloadid.ErrInvalidToken},
		{"another issuer's key under a known kid", provider, roleArn, other.Sign(t, jose.RS256, wit.RSAKeyID, good), now, workloadid.ErrInvalidToken},
		{"an unknown kid", provider, roleArn, k.Sign(t, jose.RS256, "rsa-2", good), now, workloadid.ErrInvalidToken},
		{"an RSA kid used with ES256", provider, roleArn, k.Sign(t, jose.ES256, wit.RSAKeyID, good), now, workloadid.ErrInvalidToken},
		{"expired, past the leeway", provider, roleArn, k.Sign(t, jose.RS256, wit.RSAKeyID, good), now.Add(time.Hour + workloadid.Leeway + time.Second), workloadid.ErrTokenExpired},
		{"not valid yet", provider, roleArn, k.Sign(t, jose.RS256, wit.RSAKeyID, good), now.Add(-workloadid.Leeway - time.Minute), workloadid.ErrTokenExpired},
		{"another issuer", provider, roleArn, k.Sign(t, jose.RS256, wit.RSAKeyID, with(func(c *jwt.Claims) { c.Issuer = "https://evil" })), now, workloadid.ErrIssuerMismatch},
		{"Alibaba's audience", provider, roleArn, k.Sign(t, jose.RS256, wit.RSAKeyID, with(func(c *jwt.Claims) { c.Audience = jwt.Audience{"sts.aliyuncs.com"} })), now, workloadid.ErrAudienceMismatch},
		{"no exp", provider, roleArn, k.Sign(t, jose.RS256, wit.RSAKeyID, with(func(c *jwt.Claims) { c.Expiry = nil })), now, workloadid.ErrInvalidToken},
		{"another ServiceAccount", provider, roleArn, k.Sign(t, jose.RS256, wit.RSAKeyID, with(func(c *jwt.Claims) { c.Subject = "system:serviceaccount:apps:other" })), now, workloadid.ErrNotTrusted},
		{"the same name in another namespace", provider, roleArn, k.Sign(t, jose.RS256, wit.RSAKeyID, with(func(c *jwt.Claims) { c.Subject = "system:serviceaccount:other:uploader" })), now, workloadid.ErrNotTrusted},
	}
	for _, tc := range cases {
		_, err := f.Exchange(tc.provider, tc.role, tc.token, tc.at)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), tc.token) {
			t.Errorf("%s: the error holds the token", tc.name)
		}
	}
	// Within the leeway an expired token still passes.
	if _, err := f.Exchange(provider, roleArn, k.Sign(t, jose.RS256, wit.RSAKeyID, good), now.Add(time.Hour+workloadid.Leeway/2)); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
}

// TestAlgorithmConfusion: a token "signed" with HS256 using the public
// key as the HMAC secret, or with alg none, is never accepted.
func TestAlgorithmConfusion(t *testing.T) {
	k := wit.New(t)
	f := roleFile(k)
	now := time.Now()
	pub, err := json.Marshal(k.JWKS.Keys[0])
	if err != nil {
		t.Fatal(err)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: pub}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", wit.RSAKeyID))
	if err != nil {
		t.Fatal(err)
	}
	hs, err := jwt.Signed(s).Claims(wit.Claims(subject, now)).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Exchange(provider, roleArn, hs, now); !errors.Is(err, workloadid.ErrMalformedToken) {
		t.Fatalf("HS256: %v, want workloadid.ErrMalformedToken", err)
	}
	parts := strings.Split(k.Sign(t, jose.RS256, wit.RSAKeyID, wit.Claims(subject, now)), ".")
	none := "eyJhbGciOiJub25lIiwia2lkIjoicnNhLTEifQ." + parts[1] + "."
	if _, err := f.Exchange(provider, roleArn, none, now); !errors.Is(err, workloadid.ErrMalformedToken) {
		t.Fatalf("alg none: %v, want workloadid.ErrMalformedToken", err)
	}
}

// TestTrustFollowsTheFile: the file is re-read when it changes, as the
// kubelet's atomic swap of a Secret volume changes it.
func TestTrustFollowsTheFile(t *testing.T) {
	k := wit.New(t)
	now := time.Now()
	tok := k.Sign(t, jose.RS256, wit.RSAKeyID, wit.Claims(subject, now))
	if _, err := workloadid.NewTrust("").Exchange(provider, roleArn, tok, now); !errors.Is(err, workloadid.ErrNoProvider) {
		t.Fatalf("no file configured: %v", err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "identity.json")
	trust := workloadid.NewTrust(path)
	if _, err := trust.Exchange(provider, roleArn, tok, now); !errors.Is(err, workloadid.ErrNoProvider) {
		t.Fatalf("no file yet: %v", err)
	}
	f := roleFile(k)
	f.Roles = nil
	wit.WriteFile(t, path, f)
	if _, err := trust.Exchange(provider, roleArn, tok, now); !errors.Is(err, workloadid.ErrNoRole) {
		t.Fatalf("no roles: %v", err)
	}
	wit.WriteFile(t, path, roleFile(k))
	if _, err := trust.Exchange(provider, roleArn, tok, now); err != nil {
		t.Fatalf("after the role was published: %v", err)
	}
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := trust.Exchange(provider, roleArn, tok, now); !errors.Is(err, workloadid.ErrNoProvider) {
		t.Fatalf("a broken file: %v", err)
	}
}

// FuzzExchange: no input makes Exchange panic, and whatever it accepts
// carries the signed claims of a token the issuer made (never a forged
// subject).
func FuzzExchange(f *testing.F) {
	k := wit.New(f)
	file := roleFile(k)
	now := time.Now()
	good := k.Sign(f, jose.RS256, wit.RSAKeyID, wit.Claims(subject, now))
	f.Add(good)
	f.Add(k.Sign(f, jose.ES256, wit.ECKeyID, wit.Claims(subject, now)))
	f.Add(k.Sign(f, jose.RS256, wit.RSAKeyID, wit.Claims("system:serviceaccount:apps:other", now)))
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		g, err := file.Exchange(provider, roleArn, token, now)
		if err == nil && (g.Subject != subject || g.AccessKeyID != "LTAIuploader" || g.Issuer != issuer) {
			t.Fatalf("accepted %+v", g)
		}
	})
}
