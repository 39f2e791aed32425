package lincheck

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ErrPartial means a body is not a sequence of whole writes: a partial,
// torn or corrupt object.
var ErrPartial = errors.New("lincheck: body is not a sequence of whole writes")

// Body returns the body of the write tagged tag: a header "<tag>/<size>|"
// followed by filler derived from the tag, size bytes in all (more if the
// header alone is longer). Tags must not contain '/', '|' or ';'.
func Body(tag string, size int64) []byte {
	header := tag + "/" + strconv.FormatInt(size, 10) + "|"
	if size < int64(len(header)) {
		size = int64(len(header))
		header = tag + "/" + strconv.FormatInt(size, 10) + "|"
		if size < int64(len(header)) { // the size grew a digit
			size = int64(len(header))
			header = tag + "/" + strconv.FormatInt(size, 10) + "|"
		}
	}
	b := make([]byte, size)
	n := copy(b, header)
	seed := sha256.Sum256([]byte(tag))
	_, _ = rand.NewChaCha8(seed).Read(b[n:]) // ChaCha8.Read never fails
	return b
}

// Decode splits body into the writes it holds and returns their tags,
// each followed by ';'. It fails with ErrPartial unless body is exactly a
// concatenation of whole bodies made by Body.
func Decode(body []byte) (string, error) {
	var tags strings.Builder
	for off := 0; off < len(body); {
		rest := body[off:]
		bar := bytes.IndexByte(rest[:min(len(rest), 128)], '|')
		if bar < 0 {
			return "", fmt.Errorf("%w: no header at offset %d of %d", ErrPartial, off, len(body))
		}
		tag, sizeText, ok := strings.Cut(string(rest[:bar]), "/")
		size, err := strconv.ParseInt(sizeText, 10, 64)
		if !ok || err != nil || size <= int64(bar) {
			return "", fmt.Errorf("%w: bad header %q at offset %d", ErrPartial, rest[:bar], off)
		}
		if size > int64(len(rest)) {
			return "", fmt.Errorf("%w: write %s of %d bytes cut short at %d bytes (offset %d of %d)", ErrPartial, tag, size, len(rest), off, len(body))
		}
		if !bytes.Equal(rest[:size], Body(tag, size)) {
			return "", fmt.Errorf("%w: write %s at offset %d has wrong bytes", ErrPartial, tag, off)
		}
		tags.WriteString(tag)
		tags.WriteByte(';')
		off += int(size)
	}
	return tags.String(), nil
}
