package ossbody

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/koss-io/koss/storage/internal/auth"
)

// TestDrainingReaderFailsEveryConsumer checks that a body failing its signed
// digest fails however the engine consumes it: io.CopyN and io.ReadFull
// both ignore an error that arrives with the final byte.
func TestDrainingReaderFailsEveryConsumer(t *testing.T) {
	data := "signed body of some length"
	sum := sha256.Sum256([]byte(data))
	good := hex.EncodeToString(sum[:])
	bad := strings.Repeat("0", 64)
	consumers := map[string]func(r io.Reader, n int64) error{
		"CopyN": func(r io.Reader, n int64) error { _, err := io.CopyN(io.Discard, r, n); return err },
		"ReadFull": func(r io.Reader, n int64) error {
			_, err := io.ReadFull(r, make([]byte, n))
			return err
		},
		"ReadAll": func(r io.Reader, _ int64) error { _, err := io.ReadAll(r); return err },
	}
	sources := map[string]func() io.Reader{
		"whole":       func() io.Reader { return strings.NewReader(data) },
		"byte-wise":   func() io.Reader { return iotest.OneByteReader(strings.NewReader(data)) },
		"data+EOF":    func() io.Reader { return iotest.DataErrReader(strings.NewReader(data)) },
		"half chunks": func() io.Reader { return iotest.HalfReader(strings.NewReader(data)) },
	}
	for cname, consume := range consumers {
		for sname, src := range sources {
			for _, digest := range []string{good, bad} {
				res := auth.Result{PayloadSHA256: digest}
				r := &drainingReader{r: res.PayloadReader(src()), remaining: int64(len(data))}
				err := consume(r, int64(len(data)))
				if digest == good && err != nil {
					t.Errorf("%s/%s good digest: %v", cname, sname, err)
				}
				if digest == bad && !errors.Is(err, auth.ErrContentSHA256Mismatch) {
					t.Errorf("%s/%s bad digest: %v", cname, sname, err)
				}
			}
		}
	}
	// A body longer than declared is refused too.
	r := &drainingReader{r: bytes.NewReader([]byte("abcdef")), remaining: 3}
	if _, err := io.ReadFull(r, make([]byte, 3)); !errors.Is(err, ErrTooLong) {
		t.Errorf("long body: %v", err)
	}
}
