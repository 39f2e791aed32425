package s3body

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/koss-io/koss/storage/internal/awsauth"
	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// Checksum is a checksum the client sent (x-amz-checksum-* header or
// trailer) and the body was verified against.
type Checksum struct {
	Alg   checksum.Algorithm
	Value string // base64, as S3 shows it
}

// Body is a write's body, of known size, ready for the engine. It
// fails the read that would complete it when the body does not match
// its checksum (or awsauth's payload verification fails), so the engine
// never stores a body that does not match.
type Body struct {
	R    io.Reader
	Size int64
	// Close releases what the body holds (a spool file).
	Close func()
	v     *verifier
	// spooled is set when the body was read (and verified) before the
	// engine sees it: its client checksum is then known up front.
	spooled bool
}

// Checksum returns the client checksum the body was verified against, once
// the engine has read it all; ok is false when the client sent none.
func (b *Body) Checksum() (Checksum, bool) {
	if b.v.src != nil {
		if alg, v := b.v.src.Checksum(); alg != "" {
			return Checksum{alg, v}, true
		}
	}
	return Checksum{}, false
}

// Storable is the client checksum to give the engine with the body: the
// header's (verified as the engine reads), or a trailer's once the body
// was spooled and verified; zero when there is none.
func (b *Body) Storable(header object.Checksum) object.Checksum {
	if header.Algorithm != "" || !b.spooled {
		return header
	}
	if cs, ok := b.Checksum(); ok {
		return object.Checksum{Algorithm: string(cs.Alg), Value: cs.Value, Type: string(checksum.TypeFullObject)}
	}
	return object.Checksum{}
}

// Prepare prepares the body of PutObject or UploadPart: src is the
// request's body as the handler must read it, dec awsauth's decoded body
// when it decoded one (nil otherwise), size the body's length (-1 when
// unknown), trailer whether the request announces an X-Amz-Trailer. A
// body of unknown length is first spooled to a temporary file in spoolDir
// (never to memory): the engine must know an object's size before it
// stores it.
func Prepare(src io.Reader, dec *awsauth.Body, size, limit int64, trailer bool, spoolDir string) (*Body, error) {
	v := &verifier{r: src}
	if dec != nil {
		v.src = dec
	}
	if size > limit {
		return nil, s3wire.ErrEntityTooLarge
	}
	// A trailing checksum is known only after the last byte, too late for
	// the engine, which takes an object's checksum with its body: such a
	// body is spooled first (and verified), so that its checksum is stored
	// with it like a header's.
	if size >= 0 && !trailer {
		v.remaining = size
		return &Body{R: v, Size: size, Close: func() {}, v: v}, nil
	}
	f, err := os.CreateTemp(spoolDir, "koss-s3-spool-*")
	if err != nil {
		return nil, err
	}
	cleanup := func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}
	if size >= 0 {
		v.remaining = size
	} else {
		v.remaining, v.unknown = limit+1, true
	}
	n, err := io.Copy(f, v)
	if err != nil {
		cleanup()
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, err // the spool file failed: a server error
		}
		return nil, ReadErr(err)
	}
	if n > limit {
		cleanup()
		return nil, s3wire.ErrEntityTooLarge
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, err
	}
	// Verified as it was spooled; the engine reads the file as is.
	done := &verifier{src: v.src}
	return &Body{R: f, Size: n, Close: cleanup, v: done, spooled: true}, nil
}

// ErrChecksumMismatch is a body whose x-amz-checksum-* value (header or
// trailer) does not match what was received.
var ErrChecksumMismatch = errors.New("s3api: the body does not match its x-amz-checksum value")

// ReadErr keeps the S3 errors a body read met (a checksum mismatch) and
// marks the others as the request's fault.
func ReadErr(err error) error {
	var ae *s3wire.Error
	if errors.As(err, &ae) || errors.Is(err, ErrChecksumMismatch) {
		return err
	}
	return fmt.Errorf("%w: %w", object.ErrBodyRead, err)
}

// verifier reads a body of a known size (or, unknown, to its end) and
// makes sure it is checked when it ends: it reads past the last byte so
// that awsauth verifies the payload digest, the x-amz-checksum-* header
// or trailer and Content-MD5, which it does on reaching EOF. When the read that completes
// the body finds a mismatch, it withholds those last bytes and returns
// only the error: no reader (io.CopyN and io.ReadFull ignore an error
// that comes with the final byte) can take the body as complete.
type verifier struct {
	r   io.Reader
	src interface {
		Checksum() (checksum.Algorithm, string)
	}
	remaining int64
	unknown   bool // read to EOF instead of remaining bytes
	err       error
}

func (v *verifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if v.remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > v.remaining {
		p = p[:v.remaining]
	}
	n, err := v.r.Read(p)
	v.remaining -= int64(n)
	if v.unknown {
		if err != nil && !errors.Is(err, io.EOF) {
			v.err = err
			return 0, err
		}
		return n, err
	}
	if v.remaining > 0 {
		if err != nil && !errors.Is(err, io.EOF) {
			v.err = err
		} else if errors.Is(err, io.EOF) {
			v.err = io.ErrUnexpectedEOF
			return n, v.err
		}
		return n, err
	}
	// The body is complete. Its reader may have reported a failure with
	// the last bytes; otherwise read past the end so that it checks.
	if err != nil && !errors.Is(err, io.EOF) {
		v.err = err
	} else if err == nil {
		var b [1]byte
		m, perr := v.r.Read(b[:])
		switch {
		case m > 0:
			v.err = fmt.Errorf("%w: request body longer than its declared length", object.ErrIncompleteBody)
		case perr != nil && !errors.Is(perr, io.EOF):
			v.err = perr
		}
	}
	if v.err != nil {
		return 0, v.err
	}
	v.err = io.EOF
	return n, nil
}
