package awschunked

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Checker checks the signatures of a signed aws-chunked body, chained from
// the request's seed signature: each chunk's, given the hex SHA-256 of its
// data, then the trailer's, given the hex SHA-256 of the canonical trailer
// ("name:value\n" per header). Its errors are returned by Read unchanged.
type Checker interface {
	CheckChunk(dataSHA256, sig string) error
	CheckTrailer(trailerSHA256, sig string) error
}

// FramingError is malformed framing or a body that contradicts its headers
// (S3's InvalidRequest); Message is the text for the client.
type FramingError struct{ Message string }

func (e *FramingError) Error() string { return "aws-chunked: " + e.Message }

// IncompleteError is a body that ended early or could not be read (S3's
// IncompleteBody); Cause is the read error, or nil when the chunks ended
// before the declared length.
type IncompleteError struct{ Cause error }

func (e *IncompleteError) Error() string {
	if e.Cause == nil {
		return "aws-chunked: incomplete body"
	}
	return "aws-chunked: incomplete body: " + e.Cause.Error()
}

func (e *IncompleteError) Unwrap() error { return e.Cause }

func framing(format string, args ...any) *FramingError {
	return &FramingError{Message: fmt.Sprintf(format, args...)}
}

func incomplete(cause error) *IncompleteError { return &IncompleteError{Cause: cause} }

// clip shortens client-supplied text quoted in a message (as awsauth's).
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
