package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
)

// PayloadReader returns a reader over body that enforces the body digest a
// V4 request signed (Result.PayloadSHA256). When the payload is unsigned it
// returns body itself. Otherwise the reader hashes what it passes on and, at
// the end of body, returns an error wrapping ErrContentSHA256Mismatch instead
// of io.EOF if the digest differs, so a handler that streams the body into
// storage fails before committing it.
func (res Result) PayloadReader(body io.Reader) io.Reader {
	if res.PayloadSHA256 == "" {
		return body
	}
	return &payloadReader{r: body, h: sha256.New(), want: res.PayloadSHA256}
}

type payloadReader struct {
	r    io.Reader
	h    hash.Hash
	want string
	err  error // sticky end-of-body result
}

func (p *payloadReader) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.r.Read(b)
	p.h.Write(b[:n])
	if errors.Is(err, io.EOF) {
		if got := hex.EncodeToString(p.h.Sum(nil)); got != p.want {
			err = fmt.Errorf("%w: body hashes to %s", ErrContentSHA256Mismatch, got)
		}
		p.err = err
	}
	return n, err
}
