package s3wire

import (
	"unicode/utf8"

	"github.com/koss-io/koss/storage/internal/object"
)

// ValidBucketName reports whether name is a bucket name kossd accepts. The
// store's rule (shared with the OSS dialect, so that both see the same
// buckets) is stricter than S3's: no dots, no upper case.
func ValidBucketName(name string) bool { return object.ValidBucketName(name) == nil }

// CheckKey validates an object key: KeyTooLongError above the store's
// limit (1023 bytes; S3's is 1024), InvalidArgument for keys the store
// cannot hold (invalid UTF-8, a leading "/" or "\").
func CheckKey(key string) *Error {
	switch {
	case key == "":
		return ErrInvalidArgument.Msgf("The object key must not be empty.")
	case len(key) > object.MaxKeyLength:
		return ErrKeyTooLong.Msgf("Your key is too long: at most %d bytes.", object.MaxKeyLength).
			With("Size", itoa(len(key))).With("MaxSizeAllowed", itoa(object.MaxKeyLength))
	case !utf8.ValidString(key):
		return ErrInvalidArgument.Msgf("The object key is not valid UTF-8.")
	case key[0] == '/' || key[0] == '\\':
		return ErrInvalidArgument.Msgf("kossd does not store object keys that start with '/' or '\\'.")
	}
	return nil
}
