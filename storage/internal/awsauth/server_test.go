package awsauth

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/session"
)

// Real clients sign with these.
const clientID, clientSecret = exampleID, exampleSecret

// seen is what the test server's handler observed of one request.
type seen struct {
	method, path, host string
	payload            string // x-amz-content-sha256 as sent
	header             http.Header
	req                *Request
	body               []byte
	alg                checksum.Algorithm
	value              string
	err                error // from Authenticate or reading the Body
}

// s3Server is an httptest server whose handler authenticates with a
// Verifier, reads the whole Body and answers as S3 would, enough for the
// clients' calls: ETag on writes, an InitiateMultipartUploadResult, a small
// object on GET, an <Error> on failure.
type s3Server struct {
	*httptest.Server
	v        *Verifier
	sessions *session.Sessions
	mu       sync.Mutex
	log      []seen
}

func newS3Server(t *testing.T, tls bool, now func() time.Time) *s3Server {
	t.Helper()
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_CA_BUNDLE", "") // the test servers bring their own certificates
	keys, sessions := keysAt(t, now)
	s := &s3Server{v: New(Config{Keys: keys, Now: now}), sessions: sessions}
	h := http.HandlerFunc(s.serve)
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	t.Cleanup(s.Close)
	return s
}

const getBody = "the object's content"

func (s *s3Server) serve(w http.ResponseWriter, r *http.Request) {
	e := seen{method: r.Method, path: r.URL.EscapedPath(), host: r.Host, payload: r.Header.Get(hContentSHA), header: r.Header.Clone()}
	e.req, e.err = s.v.Authenticate(r.Context(), r)
	if e.err == nil {
		e.body, e.err = io.ReadAll(e.req.Body)
		if e.err == nil {
			e.alg, e.value = e.req.Body.Checksum()
		}
	}
	s.mu.Lock()
	s.log = append(s.log, e)
	s.mu.Unlock()
	if e.err != nil {
		status := http.StatusInternalServerError
		c := "InternalError"
		var ae *Error
		if errors.As(e.err, &ae) {
			status, c = ae.Status, ae.Code
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_ = xml.NewEncoder(w).Encode(struct {
				XMLName xml.Name `xml:"Error"`
				Code    string
				Message string
			}{Code: c, Message: e.err.Error()})
		}
		return
	}
	w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
	w.Header().Set("Last-Modified", "Thu, 03 Dec 2026 10:00:00 GMT")
	switch {
	case r.Method == http.MethodPost && r.URL.Query().Has("uploads"):
		w.Header().Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, `<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><UploadId>up1</UploadId></InitiateMultipartUploadResult>`)
	case r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, "/"):
		w.Header().Set("Content-Length", "20")
		_, _ = io.WriteString(w, getBody)
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	}
}

// last returns what the handler saw of the latest request.
func (s *s3Server) last(t *testing.T) seen {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.log) == 0 {
		t.Fatal("the server saw no request")
	}
	return s.log[len(s.log)-1]
}

// all returns and forgets what the handler saw.
func (s *s3Server) all() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.log
	s.log = nil
	return l
}
