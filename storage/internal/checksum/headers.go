package checksum

import (
	"fmt"
	"net/http"
	"strings"
)

// HeaderPrefix starts every x-amz-checksum-* header.
const HeaderPrefix = "x-amz-checksum-"

// notAlgorithms are the x-amz-checksum-* headers that do not carry a value:
// the type of a multipart checksum, the GetObject mode, and the algorithm
// of CreateMultipartUpload.
var notAlgorithms = map[string]bool{
	"x-amz-checksum-type":      true,
	"x-amz-checksum-mode":      true,
	"x-amz-checksum-algorithm": true,
}

// FromHeaders finds the one x-amz-checksum-<alg> value header of a request.
// It returns "" and no error when there is none. More than one (different
// algorithms, or one repeated), an algorithm S3 does not know, or a value
// that is not the base64 of a sum of the algorithm's size is an error (S3
// answers InvalidRequest).
func FromHeaders(h http.Header) (Algorithm, string, error) {
	var found Algorithm
	var value string
	for name, vs := range h {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, HeaderPrefix) || notAlgorithms[lower] {
			continue
		}
		a, ok := Parse(strings.TrimPrefix(lower, HeaderPrefix))
		if !ok {
			return "", "", fmt.Errorf("checksum: unsupported checksum header %s", lower)
		}
		if found != "" || len(vs) != 1 {
			return "", "", fmt.Errorf("checksum: a request may carry only one x-amz-checksum-* value")
		}
		found, value = a, strings.TrimSpace(vs[0])
	}
	if found == "" {
		return "", "", nil
	}
	if _, err := found.Decode(value); err != nil {
		return "", "", err
	}
	return found, value, nil
}

// FromTrailerName returns the algorithm of a trailer name as x-amz-trailer
// announces it ("x-amz-checksum-crc32"), in any case.
func FromTrailerName(name string) (Algorithm, bool) {
	lower := strings.ToLower(strings.TrimSpace(name))
	if !strings.HasPrefix(lower, HeaderPrefix) || notAlgorithms[lower] {
		return "", false
	}
	return Parse(strings.TrimPrefix(lower, HeaderPrefix))
}
