package layer

import (
	"context"
	"errors"
	"time"
)

// Errors of the access-key store.
var (
	ErrKeyNotFound = errors.New("object: access key not found")
	// ErrKeyConflict is returned when a key with the same id but a different
	// secret already exists: creation is idempotent only for identical keys.
	ErrKeyConflict = errors.New("object: access key exists with another secret")
)

// Access is what a grant allows on one bucket.
type Access string

// The grant levels of an access key on a bucket.
const (
	AccessRead      Access = "read"
	AccessWrite     Access = "write"
	AccessReadWrite Access = "readwrite"
)

// Valid reports whether a is one of the three grant levels.
func (a Access) Valid() bool {
	return a == AccessRead || a == AccessWrite || a == AccessReadWrite
}

// AllowsRead reports whether the grant lets its holder read objects and list the bucket.
func (a Access) AllowsRead() bool { return a == AccessRead || a == AccessReadWrite }

// AllowsWrite reports whether the grant lets its holder create, change and delete objects.
func (a Access) AllowsWrite() bool { return a == AccessWrite || a == AccessReadWrite }

// AccessOf is the grant that allows reading, writing, both, or (""),
// nothing.
func AccessOf(read, write bool) Access {
	switch {
	case read && write:
		return AccessReadWrite
	case read:
		return AccessRead
	case write:
		return AccessWrite
	}
	return ""
}

// AccessKey is a non-root credential with per-bucket grants. The root key is
// not stored here: it comes from the node's configuration.
type AccessKey struct {
	ID      string
	Secret  string
	Grants  map[string]Access // bucket name -> access
	Created time.Time
}

// KeyStore keeps access keys in the replicated metadata. Methods are safe for
// concurrent use and linearizable like Layer's.
type KeyStore interface {
	// CreateKey stores k. Storing a key whose id exists with the same secret
	// replaces its grants and succeeds (idempotent create); with another
	// secret it fails with ErrKeyConflict.
	CreateKey(ctx context.Context, k AccessKey) (AccessKey, error)
	// GetKey returns a key, or ErrKeyNotFound.
	GetKey(ctx context.Context, id string) (AccessKey, error)
	// ListKeys returns all keys in id order.
	ListKeys(ctx context.Context) ([]AccessKey, error)
	// SetGrants replaces a key's grants.
	SetGrants(ctx context.Context, id string, grants map[string]Access) (AccessKey, error)
	// DeleteKey deletes a key; deleting a missing key is not an error.
	DeleteKey(ctx context.Context, id string) error
}
