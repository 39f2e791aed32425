package osswire

import (
	"unicode/utf8"

	"github.com/koss-io/koss/storage/internal/object"
)

// ValidBucketName reports whether name follows the OSS bucket naming rule
// (the object layer owns the rule).
func ValidBucketName(name string) bool { return object.ValidBucketName(name) == nil }

// ValidBucketPrefix reports whether p could start a valid bucket name: the
// ListBuckets prefix filter refuses anything else (the v1 SDK's
// IsBucketExist relies on an invalid name failing).
func ValidBucketPrefix(p string) bool {
	if len(p) > 63 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !bucketNameChar(c) {
			return false
		}
	}
	return p == "" || p[0] != '-'
}

// bucketNameChar reports whether c is in [a-z0-9-].
func bucketNameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

// maxKeyLen is the longest object key OSS accepts, in bytes.
const maxKeyLen = 1023

// CheckObjectName validates an object key: 1-1023 bytes of valid UTF-8, not
// starting with "/" or "\". It returns nil or the InvalidObjectName error
// with OSS's message for the case.
func CheckObjectName(key string) *Error {
	switch {
	case key == "":
		return ErrInvalidObjectName.Msgf("The Object name can not be empty")
	case len(key) > maxKeyLen:
		return ErrInvalidObjectName.Msgf("The Length of Object name must be less than 1024")
	case key[0] == '/' || key[0] == '\\', !utf8.ValidString(key):
		return ErrInvalidObjectName
	}
	return nil
}
