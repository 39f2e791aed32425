package ossapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/object"
)

// ACL values of buckets and objects.
const (
	aclPrivate         = "private"
	aclPublicRead      = "public-read"
	aclPublicReadWrite = "public-read-write"
	aclDefault         = "default"
)

// authenticate verifies the request's signature and records who sent it.
// An unsigned request is anonymous (accessKeyID ""), not an error: whether
// it may proceed depends on ACLs, decided by authorize.
func (h *Handler) authenticate(r *http.Request, st *reqState) error {
	res, err := h.verifier.Authenticate(r.Context(), r, st.target.bucket, st.target.key)
	if err != nil {
		if isAnonymous(err) {
			return nil
		}
		return err
	}
	id := res.AccessKeyID
	st.accessKeyID = id
	if res.PayloadSHA256 != "" {
		st.payloadWrap = res.PayloadReader
	}
	if id == h.rootKey || st.key != nil {
		return nil
	}
	// KeyLookup usually stashed the key already; fetch it for verifiers that
	// did not use it.
	k, err := h.keys.GetKey(r.Context(), id)
	if err != nil {
		if errors.Is(err, object.ErrKeyNotFound) {
			return &errInvalidAccessKeyID
		}
		return err
	}
	st.key = &k
	return nil
}

func (h *Handler) isRoot(st *reqState) bool {
	return st.accessKeyID != "" && st.accessKeyID == h.rootKey
}

// grantAllows reports whether the request's key holds a grant on bucket that
// allows need.
func grantAllows(st *reqState, bucket string, need access) bool {
	if st.key == nil {
		return false
	}
	g, ok := st.key.Grants[bucket]
	if !ok {
		return false
	}
	switch need {
	case accessRead:
		return g.AllowsRead()
	case accessWrite:
		return g.AllowsWrite()
	}
	return false
}

// authorize decides whether the request may perform an operation needing
// need on bucket (and key, for object operations). The root key may do
// everything; other keys need a grant; anyone, signed or not, may do what
// the bucket's (or object's) ACL makes public. A refusal of a request for a
// bucket that does not exist is NoSuchBucket, as on OSS, so that SDK helpers
// such as the v2 IsBucketExist tell the two apart.
func (h *Handler) authorize(ctx context.Context, st *reqState, bucket, key string, need access) error {
	if h.isRoot(st) {
		return nil
	}
	denied := &errAccessDenied
	if st.accessKeyID == "" {
		denied = &errAnonymousDenied
	}
	if need == accessRoot {
		return denied
	}
	if grantAllows(st, bucket, need) {
		return nil
	}
	info, err := h.layer.GetBucket(ctx, bucket)
	if err != nil {
		return bucketErr(err, bucket)
	}
	allowed, err := h.aclAllows(ctx, info, key, need)
	if err != nil {
		return err
	}
	if allowed {
		return nil
	}
	return denied
}

// aclAllows applies public ACLs. An object's own ACL, when set to anything
// but "default", decides for that object; otherwise the bucket's does. A
// missing object has no ACL of its own; any other failure to read it (the
// Region unavailable, a timeout) is returned, never turned into a refusal:
// a client must see 503 and retry, not a permission verdict.
func (h *Handler) aclAllows(ctx context.Context, b object.BucketInfo, key string, need access) (bool, error) {
	acl := b.ACL
	if key != "" {
		info, err := h.layer.HeadObject(ctx, b.Name, key)
		switch {
		case errors.Is(err, object.ErrObjectNotFound):
		case errors.Is(err, object.ErrBucketNotFound):
			return false, bucketErr(err, b.Name)
		case err != nil:
			return false, err
		default:
			switch info.Metadata.ACL {
			case aclPrivate, aclPublicRead, aclPublicReadWrite:
				acl = info.Metadata.ACL
			}
		}
	}
	switch acl {
	case aclPublicReadWrite:
		return true, nil
	case aclPublicRead:
		return need == accessRead, nil
	}
	return false, nil
}

// validBucketACL reports whether v is an ACL a bucket can have.
func validBucketACL(v string) bool {
	return v == aclPrivate || v == aclPublicRead || v == aclPublicReadWrite
}

// validObjectACL reports whether v is an ACL an object can have.
func validObjectACL(v string) bool {
	return validBucketACL(v) || v == aclDefault
}

// KeyLookup resolves access key secrets for an auth.Verifier: the root key
// from the node's configuration, every other key from the KeyStore. A key
// fetched while serving a Handler request is remembered in that request's
// state, so authorization does not read it a second time.
type KeyLookup struct {
	keys       object.KeyStore
	rootID     string
	rootSecret string
}

// NewKeyLookup returns a KeyLookup over keys and the root credentials.
func NewKeyLookup(keys object.KeyStore, rootID, rootSecret string) *KeyLookup {
	return &KeyLookup{keys: keys, rootID: rootID, rootSecret: rootSecret}
}

// LookupSecret implements auth.SecretLookup.
func (l *KeyLookup) LookupSecret(ctx context.Context, id string) (string, error) {
	if id == l.rootID {
		return l.rootSecret, nil
	}
	k, err := l.keys.GetKey(ctx, id)
	if err != nil {
		if errors.Is(err, object.ErrKeyNotFound) {
			return "", fmt.Errorf("%w: %s", auth.ErrInvalidAccessKeyID, id)
		}
		return "", err
	}
	if st := stateFrom(ctx); st != nil {
		st.key = &k
	}
	return k.Secret, nil
}
