package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
)

// errStore is a KeyLookup whose store is down.
type errStore struct{ err error }

func (e errStore) LookupKey(context.Context, string) (Key, error) { return Key{}, e.err }

// TestResolveKeyRules: ResolveKey applies the rules of the OSS verifier, so
// an S3 request is never let in with a key or token OSS would refuse, and
// never gets more rights than the same key has on OSS.
func TestResolveKeyRules(t *testing.T) {
	f := newSessionFixture(t)
	ctx := context.Background()
	sess, token := f.issue(t, map[string]object.Access{"rob": object.AccessReadWrite, "rwb": object.AccessRead}, time.Hour)
	flipped := []byte(token)
	flipped[len(flipped)/2] ^= 1

	k, err := f.v.ResolveKey(ctx, parentID, "")
	if err != nil || k.Secret != parentSecret || k.Refused != nil || k.Principal.AccessKeyID != parentID || !k.Principal.MayWrite("rwb") {
		t.Fatalf("long-lived key: %+v, %v", k.Principal, err)
	}

	k, err = f.v.ResolveKey(ctx, sess.AccessKeyID, token)
	if err != nil || k.Secret != sess.Secret || k.Refused != nil {
		t.Fatalf("temporary key with its token: %v", err)
	}
	// Grants are the session's intersected with the parent's: rob is
	// read-only on the parent, rwb read-only in the session.
	if p := k.Principal; p.Parent != parentID || p.Root || !p.MayRead("rob") || p.MayWrite("rob") || !p.MayRead("rwb") || p.MayWrite("rwb") {
		t.Fatalf("temporary principal %+v has more than token ∩ parent", p)
	}

	k, err = f.v.ResolveKey(ctx, parentID, token)
	if err != nil || !errors.Is(k.Refused, ErrInvalidAccessKeyID) {
		t.Fatalf("long-lived key with a token must resolve with Refused=InvalidAccessKeyId, got %v, %v", k.Refused, err)
	}

	for _, c := range []struct {
		what, id, token string
		want            error
	}{
		{"unknown key", "nosuchkey", "", ErrInvalidAccessKeyID},
		{"temporary key without token", sess.AccessKeyID, "", ErrInvalidAccessKeyID},
		{"temporary key with a bad token", sess.AccessKeyID, string(flipped), ErrInvalidSecurityToken},
	} {
		_, err := f.v.ResolveKey(ctx, c.id, c.token)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.what, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), sess.Secret) || strings.Contains(err.Error(), parentSecret)) {
			t.Errorf("%s: the error names a secret: %v", c.what, err)
		}
	}

	f.now = f.now.Add(2 * time.Hour)
	if _, err := f.v.ResolveKey(ctx, sess.AccessKeyID, token); !errors.Is(err, ErrSecurityTokenExpired) {
		t.Errorf("expired session: %v, want ErrSecurityTokenExpired", err)
	}

	down := errors.New("store unavailable")
	v := NewVerifier(Config{Lookup: errStore{down}})
	if _, err := v.ResolveKey(ctx, "somekey", ""); !errors.Is(err, down) || errors.Is(err, ErrInvalidAccessKeyID) {
		t.Errorf("store failure: %v, want the store's error and not InvalidAccessKeyId", err)
	}
}
