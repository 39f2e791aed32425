package checksum

import (
	"fmt"
	"strings"
)

// Type is how a multipart object's checksum is formed, as
// x-amz-checksum-type names it on CreateMultipartUpload and reports it on
// reads.
type Type string

// The two checksum types of S3.
const (
	// TypeFullObject is the checksum of the whole content (Combine), the same
	// value a single PutObject of that content would have.
	TypeFullObject Type = "FULL_OBJECT"
	// TypeComposite is the checksum of the parts' checksums followed by
	// "-<part count>" (Composite).
	TypeComposite Type = "COMPOSITE"
)

// HeaderType is the header that names the Type.
const HeaderType = "x-amz-checksum-type"

// DefaultType is the type S3 uses for algorithm a when the client names
// none: FULL_OBJECT for CRC64NVME (its only type), COMPOSITE otherwise.
func DefaultType(a Algorithm) Type {
	if a == CRC64NVME {
		return TypeFullObject
	}
	return TypeComposite
}

// ParseType reads an x-amz-checksum-type value for algorithm a ("" gives
// DefaultType(a)). A type the algorithm cannot have (FULL_OBJECT for the
// SHAs, MD5 and the xxHashes; COMPOSITE for CRC64NVME) or an unknown value
// is an error (S3 answers InvalidRequest).
func ParseType(a Algorithm, v string) (Type, error) {
	switch t := Type(strings.ToUpper(strings.TrimSpace(v))); {
	case t == "":
		return DefaultType(a), nil
	case t == TypeFullObject && a.FullObjectCapable(), t == TypeComposite && a.CompositeCapable():
		return t, nil
	case t == TypeFullObject || t == TypeComposite:
		return "", fmt.Errorf("checksum: the checksum type %s is not supported for the algorithm %s", string(t), string(a))
	}
	return "", fmt.Errorf("checksum: unknown checksum type %q (FULL_OBJECT or COMPOSITE)", v)
}
