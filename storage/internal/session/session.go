package session

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

// Errors of Issue and Open. Package auth answers a request whose token
// fails to open with its ErrInvalidToken, wrapping ErrInvalidToken.
var (
	// ErrInvalidToken means a token is not one this Region sealed for the
	// access key id it came with.
	ErrInvalidToken = errors.New("session: the security token is invalid")
	// ErrInvalidRequest means a request for temporary credentials asks for
	// what cannot be issued (a duration out of range, a temporary parent,
	// a bad grant).
	ErrInvalidRequest = errors.New("session: invalid session request")
)

// IDPrefix starts the access key id of every temporary key, as on
// OSS.
const IDPrefix = "STS."

// Session lifetimes, as Alibaba STS allows them (DurationSeconds).
const (
	MinDuration     = 15 * time.Minute
	MaxDuration     = 12 * time.Hour
	DefaultDuration = time.Hour
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

// New derives the Region's token key from its root secret.
func New(rootSecret string) (*Sessions, error) {
	if rootSecret == "" {
		return nil, errors.New("session: the root secret is required")
	}
	key, err := hkdf.Key(sha256.New, []byte(rootSecret), nil, "koss security token v1", 32)
	if err != nil {
		return nil, fmt.Errorf("session: derive token key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("session: token key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("session: token key: %w", err)
	}
	return &Sessions{aead: aead}, nil
}

// Request is what a caller asks for: rights no wider than the parent's.
type Request struct {
	// ParentID and ParentSecret are the key the session draws its rights
	// from.
	ParentID     string
	ParentSecret string
	// Grants narrow the parent's rights (nil: all of them).
	Grants   map[string]object.Access
	Duration time.Duration // 0 means DefaultDuration
	Name     string
}

// Issue makes a temporary key for req at time now: its id, secret and
// token.
func (s *Sessions) Issue(req Request, now time.Time) (Session, string, error) {
	d := req.Duration
	if d == 0 {
		d = DefaultDuration
	}
	if d < MinDuration || d > MaxDuration {
		return Session{}, "", fmt.Errorf("%w: session duration %s is outside %s..%s", ErrInvalidRequest, d, MinDuration, MaxDuration)
	}
	if req.ParentID == "" || req.ParentSecret == "" {
		return Session{}, "", fmt.Errorf("%w: no parent key", ErrInvalidRequest)
	}
	if strings.HasPrefix(req.ParentID, IDPrefix) {
		// A session's rights must trace back to a key that can be revoked.
		return Session{}, "", fmt.Errorf("%w: a temporary key cannot issue temporary keys", ErrInvalidRequest)
	}
	for b, a := range req.Grants {
		if !a.Valid() {
			return Session{}, "", fmt.Errorf("%w: grant %q on bucket %q", ErrInvalidRequest, a, b)
		}
	}
	id, secret, err := adminapi.NewAccessKey(IDPrefix)
	if err != nil {
		return Session{}, "", err
	}
	sess := Session{
		AccessKeyID: id, Secret: secret,
		Parent: req.ParentID, ParentEpoch: Epoch(req.ParentSecret),
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
		return "", fmt.Errorf("session: seal: %w", err)
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("session: seal: %w", err)
	}
	sealed := s.aead.Seal(nonce, nonce, plain, []byte(sess.AccessKeyID))
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// maxTokenLen bounds what Open decodes; real tokens are a few hundred
// bytes.
const maxTokenLen = 8 << 10

// Open returns the session token seals for access key id, or an error
// wrapping ErrInvalidToken when token is not a token this Region
// sealed for id. It does not judge expiry or the parent (see
// Verifier).
func (s *Sessions) Open(id, token string) (Session, error) {
	body, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok || len(token) > maxTokenLen {
		return Session{}, fmt.Errorf("%w: not a koss security token", ErrInvalidToken)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(sealed) < s.aead.NonceSize()+s.aead.Overhead() {
		return Session{}, fmt.Errorf("%w: malformed", ErrInvalidToken)
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(id))
	if err != nil {
		return Session{}, fmt.Errorf("%w: not sealed by this Region for %s", ErrInvalidToken, id)
	}
	var sess Session
	if err := json.Unmarshal(plain, &sess); err != nil || sess.AccessKeyID != id || sess.Secret == "" || sess.Parent == "" {
		return Session{}, fmt.Errorf("%w: bad claims", ErrInvalidToken)
	}
	return sess, nil
}

// Epoch fingerprints a secret: the first 16 bytes of its SHA-256. It is
// only ever stored inside sealed tokens; a parent whose Epoch changed is
// another key.
func Epoch(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:16])
}
