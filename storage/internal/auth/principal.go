package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/koss-io/koss/storage/internal/session"

	"github.com/koss-io/koss/storage/internal/object"
)

// Principal is who signed a request, as authentication found it: the
// Region's root key, or a key with per-bucket grants. It is a value taken
// once per request; authorization decides from it alone.
type Principal struct {
	// AccessKeyID is the id of the key that signed the request.
	AccessKeyID string
	// Root is true for the Region's root key, which may do everything.
	Root bool
	// Grants maps bucket names to what the key may do there (nil for the
	// root key).
	Grants map[string]object.Access
	// Parent is, for a temporary key (AccessKeyID "STS.…"), the key it was
	// issued for; Root and Grants are then already the intersection of the
	// session's and the parent's rights.
	Parent string
}

// MayRead reports whether p may read objects of bucket and list it.
func (p Principal) MayRead(bucket string) bool {
	return p.Root || p.Grants[bucket].AllowsRead()
}

// MayWrite reports whether p may create, change and delete objects of
// bucket.
func (p Principal) MayWrite(bucket string) bool {
	return p.Root || p.Grants[bucket].AllowsWrite()
}

// Key is what a KeyLookup returns: the secret to check a signature with and
// the principal the key stands for.
type Key struct {
	Secret    string
	Principal Principal
	// refused, when set, is the answer to a request whose signature
	// matched this key (a long-lived key sent with a security token).
	refused error
}

// Keyring is the node's KeyLookup: the root key from the node's
// configuration, every other key from the replicated key store. A lookup
// of a stored key reads the store once; the Principal it returns is all
// that authorization needs later in the request.
type Keyring struct {
	keys       object.KeyStore
	rootID     string
	rootSecret string
}

// NewKeyring returns a Keyring over keys and the root credentials.
func NewKeyring(keys object.KeyStore, rootID, rootSecret string) *Keyring {
	return &Keyring{keys: keys, rootID: rootID, rootSecret: rootSecret}
}

// LookupKey implements KeyLookup.
func (k *Keyring) LookupKey(ctx context.Context, id string) (Key, error) {
	if id == k.rootID {
		return Key{Secret: k.rootSecret, Principal: Principal{AccessKeyID: id, Root: true}}, nil
	}
	rec, err := k.keys.GetKey(ctx, id)
	if err != nil {
		if errors.Is(err, object.ErrKeyNotFound) {
			return Key{}, fmt.Errorf("%w: %s", ErrInvalidAccessKeyID, id)
		}
		return Key{}, err
	}
	return Key{Secret: rec.Secret, Principal: Principal{AccessKeyID: id, Grants: rec.Grants}}, nil
}

// StaticKeys is a KeyLookup over a fixed map of access key ids to secrets,
// every one of them a root key. It is meant for tests and examples.
type StaticKeys map[string]string

// LookupKey implements KeyLookup.
func (s StaticKeys) LookupKey(_ context.Context, id string) (Key, error) {
	secret, ok := s[id]
	if !ok {
		return Key{}, fmt.Errorf("%w: %s", ErrInvalidAccessKeyID, id)
	}
	return Key{Secret: secret, Principal: Principal{AccessKeyID: id, Root: true}}, nil
}

// sessionPrincipal is the principal of a session whose parent is now
// parent: the intersection of the session's grants and the parent's.
func sessionPrincipal(sess session.Session, parent Principal) Principal {
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
	return object.AccessOf(a.AllowsRead() && parent.MayRead(bucket), a.AllowsWrite() && parent.MayWrite(bucket))
}
