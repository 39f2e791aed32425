package layer

import (
	"fmt"
	"unicode/utf8"
)

// ValidBucketName returns nil if name is a valid OSS bucket name: 3 to 63
// bytes of lower-case letters, digits and '-', neither starting nor ending
// with '-'. Otherwise it returns an error wrapping ErrInvalidBucketName.
func ValidBucketName(name string) error {
	if len(name) < 3 || len(name) > 63 {
		return fmt.Errorf("%w: %q must be 3 to 63 bytes long", ErrInvalidBucketName, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return fmt.Errorf("%w: %q may contain only a-z, 0-9 and '-'", ErrInvalidBucketName, name)
		}
	}
	if name[0] == '-' || name[len(name)-1] == '-' {
		return fmt.Errorf("%w: %q must start and end with a letter or digit", ErrInvalidBucketName, name)
	}
	return nil
}

// MaxKeyLength is the longest object key in bytes.
const MaxKeyLength = 1023

// ValidObjectKey returns nil if key is a valid OSS object key: 1 to 1023
// bytes of valid UTF-8 not starting with '/' or '\'. Otherwise it returns an
// error wrapping ErrInvalidObjectName.
func ValidObjectKey(key string) error {
	switch {
	case len(key) == 0 || len(key) > MaxKeyLength:
		return fmt.Errorf("%w: key must be 1 to %d bytes long, not %d", ErrInvalidObjectName, MaxKeyLength, len(key))
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: key is not valid UTF-8", ErrInvalidObjectName)
	case key[0] == '/' || key[0] == '\\':
		return fmt.Errorf("%w: key must not start with '/' or '\\'", ErrInvalidObjectName)
	}
	return nil
}
