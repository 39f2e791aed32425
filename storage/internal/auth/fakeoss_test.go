package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// seen is what the fake OSS server recorded about one request.
type seen struct {
	method, uri string
	authz       string // the Authorization header
	bucket, key string
	res         Result
	err         error
	bodyErr     error
	body        string
}

func (s seen) String() string {
	return fmt.Sprintf("%s %s (bucket %q key %q): %+v err=%v", s.method, s.uri, s.bucket, s.key, s.res, s.err)
}

// fakeOSS is an OSS look-alike on 127.0.0.1 that authenticates every request
// with a Verifier, records the outcome and answers just enough for the SDKs'
// calls to succeed.
type fakeOSS struct {
	v   *Verifier
	srv *httptest.Server
	mu  sync.Mutex
	log []seen
}

func startFakeOSS(t *testing.T, v *Verifier) *fakeOSS {
	t.Helper()
	f := &fakeOSS{v: v}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

// addr is the server's host:port.
func (f *fakeOSS) addr() string { return f.srv.Listener.Addr().String() }

// port is the server's port.
func (f *fakeOSS) port() string {
	_, p, _ := net.SplitHostPort(f.addr())
	return p
}

// client returns an HTTP client that dials the server for any host name,
// so virtual-host URLs under testDomain reach it.
func (f *fakeOSS) client() *http.Client {
	addr := f.addr()
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
}

// take returns and forgets the recorded requests.
func (f *fakeOSS) take() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.log
	f.log = nil
	return out
}

// errorCode maps Verify errors to OSS codes, as the HTTP layer will.
func errorCode(err error) (string, int) {
	switch {
	case errors.Is(err, ErrAnonymous), errors.Is(err, ErrRequestExpired):
		return "AccessDenied", http.StatusForbidden
	case errors.Is(err, ErrInvalidAccessKeyID):
		return "InvalidAccessKeyId", http.StatusForbidden
	case errors.Is(err, ErrSignatureMismatch):
		return "SignatureDoesNotMatch", http.StatusForbidden
	case errors.Is(err, ErrRequestTimeTooSkewed):
		return "RequestTimeTooSkewed", http.StatusForbidden
	case errors.Is(err, ErrInvalidAuthorization):
		return "InvalidArgument", http.StatusBadRequest
	}
	return "InternalError", http.StatusInternalServerError
}

func (f *fakeOSS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	bucket, key := resolve(r)
	res, err := f.v.Authenticate(r.Context(), r, bucket, key)
	s := seen{method: r.Method, uri: r.RequestURI, authz: r.Header.Get("Authorization"), bucket: bucket, key: key, res: res, err: err}
	var body []byte
	if err == nil {
		body, s.bodyErr = io.ReadAll(res.PayloadReader(r.Body))
		s.body = string(body)
	}
	f.mu.Lock()
	f.log = append(f.log, s)
	f.mu.Unlock()

	h := w.Header()
	h.Set("x-oss-request-id", "5C3D9778CC1C2AEDF85B0000")
	h.Set("Server", "AliyunOSS")
	if err != nil || s.bodyErr != nil {
		if err == nil {
			err = s.bodyErr
		}
		code, status := errorCode(err)
		h.Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			_, _ = fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>test</Message><RequestId>5C3D9778CC1C2AEDF85B0000</RequestId><HostId>h</HostId></Error>`, code)
		}
		return
	}
	q := r.URL.Query()
	xml := func(s string) {
		h.Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+s)
	}
	const etag = `"5D41402ABC4B2A76B9719D911017C592"`
	switch {
	case bucket == "":
		xml(`<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><Buckets></Buckets></ListAllMyBucketsResult>`)
	case key == "" && q.Has("delete"):
		xml(`<DeleteResult></DeleteResult>`)
	case key == "" && q.Has("acl"):
		xml(`<AccessControlPolicy><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><AccessControlList><Grant>private</Grant></AccessControlList></AccessControlPolicy>`)
	case key == "" && r.Method == http.MethodGet:
		xml(`<ListBucketResult><Name>` + bucket + `</Name><Prefix></Prefix><Marker></Marker><MaxKeys>100</MaxKeys><Delimiter></Delimiter><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>`)
	case key == "" && r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case key == "":
		// PutBucket and friends.
	case r.Method == http.MethodPut && r.Header.Get("x-oss-copy-source") != "":
		xml(`<CopyObjectResult><ETag>` + etag + `</ETag><LastModified>2024-01-02T03:04:05.000Z</LastModified></CopyObjectResult>`)
	case r.Method == http.MethodPut:
		h.Set("ETag", etag)
	case r.Method == http.MethodPost && q.Has("append"):
		pos, _ := strconv.ParseInt(q.Get("position"), 10, 64)
		h.Set("x-oss-next-append-position", strconv.FormatInt(pos+int64(len(body)), 10))
		h.Set("ETag", etag)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		h.Set("Content-Length", "5")
		h.Set("Content-Type", "text/plain")
		h.Set("ETag", etag)
		h.Set("Last-Modified", time.Unix(1700000000, 0).UTC().Format(http.TimeFormat))
		h.Set("x-oss-object-type", "Normal")
		h.Set("x-oss-storage-class", "Standard")
		h.Set("Content-MD5", "XUFAKrxLKna5cZ2REBfFkg==")
		if r.Method == http.MethodGet {
			_, _ = io.WriteString(w, "hello")
		}
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	}
}

// expectAll checks that every recorded request (at least one) ended with
// want (nil = authenticated) and returns them.
func (f *fakeOSS) expectAll(t *testing.T, what string, want error) []seen {
	t.Helper()
	got := f.take()
	if len(got) == 0 {
		t.Fatalf("%s: the server saw no request", what)
	}
	for _, s := range got {
		switch {
		case want == nil && (s.err != nil || s.bodyErr != nil):
			var se *SignatureError
			if errors.As(s.err, &se) {
				t.Fatalf("%s: %v\nstring to sign: %q\ncanonical request: %q", what, s, se.StringToSign, se.CanonicalRequest)
			}
			t.Fatalf("%s: %v (body: %v)", what, s, s.bodyErr)
		case want != nil && !errors.Is(s.err, want):
			t.Fatalf("%s: %v, want %v", what, s, want)
		}
	}
	return got
}
