package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/internal/object"
)

// Temporary credentials (OSS's STS keys): an access key id starting "STS.",
// a secret, and a security token the client sends with every request
// (x-oss-security-token, or security-token in a V1/OSS2 presigned URL).
//
// Issuing one writes nothing: the token is the session itself, sealed with
// AES-256-GCM under a key every node of the Region derives from the root
// secret (HKDF-SHA256), so any node verifies it without a lookup and
// without a replicated write per session. What the token carries (the
// session's secret, its parent key, the parent's secret fingerprint, the
// session's grants, its expiry) is readable only by the Region. The GCM
// additional data is the session's access key id, so a token answers for
// one id only.
//
// A session is checked on every request, at request time: its expiry
// against the verifier's clock (never in Apply), its parent key against the
// key store (deleting the parent, or giving it a new secret, revokes its
// sessions at once), and its rights are the intersection of the grants
// sealed in the token and the parent's grants now, so narrowing a key
// narrows its live sessions too. Changing the root secret revokes every
// session.

// SessionIDPrefix starts the access key id of every temporary key, as on
// OSS.
const SessionIDPrefix = "STS."

// Session lifetimes, as Alibaba STS allows them (DurationSeconds).
const (
	MinSessionDuration     = 15 * time.Minute
	MaxSessionDuration     = 12 * time.Hour
	DefaultSessionDuration = time.Hour
)

// tokenPrefix names the token format, so that a later format can be told
// apart.
const tokenPrefix = "KST1."

// Session is a temporary key as the token seals it.
type Session struct {
	AccessKeyID string `json:"id"`
	Secret      string `json:"sk"`
	// Parent is the access key id the session was issued for; its rights
	// bound the session's.
	Parent string `json:"p"`
	// ParentEpoch fingerprints the parent's secret at issue: a parent with
	// another secret is another key.
	ParentEpoch string `json:"pe"`
	// Grants narrow the parent's rights: nil means all of them; otherwise
	// the session may do in each bucket what both the grant and the parent
	// allow, and nothing in other buckets.
	Grants  map[string]object.Access `json:"g,omitempty"`
	Issued  int64                    `json:"iat"` // unix seconds
	Expires int64                    `json:"exp"` // unix seconds
	// Name is the session name the caller chose (RoleSessionName), for
	// logs and the caller's own bookkeeping.
	Name string `json:"n,omitempty"`
}

// Expiration is when the session ends.
func (s Session) Expiration() time.Time { return time.Unix(s.Expires, 0).UTC() }

// Sessions seals and opens the tokens of temporary keys.
type Sessions struct {
	aead cipher.AEAD
}

