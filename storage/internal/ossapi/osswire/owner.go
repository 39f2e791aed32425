package osswire

import (
	"crypto/sha256"
	"strconv"
)

// DerivedOwnerID is the owner id shown for a server whose root key is
// rootAccessKeyID: a stable, numeric-looking account id (OSS account ids are
// numbers) that does not reveal the root key id.
func DerivedOwnerID(rootAccessKeyID string) string {
	sum := sha256.Sum256([]byte("koss-owner:" + rootAccessKeyID))
	var n uint64
	for _, b := range sum[:8] {
		n = n<<8 | uint64(b)
	}
	return strconv.FormatUint(n%1e16, 10)
}
