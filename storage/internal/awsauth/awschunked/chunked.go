package awschunked

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"
)

// Limits of the aws-chunked framing we accept. Real chunk headers are under
// 100 bytes and real trailers a line or two.
const (
	maxChunkLine    = 4096
	maxTrailerLines = 16
)

// Reader removes aws-chunked framing:
//
//	<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
//
// followed by "\r\n" or, when a trailer is expected, trailer lines
// "name:value" (and "x-amz-trailer-signature:<sig>" when signed) up to the
// end of the body. minio-go ends trailer lines with a bare "\n" and puts
// blank lines around the signature; AWS SDKs use "\r\n"; both are accepted.
//
// With a signer, every chunk signature is checked after its data (and the
// trailer signature after the trailer), chained from the seed. It returns
// io.EOF only after the last chunk and trailer were read and checked and the
// decoded length equals the declared one.
type Reader struct {
	br       *bufio.Reader
	signer   Checker // nil: chunks carry no signatures
	trailer  bool    // a trailer section is expected
	declared int64   // x-amz-decoded-content-length
	total    int64   // data bytes delivered so far

	left    int64     // data bytes left in the current chunk
	inChunk bool      // a chunk's data (maybe empty now) awaits its CRLF
	sum     hash.Hash // SHA-256 of the current chunk, for its signature
	sig     string    // the current chunk's signature
	done    bool

	trailers map[string]string // lower-case name → value, after EOF (Trailers)
	err      error
}

// NewReader decodes the aws-chunked body r, whose decoded length is
// declared; signer is nil when the chunks are unsigned, and trailer says a
// trailer section follows the last chunk.
func NewReader(r io.Reader, signer Checker, trailer bool, declared int64) *Reader {
	c := &Reader{br: bufio.NewReaderSize(r, 64<<10), signer: signer, trailer: trailer, declared: declared}
	if signer != nil {
		c.sum = sha256.New()
	}
	return c
}

func (c *Reader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for {
		if c.done {
			return 0, io.EOF
		}
		if c.left > 0 {
			if int64(len(p)) > c.left {
				p = p[:c.left]
			}
			n, err := c.br.Read(p)
			c.left -= int64(n)
			c.total += int64(n)
			if c.sum != nil {
				c.sum.Write(p[:n])
			}
			if err == io.EOF && c.left > 0 {
				return n, c.fail(incomplete(io.ErrUnexpectedEOF))
			}
			if err != nil && err != io.EOF {
				return n, c.fail(incomplete(err))
			}
			if n > 0 || len(p) == 0 {
				return n, nil
			}
			continue
		}
		if err := c.next(); err != nil {
			return 0, c.fail(err)
		}
	}
}

func (c *Reader) fail(err error) error {
	c.err = err
	return err
}

// next ends the current chunk (CRLF, signature) and reads the next chunk
// header; at the last chunk it reads the trailer and sets done.
func (c *Reader) next() error {
	if c.inChunk {
		if err := c.expectCRLF(); err != nil {
			return err
		}
		if err := c.checkChunk(); err != nil {
			return err
		}
		c.inChunk = false
	}
	line, err := c.line()
	if err != nil {
		return err
	}
	size, sig, err := parseChunkHeader(line, c.signer != nil)
	if err != nil {
		return err
	}
	if size > c.declared-c.total {
		return framing("the chunks hold more data than x-amz-decoded-content-length (%d bytes)", c.declared)
	}
	c.sig = sig
	if c.sum != nil {
		c.sum.Reset()
	}
	if size > 0 {
		c.left, c.inChunk = size, true
		return nil
	}
	// The last chunk: its signature covers no data.
	if err := c.checkChunk(); err != nil {
		return err
	}
	if c.total != c.declared {
		return incomplete(nil)
	}
	if err := c.readTrailer(); err != nil {
		return err
	}
	c.done = true
	return nil
}

func (c *Reader) checkChunk() error {
	if c.signer == nil {
		return nil
	}
	return c.signer.CheckChunk(hex.EncodeToString(c.sum.Sum(nil)), c.sig)
}

// line reads one framing line without its CRLF; a line that does not end
// in CRLF (bare LF) is malformed, end of body is IncompleteBody.
func (c *Reader) line() (string, error) {
	l, err := c.rawLine()
	if errors.Is(err, io.EOF) {
		return "", incomplete(io.ErrUnexpectedEOF)
	}
	if err != nil {
		return "", err
	}
	s, ok := strings.CutSuffix(l, "\r")
	if !ok {
		return "", framing("malformed aws-chunked framing: a chunk header must end in CRLF")
	}
	return s, nil
}

