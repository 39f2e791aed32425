package workloadid

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// File is the trust file, as the operator writes it (controllers/region
// writes the Secret <region>-workload-identity with this JSON as
// identity.json). The field names are a contract between the two.
type File struct {
	// Issuer is the iss every token must carry.
	Issuer string `json:"issuer"`
	// Audience must be one of a token's aud values. It is the Region's own
	// (koss.io/<namespace>/<region>), so a token minted for another
	// Region, or for Alibaba's STS, is refused.
	Audience string `json:"audience"`
	// OIDCProviderArn is what a client must send as OIDCProviderArn.
	OIDCProviderArn string `json:"oidcProviderArn"`
	// JWKS is the issuer's signing keys (the API server's /openid/v1/jwks).
	JWKS jose.JSONWebKeySet `json:"jwks"`
	// Roles are the roles tokens may assume.
	Roles []Role `json:"roles"`
}

// Role is an assumable role: an access key's grants, for the subjects it
// names.
type Role struct {
	// Arn is what a client sends as RoleArn.
	Arn string `json:"arn"`
	// AccessKeyID is the key whose grants sessions of the role get; the
	// session is its child, so deleting or rotating the key revokes them.
	AccessKeyID string `json:"accessKeyId"`
	// Subjects are the token subjects that may assume the role.
	Subjects []string `json:"subjects"`
	// MaxSessionSeconds bounds a session's life; a longer request is
	// cut down to it (0 means no bound beyond STS's own).
	MaxSessionSeconds int64 `json:"maxSessionSeconds,omitempty"`
}

// Errors of Exchange. Each maps to one STS error code.
var (
	// ErrNoProvider: no trust file, or the client named another provider.
	ErrNoProvider = errors.New("workloadid: no such OIDC provider")
	// ErrNoRole: the provider has no role of that ARN.
	ErrNoRole = errors.New("workloadid: no such role")
	// ErrMalformedToken: not a signed JWT at all.
	ErrMalformedToken = errors.New("workloadid: the token is not a signed JWT")
	// ErrInvalidToken: the signature does not verify with the issuer's
	// keys, or a required claim is missing.
	ErrInvalidToken = errors.New("workloadid: the token does not verify")
	// ErrTokenExpired: past exp (or before nbf).
	ErrTokenExpired = errors.New("workloadid: the token has expired or is not valid yet")
	// ErrIssuerMismatch: iss is not the provider's issuer.
	ErrIssuerMismatch = errors.New("workloadid: the token's issuer is not the provider's")
	// ErrAudienceMismatch: aud does not hold the provider's audience.
	ErrAudienceMismatch = errors.New("workloadid: the token's audience is not the provider's")
	// ErrNotTrusted: the token's subject may not assume the role.
	ErrNotTrusted = errors.New("workloadid: the subject may not assume the role")
)

// Leeway is the clock skew allowed on exp, nbf and iat.
const Leeway = time.Minute

// algorithms are the signature algorithms a token may use: what
// Kubernetes service-account signers and common OIDC issuers use. "none"
// and the HMAC ones are never accepted.
var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.RS384, jose.ES384, jose.RS512, jose.ES512, jose.PS256}

// Grant is what an accepted token buys.
type Grant struct {
	// AccessKeyID is the role's key.
	AccessKeyID string
	// MaxSession is the role's bound on a session (0: none).
	MaxSession time.Duration
	// Subject, Issuer and Audience are the token's, for the answer's
	// OIDCTokenInfo and the audit log.
	Subject, Issuer string
	Audience        []string
}

// Trust answers Exchange from a trust file, re-read whenever it changes
// (the kubelet replaces a Secret volume's files atomically, so a changed
// modification time or size means new content).
type Trust struct {
	path string

	mu      sync.Mutex
	loaded  bool // file and err are the content of modTime and size
	modTime time.Time
	size    int64
	file    *File
	err     error
}

// NewTrust returns a Trust over the file at path. An empty path trusts
// nothing: every exchange fails with ErrNoProvider.
func NewTrust(path string) *Trust { return &Trust{path: path} }

// load returns the file's current content.
func (t *Trust) load() (*File, error) {
	if t.path == "" {
		return nil, fmt.Errorf("%w: workload identity is not configured on this node", ErrNoProvider)
	}
	st, err := os.Stat(t.path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoProvider, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.loaded && st.ModTime().Equal(t.modTime) && st.Size() == t.size {
		return t.file, t.err
	}
	t.loaded, t.modTime, t.size = true, st.ModTime(), st.Size()
	t.file, t.err = readFile(t.path)
	return t.file, t.err
}

func readFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoProvider, err)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%w: the trust file %s does not parse: %w", ErrNoProvider, path, err)
	}
	if f.Issuer == "" || f.Audience == "" || f.OIDCProviderArn == "" {
		return nil, fmt.Errorf("%w: the trust file %s lacks issuer, audience or oidcProviderArn", ErrNoProvider, path)
	}
	return &f, nil
}

// Exchange checks token for an AssumeRoleWithOIDC naming providerArn and
// roleArn, at time now, and returns what it buys.
func (t *Trust) Exchange(providerArn, roleArn, token string, now time.Time) (Grant, error) {
	f, err := t.load()
	if err != nil {
		return Grant{}, err
	}
	return f.Exchange(providerArn, roleArn, token, now)
}

// Exchange is Trust.Exchange on a parsed file.
func (f *File) Exchange(providerArn, roleArn, token string, now time.Time) (Grant, error) {
	if providerArn != f.OIDCProviderArn {
		return Grant{}, fmt.Errorf("%w: %q", ErrNoProvider, providerArn)
	}
	i := slices.IndexFunc(f.Roles, func(r Role) bool { return r.Arn == roleArn })
	if i < 0 || f.Roles[i].AccessKeyID == "" {
		return Grant{}, fmt.Errorf("%w: %q", ErrNoRole, roleArn)
	}
	role := f.Roles[i]
	parsed, err := jwt.ParseSigned(token, algorithms)
	if err != nil {
		return Grant{}, ErrMalformedToken
	}
	var c jwt.Claims
	if err := parsed.Claims(f.JWKS, &c); err != nil {
		// A wrong signature, an unknown kid or an algorithm the key does
		// not fit: the reason is go-jose's, and names no part of the token.
		return Grant{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if c.Expiry == nil || c.Subject == "" {
		return Grant{}, fmt.Errorf("%w: the token has no exp or no sub", ErrInvalidToken)
	}
	switch err := c.ValidateWithLeeway(jwt.Expected{Issuer: f.Issuer, AnyAudience: jwt.Audience{f.Audience}, Time: now}, Leeway); {
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return Grant{}, ErrIssuerMismatch
	case errors.Is(err, jwt.ErrInvalidAudience):
		return Grant{}, ErrAudienceMismatch
	case errors.Is(err, jwt.ErrExpired), errors.Is(err, jwt.ErrNotValidYet):
		return Grant{}, ErrTokenExpired
	case err != nil:
		return Grant{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if !slices.Contains(role.Subjects, c.Subject) {
		return Grant{}, fmt.Errorf("%w: %q may not assume %q", ErrNotTrusted, c.Subject, roleArn)
	}
	return Grant{
		AccessKeyID: role.AccessKeyID, MaxSession: time.Duration(role.MaxSessionSeconds) * time.Second,
		Subject: c.Subject, Issuer: c.Issuer, Audience: c.Audience,
	}, nil
}
