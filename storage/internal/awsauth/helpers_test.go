package awsauth

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/session"
)

// The AWS documentation's example credentials.
const (
	exampleID     = "AKIAIOSFODNN7EXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// exampleTime is the time of every AWS documentation example.
var exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

// keysAt is a real auth.Verifier used as KeyResolver (so the S3 dialect is
// tested with the OSS rules), knowing the example key, with sessions.
func keysAt(t *testing.T, now func() time.Time) (*auth.Verifier, *session.Sessions) {
	t.Helper()
	s, err := session.New("root-secret-of-the-test-region")
	if err != nil {
		t.Fatal(err)
	}
	return auth.NewVerifier(auth.Config{Lookup: auth.StaticKeys{exampleID: exampleSecret}, Sessions: s, Now: now}), s
}

// exampleVerifier verifies at the AWS examples' time.
func exampleVerifier(t *testing.T) *Verifier {
	now := func() time.Time { return exampleTime }
	keys, _ := keysAt(t, now)
	return New(Config{Keys: keys, Now: now})
}

// serverRequest parses raw HTTP/1.1 request bytes as a server would: Host
// and Content-Length leave the header, the body is bounded.
func serverRequest(t *testing.T, raw string) *http.Request {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// code is the S3 code of err ("" if it is not an *Error).
func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// readAll reads b in small pieces (to cross chunk boundaries at odd
// places) and returns what it read and the error that ended it (nil for
// io.EOF).
func readAll(b io.Reader) ([]byte, error) {
	var out bytes.Buffer
	buf := make([]byte, 777)
	for {
		n, err := b.Read(buf)
		out.Write(buf[:n])
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return out.Bytes(), err
		}
	}
}