// NewSessions derives the Region's token key from its root secret.
func NewSessions(rootSecret string) (*Sessions, error) {
	if rootSecret == "" {
		return nil, errors.New("auth: sessions need the root secret")
	}
	key, err := hkdf.Key(sha256.New, []byte(rootSecret), nil, "koss security token v1", 32)
	if err != nil {
		return nil, fmt.Errorf("auth: derive token key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("auth: token key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("auth: token key: %w", err)
	}
	return &Sessions{aead: aead}, nil
}

// SessionRequest is what a caller asks for: rights no wider than parent's.
type SessionRequest struct {
	// Parent is the key the session draws its rights from, as the key
	// store (KeyLookup) returns it.
	ParentID string
	Parent   Key
	// Grants narrow the parent's rights (nil: all of them).
	Grants   map[string]object.Access
	Duration time.Duration // 0 means DefaultSessionDuration
	Name     string
}

// Issue makes a temporary key for req at time now: its id, secret and
// token.
func (s *Sessions) Issue(req SessionRequest, now time.Time) (Session, string, error) {
	d := req.Duration
	if d == 0 {
		d = DefaultSessionDuration
	}
	if d < MinSessionDuration || d > MaxSessionDuration {
		return Session{}, "", fmt.Errorf("%w: session duration %s is outside %s..%s", ErrInvalidSessionRequest, d, MinSessionDuration, MaxSessionDuration)
	}
	if req.ParentID == "" || req.Parent.Secret == "" {
		return Session{}, "", fmt.Errorf("%w: no parent key", ErrInvalidSessionRequest)
	}
	if strings.HasPrefix(req.ParentID, SessionIDPrefix) {
		// A session's rights must trace back to a key that can be revoked.
		return Session{}, "", fmt.Errorf("%w: a temporary key cannot issue temporary keys", ErrInvalidSessionRequest)
	}
	for b, a := range req.Grants {
		if !a.Valid() {
			return Session{}, "", fmt.Errorf("%w: grant %q on bucket %q", ErrInvalidSessionRequest, a, b)
		}
	}
	id, secret, err := adminapi.NewAccessKey(SessionIDPrefix)
	if err != nil {
		return Session{}, "", err
	}
	sess := Session{
		AccessKeyID: id, Secret: secret,
		Parent: req.ParentID, ParentEpoch: secretEpoch(req.Parent.Secret),
		Grants: req.Grants, Issued: now.Unix(), Expires: now.Add(d).Unix(), Name: req.Name,
	}
	token, err := s.seal(sess)
	if err != nil {
		return Session{}, "", err
	}
	return sess, token, nil
}

func (s *Sessions) seal(sess Session) (string, error) {
	plain, err := json.Marshal(sess)
	if err != nil {
		return "", fmt.Errorf("auth: seal session: %w", err)
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("auth: seal session: %w", err)
	}
	sealed := s.aead.Seal(nonce, nonce, plain, []byte(sess.AccessKeyID))
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// maxTokenLen bounds what Open decodes; real tokens are a few hundred
// bytes.
const maxTokenLen = 8 << 10

// Open returns the session token seals for access key id, or an error
// wrapping ErrInvalidSecurityToken when token is not a token this Region
// sealed for id. It does not judge expiry or the parent (see
// Verifier).
func (s *Sessions) Open(id, token string) (Session, error) {
	body, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || len(token) > maxTokenLen {
		return Session{}, fmt.Errorf("%w: not a koss security token", ErrInvalidSecurityToken)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(sealed) < s.aead.NonceSize()+s.aead.Overhead() {
		return Session{}, fmt.Errorf("%w: malformed", ErrInvalidSecurityToken)
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(id))
	if err != nil {
		return Session{}, fmt.Errorf("%w: not sealed by this Region for %s", ErrInvalidSecurityToken, id)
	}
	var sess Session
	if err := json.Unmarshal(plain, &sess); err != nil || sess.AccessKeyID != id || sess.Secret == "" || sess.Parent == "" {
		return Session{}, fmt.Errorf("%w: bad claims", ErrInvalidSecurityToken)
	}
	return sess, nil
}

// secretEpoch fingerprints a secret: the first 16 bytes of its SHA-256.
// It is only ever stored inside sealed tokens.
func secretEpoch(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:16])
}

// sessionPrincipal is the principal of a session whose parent is now
// parent: the intersection of the session's grants and the parent's.
func sessionPrincipal(sess Session, parent Principal) Principal {
	p := Principal{AccessKeyID: sess.AccessKeyID, Parent: sess.Parent}
	switch {
	case sess.Grants == nil && parent.Root:
		p.Root = true
	case sess.Grants == nil:
		p.Grants = parent.Grants
	default:
		p.Grants = make(map[string]object.Access, len(sess.Grants))
		for b, a := range sess.Grants {
			if both := intersectAccess(a, parent, b); both != "" {
				p.Grants[b] = both
			}
		}
	}
	return p
}

// intersectAccess is what both a and the parent's rights on bucket allow.
func intersectAccess(a object.Access, parent Principal, bucket string) object.Access {
	read := a.AllowsRead() && parent.MayRead(bucket)
	write := a.AllowsWrite() && parent.MayWrite(bucket)
	switch {
	case read && write:
		return object.AccessReadWrite
	case read:
		return object.AccessRead
	case write:
		return object.AccessWrite
	}
	return ""
}
