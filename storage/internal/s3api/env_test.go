package s3api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/awsauth"
	"github.com/koss-io/koss/storage/internal/httpapi"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/object/objecttest"
)

const (
	rootID     = "ROOTKEYID"
	rootSecret = "root-secret-0123456789"
	testDomain = "example.com" // httptest's certificate is for *.example.com
)

// env is a Handler over a real single-node store, behind the server's
// middleware (httpapi) as in production, with the real SigV4 verifier.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	store *object.Store
	logs  *bytes.Buffer
	// hc reaches srv whatever host name a request carries (virtual-host
	// style names such as bkt.s3.koss.test:port).
	hc *http.Client
}

func newEnv(t *testing.T, useTLS bool) *env {
	t.Helper()
	// No shared config or environment of the machine changes the clients.
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	for _, k := range []string{"AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION", "AWS_PROFILE",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_CA_BUNDLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Setenv(k, "")
	}
	store := objecttest.NewLocalStore(t, nil)
	keys := auth.NewKeyring(store, rootID, rootSecret)
	verifier := awsauth.New(awsauth.Config{Keys: auth.NewVerifier(auth.Config{Lookup: keys})})
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil))
	h, err := New(Config{Layer: store, Authenticator: verifier, RootAccessKeyID: rootID, Region: "us-east-1",
		Domain: testDomain, SpoolDir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	root, err := httpapi.New(httpapi.Config{Handler: h, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	if useTLS {
		srv = httptest.NewTLSServer(root)
	} else {
		srv = httptest.NewServer(root)
	}
	t.Cleanup(srv.Close)
	hc := srv.Client()
	tr := hc.Transport.(*http.Transport).Clone()
	addr := srv.Listener.Addr().String()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	hc = &http.Client{Transport: tr}
	return &env{t: t, srv: srv, store: store, logs: logs, hc: hc}
}

// lockedWriter serialises log writes from concurrent requests.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// endpoint is the server's URL with the test domain as host (for
// virtual-host style) or its IP literal (path style).
func (e *env) endpoint(virtual bool) string {
	if !virtual {
		return e.srv.URL
	}
	u, _ := url.Parse(e.srv.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	return u.Scheme + "://" + testDomain + ":" + port
}

// sdk is an aws-sdk-go-v2 client built as programs build it
// (config.LoadDefaultConfig: default checksum behaviour, retries), with
// static credentials.
func (e *env) sdk(id, secret string, virtual bool) *s3.Client {
	e.t.Helper()
	cfg, err := config.LoadDefaultConfig(e.t.Context(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret, "")),
		config.WithHTTPClient(e.hc),
		config.WithRetryMaxAttempts(1),
	)
	if err != nil {
		e.t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(e.endpoint(virtual))
		o.UsePathStyle = !virtual
	})
}

func (e *env) root() *s3.Client { return e.sdk(rootID, rootSecret, false) }

// minio is a minio-go client with its defaults (streaming signature over
// plain HTTP), path style.
func (e *env) minio(id, secret string) *minio.Client {
	e.t.Helper()
	u, _ := url.Parse(e.srv.URL)
	c, err := minio.New(u.Host, &minio.Options{
		Creds: miniocreds.NewStaticV4(id, secret, ""), Secure: u.Scheme == "https", Region: "us-east-1",
		Transport: e.hc.Transport, BucketLookup: minio.BucketLookupPath, MaxRetries: 1,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// addKey creates a non-root key with grants.
func (e *env) addKey(id string, grants map[string]object.Access) {
	e.t.Helper()
	if _, err := e.store.CreateKey(e.t.Context(), object.AccessKey{ID: id, Secret: id + "-secret", Grants: grants}); err != nil {
		e.t.Fatal(err)
	}
}

// apiCode is the S3 error code of an SDK error ("" for nil).
func apiCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

// httpStatus is the HTTP status of an SDK error.
func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func wantCode(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	if got := apiCode(err); got != code {
		t.Fatalf("%s: error code %q, want %q (%v)", what, got, code, err)
	}
	if status != 0 {
		if got := httpStatus(err); got != status {
			t.Fatalf("%s: status %d, want %d", what, got, status)
		}
	}
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

func readAll(t *testing.T, r io.ReadCloser) string {
	t.Helper()
	defer func() { _ = r.Close() }()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var _ = strings.Contains
var _ = time.Second
