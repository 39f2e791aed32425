package awsauth

import (
	"errors"
	"io"

	"github.com/koss-io/koss/storage/internal/awsauth/awschunked"
)

// chunkReader removes aws-chunked framing (package awschunked), checking
// the chunk and trailer signatures with signer when it is not nil, and
// turns the decoder's failures into this package's errors: malformed
// framing is InvalidRequest, a short or unreadable body IncompleteBody, and
// a signature error is the signer's. It returns io.EOF only after the last
// chunk and trailer were read and checked and the decoded length equals the
// declared one.
type chunkReader struct {
	r        *awschunked.Reader
	trailers map[string]string // lower-case name → value, after EOF
	err      error
}

func newChunkReader(r io.Reader, signer *chainSigner, trailer bool, declared int64) *chunkReader {
	var chk awschunked.Checker // a nil *chainSigner must stay a nil Checker
	if signer != nil {
		chk = signer
	}
	return &chunkReader{r: awschunked.NewReader(r, chk, trailer, declared)}
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.trailers = c.r.Trailers()
	if err != nil && !errors.Is(err, io.EOF) {
		c.err = chunkError(err)
		return n, c.err
	}
	return n, err
}

// chunkError maps an awschunked failure to an *Error; the signer's errors
// are already ours.
func chunkError(err error) error {
	var framing *awschunked.FramingError
	if errors.As(err, &framing) {
		return errInvalidRequest("%s", framing.Message)
	}
	var incomplete *awschunked.IncompleteError
	if errors.As(err, &incomplete) {
		return errIncompleteBody(incomplete.Cause)
	}
	return err
}

// CheckChunk and CheckTrailer make chainSigner an awschunked.Checker.
func (s *chainSigner) CheckChunk(dataSHA256, sig string) error {
	return s.check(s.chunkStringToSign(dataSHA256), sig)
}

func (s *chainSigner) CheckTrailer(trailerSHA256, sig string) error {
	return s.check(s.trailerStringToSign(trailerSHA256), sig)
}
