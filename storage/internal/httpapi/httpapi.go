package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The APIs a node serves, as the access log and the metrics name them.
const (
	APIOSS      = "oss"
	APIS3       = "s3"
	APIAdmin    = "admin"
	APIInternal = "internal" // health probes and metric scrapes
)

// Record is what the middleware knows of one request. The handler that
// serves the request fills in what it learns; the middleware reads it once
// the response is done. Only the goroutine serving the request touches it.
type Record struct {
	// ID is the request id, 24 upper-case hex characters (the form of OSS
	// request ids). Dialects echo it in their own response header.
	ID string
	// Start is when the middleware received the request.
	Start time.Time
	// API names the API that served the request (APIOSS, ...); "" until a
	// handler claims it.
	API string
	// Operation is the operation the request was routed to ("GetObject").
	Operation string
	// Bucket and Key are what the request addresses, when it addresses one.
	Bucket, Key string
	// AccessKeyID is the key that signed the request; "" when anonymous. It
	// is not a secret (OSS echoes it in errors); signatures never appear in
	// a Record.
	AccessKeyID string
	// Code is the error code answered, "" on success.
	Code string
	// Err is the cause of a failure, logged with the request when it was
	// answered with a 5xx status (a client error's cause is its code).
	Err error

	requestBytes int64
}

// RequestBytes is how much of the request body the handler has read.
func (rec *Record) RequestBytes() int64 { return rec.requestBytes }

type recordKey struct{}

// RecordOf returns the Record of a request served through New's handler.
// Outside it (a handler tested on its own) it returns a fresh Record, so
// callers never check for nil.
func RecordOf(r *http.Request) *Record {
	if rec, ok := r.Context().Value(recordKey{}).(*Record); ok {
		return rec
	}
	return &Record{ID: newRequestID(), Start: time.Now()}
}

// WithRecord returns ctx carrying rec, for tests that call a handler
// without New.
func WithRecord(ctx context.Context, rec *Record) context.Context {
	return context.WithValue(ctx, recordKey{}, rec)
}

// Mount claims the requests h serves for api (the name in logs and
// metrics), unless a handler further out has claimed them already.
func Mount(api string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec := RecordOf(r); rec.API == "" {
			rec.API = api
		}
		h.ServeHTTP(w, r)
	})
}

// Config configures the root handler.
type Config struct {
	// Handler serves every request; typically the server's dispatch
	// between its APIs.
	Handler http.Handler
	// Logger receives one access-log record per request (health probes and
	// scrapes at debug level) and the cause of every 5xx. Nil discards.
	Logger *slog.Logger
	// Registerer receives the request metrics. Nil skips registration.
	Registerer prometheus.Registerer
	// Quiet logs a request above debug level only when it failed with a
	// 5xx status (error) or took longer than SlowRequest (warning), so that
	// an idle or busy node does not write a line per request. Without it
	// every request is logged at info level.
	Quiet bool
	// RequestIDHeader, when set, names the response header that carries
	// every response's request id (the OSS dialect's x-oss-request-id), so
	// that any response, health probes included, can be found in the log.
	RequestIDHeader string
}

// SlowRequest is how long a request may take before the access log reports
// it at warning level in Quiet mode.
const SlowRequest = 10 * time.Second

// New returns the root handler: it gives each request a Record, counts its
// body and response, recovers from panics and, when the response is done,
// logs the request and records its metrics.
func New(cfg Config) (http.Handler, error) {
	if cfg.Handler == nil {
		return nil, errors.New("httpapi: Handler is required")
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &root{next: cfg.Handler, log: log, metrics: m, idHeader: cfg.RequestIDHeader, quiet: cfg.Quiet}, nil
}

type root struct {
	next     http.Handler
	log      *slog.Logger
	metrics  *metrics
	idHeader string
	quiet    bool
}

func (h *root) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &Record{ID: newRequestID(), Start: time.Now(), Operation: "Unknown"}
	rw := &responseWriter{ResponseWriter: w}
	if h.idHeader != "" {
		w.Header().Set(h.idHeader, rec.ID)
	}
	r = r.WithContext(WithRecord(r.Context(), rec))
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &countingBody{ReadCloser: r.Body, n: &rec.requestBytes}
	}
	defer func() {
		p := recover()
		abort := p != nil
		if p != nil {
			// http.ErrAbortHandler cuts a response that could not be
			// completed (the client sees a truncated body, never a short one
			// that looks whole); anything else is a bug worth a 500, and
			// when the status line is still unsent the 500 is the whole
			// answer.
			if err, ok := p.(error); !ok || !errors.Is(err, http.ErrAbortHandler) {
				rec.Err = fmt.Errorf("panic: %v", p)
				if !rw.wroteHeader {
					http.Error(rw, "internal error", http.StatusInternalServerError)
					abort = false
				}
			}
		}
		h.finish(rw, r, rec)
		if abort {
			panic(http.ErrAbortHandler)
		}
	}()
	h.next.ServeHTTP(rw, r)
}

// finish records the metrics and the access log of a completed request.
func (h *root) finish(rw *responseWriter, r *http.Request, rec *Record) {
	status := rw.status
	if status == 0 {
		status = http.StatusOK
	}
	elapsed := time.Since(rec.Start)
	api := rec.API
	if api == "" {
		api = APIInternal
	}
	h.metrics.observe(api, rec.Operation, status, rec.requestBytes, rw.bytes, elapsed)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case h.quiet && elapsed > SlowRequest:
		level = slog.LevelWarn
	case h.quiet, api == APIInternal:
		// Health probes and metric scrapes arrive every few seconds.
		level = slog.LevelDebug
	}
	if !h.log.Enabled(r.Context(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("requestId", rec.ID),
		slog.String("api", api),
		slog.String("operation", rec.Operation),
		slog.String("method", r.Method),
		slog.String("bucket", rec.Bucket),
		slog.String("key", rec.Key),
		slog.Int("status", status),
		slog.Int64("requestBytes", rec.requestBytes),
		slog.Int64("responseBytes", rw.bytes),
		slog.Duration("duration", elapsed),
		slog.String("remote", r.RemoteAddr),
	}
	if rec.AccessKeyID != "" {
		attrs = append(attrs, slog.String("accessKeyId", rec.AccessKeyID))
	}
	if rec.Code != "" {
		attrs = append(attrs, slog.String("code", rec.Code))
	}
	if status >= 500 && rec.Err != nil {
		attrs = append(attrs, slog.String("error", rec.Err.Error()))
	}
	h.log.LogAttrs(r.Context(), level, "Request", attrs...)
}

// newRequestID returns 24 upper-case hex characters, like OSS request ids.
func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// responseWriter records the status and body size of a response.
type responseWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status = code
		w.wroteHeader = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom lets io.Copy use the underlying writer's fast path (sendfile for
// *os.File readers) while still counting bytes.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	n, err := io.Copy(w.ResponseWriter, src)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// HeaderWritten reports whether the status line of w's response has been
// sent, so that an error can no longer be answered (the handler must cut
// the connection instead). It looks through wrappers that have an Unwrap
// method; a writer New did not make reports false.
func HeaderWritten(w http.ResponseWriter) bool {
	for w != nil {
		if rw, ok := w.(*responseWriter); ok {
			return rw.wroteHeader
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return false
		}
		w = u.Unwrap()
	}
	return false
}

// countingBody counts the request body bytes the handler consumed.
type countingBody struct {
	io.ReadCloser
	n *int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	*b.n += int64(n)
	return n, err
}