// rawLine reads up to and without a '\n', at most maxChunkLine bytes. At
// the end of the body it returns what it read and io.EOF.
func (c *Reader) rawLine() (string, error) {
	var b []byte
	for {
		frag, err := c.br.ReadSlice('\n')
		b = append(b, frag...)
		if len(b) > maxChunkLine {
			return "", framing("malformed aws-chunked framing: a line is longer than %d bytes", maxChunkLine)
		}
		switch {
		case err == nil:
			return string(b[:len(b)-1]), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			return string(b), io.EOF
		default:
			return "", incomplete(err)
		}
	}
}

func (c *Reader) expectCRLF() error {
	var crlf [2]byte
	if _, err := io.ReadFull(c.br, crlf[:]); err != nil {
		return incomplete(io.ErrUnexpectedEOF)
	}
	if crlf != [2]byte{'\r', '\n'} {
		return framing("malformed aws-chunked framing: chunk data must be followed by CRLF")
	}
	return nil
}

// parseChunkHeader parses "<hex size>" or "<hex size>;chunk-signature=<sig>".
// A signature is required when signed and refused otherwise.
func parseChunkHeader(line string, signed bool) (int64, string, error) {
	sizeHex, ext, hasExt := strings.Cut(line, ";")
	if sizeHex == "" || len(sizeHex) > 16 || !isHex(sizeHex) {
		return 0, "", framing("malformed aws-chunked framing: bad chunk size %q", clip(sizeHex))
	}
	size, err := strconv.ParseInt(sizeHex, 16, 64)
	if err != nil {
		return 0, "", framing("malformed aws-chunked framing: chunk size %q out of range", clip(sizeHex))
	}
	if !signed {
		if hasExt {
			return 0, "", framing("malformed aws-chunked framing: an unsigned chunk carries an extension")
		}
		return size, "", nil
	}
	sig, ok := strings.CutPrefix(ext, "chunk-signature=")
	if !hasExt || !ok || len(sig) != 64 || !isHex(sig) {
		return 0, "", framing("malformed aws-chunked framing: a signed chunk needs chunk-signature=<64 hex digits>")
	}
	return size, strings.ToLower(sig), nil
}

// readTrailer reads what follows the last chunk header, to the end of the
// body: blank lines only, or (c.trailer) trailer headers and, when signed,
// the trailer signature as the last of them.
func (c *Reader) readTrailer() error {
	var canon strings.Builder
	sig := ""
	c.trailers = map[string]string{}
	for i := 0; ; i++ {
		if i > maxTrailerLines {
			return framing("malformed aws-chunked framing: too many trailer lines")
		}
		l, err := c.rawLine()
		if errors.Is(err, io.EOF) {
			// The end of the body; a line without its newline is a
			// truncated trailer.
			if l != "" {
				return framing("malformed aws-chunked framing: truncated line after the last chunk")
			}
			break
		}
		if err != nil {
			return err
		}
		l = strings.TrimSuffix(l, "\r")
		if l == "" {
			continue
		}
		if !c.trailer || sig != "" {
			return framing("malformed aws-chunked framing: unexpected data after the last chunk")
		}
		name, value, ok := strings.Cut(l, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if !ok || name == "" {
			return framing("malformed aws-chunked trailer line")
		}
		if name == "x-amz-trailer-signature" {
			if c.signer == nil {
				return framing("an unsigned trailer carries a trailer signature")
			}
			if len(value) != 64 || !isHex(value) {
				return framing("malformed x-amz-trailer-signature")
			}
			sig = strings.ToLower(value)
			continue
		}
		if _, dup := c.trailers[name]; dup {
			return framing("the trailer %s is repeated", clip(name))
		}
		c.trailers[name] = value
		canon.WriteString(name + ":" + value + "\n")
	}
	if c.signer != nil && c.trailer {
		if sig == "" {
			return framing("a signed trailer has no x-amz-trailer-signature")
		}
		return c.signer.CheckTrailer(hexSHA256([]byte(canon.String())), sig)
	}
	return nil
}

// Trailers returns the trailer headers, lower-case name → value: an empty
// map once the reader has begun the trailer section (complete after
// io.EOF), nil before.
func (c *Reader) Trailers() map[string]string { return c.trailers }
