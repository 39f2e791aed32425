package ossapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/object"
)

// Verifier authenticates a request: it checks the signature (header or
// presigned-URL form, any version the server accepts) against the canonical
// resource built from bucket and key. A request without any credentials
// yields an error matching auth.ErrAnonymous; the handler then applies the
// anonymous rules. *auth.Verifier implements it.
type Verifier interface {
	Authenticate(ctx context.Context, r *http.Request, bucket, key string) (auth.Result, error)
}

// Config configures a Handler. Layer, Keys, Verifier and RootAccessKeyID are
// required.
type Config struct {
	// Layer is the storage engine.
	Layer object.Layer
	// Keys holds the non-root access keys and their grants.
	Keys object.KeyStore
	// Verifier checks request signatures.
	Verifier Verifier
	// RootAccessKeyID is the id of the key that may do everything.
	RootAccessKeyID string
	// Region is the OSS region name without the "oss-" prefix ("local").
	Region string
	// Domain enables virtual-host style: a request for "<bucket>.<Domain>"
	// addresses <bucket>. Empty means path style only.
	Domain string
	// OwnerID is reported as the owner of every bucket and object. Empty
	// means a value derived from RootAccessKeyID (never the id itself).
	OwnerID string
	// SpoolDir receives bodies of unknown length while they are uploaded;
	// empty means os.TempDir().
	SpoolDir string
	// Reserved serves path-style requests under "/-/" (health, metrics,
	// admin API); nil answers them 404. They pass through the request-id and
	// logging middleware but are not OSS requests.
	Reserved http.Handler
	// Logger receives one access-log record per request. Nil discards.
	Logger *slog.Logger
	// Registerer receives the request metrics. Nil skips registration.
	Registerer prometheus.Registerer
	// MaxXMLBodySize bounds XML request bodies read into memory; 0 means
	// DefaultMaxXMLBodySize.
	MaxXMLBodySize int64
}

// DefaultMaxXMLBodySize is large enough for a DeleteMultipleObjects request
// of 1000 keys of 1023 bytes each, every byte written as a character reference.
const DefaultMaxXMLBodySize = 8 << 20

// Validate reports whether c is usable.
func (c Config) Validate() error {
	var errs []error
	if c.Layer == nil {
		errs = append(errs, errors.New("ossapi: Layer is required"))
	}
	if c.Keys == nil {
		errs = append(errs, errors.New("ossapi: Keys is required"))
	}
	if c.Verifier == nil {
		errs = append(errs, errors.New("ossapi: Verifier is required"))
	}
	if c.RootAccessKeyID == "" {
		errs = append(errs, errors.New("ossapi: RootAccessKeyID is required"))
	}
	return errors.Join(errs...)
}

// Handler serves the OSS REST API. It is safe for concurrent use.
type Handler struct {
	layer    object.Layer
	keys     object.KeyStore
	verifier Verifier
	rootKey  string
	region   string
	domain   string
	owner    owner
	spoolDir string
	reserved http.Handler
	log      *slog.Logger
	metrics  *metrics
	maxXML   int64
}

// New returns a Handler for cfg.
func New(cfg Config) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := &Handler{
		layer:    cfg.Layer,
		keys:     cfg.Keys,
		verifier: cfg.Verifier,
		rootKey:  cfg.RootAccessKeyID,
		region:   cfg.Region,
		domain:   cfg.Domain,
		spoolDir: cfg.SpoolDir,
		reserved: cfg.Reserved,
		log:      cfg.Logger,
		maxXML:   cfg.MaxXMLBodySize,
	}
	if h.region == "" {
		h.region = "local"
	}
	if h.spoolDir == "" {
		h.spoolDir = os.TempDir()
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.maxXML <= 0 {
		h.maxXML = DefaultMaxXMLBodySize
	}
	id := cfg.OwnerID
	if id == "" {
		// A stable, numeric-looking account id (OSS account ids are numbers)
		// that does not reveal the root key id.
		sum := sha256.Sum256([]byte("koss-owner:" + cfg.RootAccessKeyID))
		var n uint64
		for _, b := range sum[:8] {
			n = n<<8 | uint64(b)
		}
		id = strconv.FormatUint(n%1e16, 10)
	}
	h.owner = owner{ID: id, DisplayName: id}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	h.metrics = m
	return h, nil
}

// Header names used in more than one place.
const (
	hdrRequestID          = "X-Oss-Request-Id"
	hdrEC                 = "X-Oss-Ec"
	hdrErr                = "X-Oss-Err"
	hdrNextAppendPosition = "X-Oss-Next-Append-Position"
	hdrCRC64              = "X-Oss-Hash-Crc64ecma"
	hdrObjectType         = "X-Oss-Object-Type"
	hdrStorageClass       = "X-Oss-Storage-Class"
	hdrContentSHA256      = "X-Oss-Content-Sha256"
	metaPrefix            = "X-Oss-Meta-"
)

// serverName is the Server header; clients rely on it being non-empty.
const serverName = "AliyunOSS"

// reqState is the per-request state the middleware and handlers share.
type reqState struct {
	id     string
	op     string
	start  time.Time
	target target
	// accessKeyID is the authenticated key; "" for anonymous requests.
	accessKeyID string
	// key is the non-root key's record, fetched once (nil for root and
	// anonymous requests).
	key *object.AccessKey
	// err is the error answered, for the access log.
	err *apiError
	// reqBytes counts the request body bytes the handler consumed.
	reqBytes int64
	// payloadWrap, when set, checks an upload body against the payload
	// digest the request signed (V4 x-oss-content-sha256).
	payloadWrap func(io.Reader) io.Reader
}

// payload returns the request body reader handlers must stream from.
func (st *reqState) payload(body io.Reader) io.Reader {
	if st.payloadWrap != nil {
		return st.payloadWrap(body)
	}
	return body
}

type stateKey struct{}

func stateFrom(ctx context.Context) *reqState {
	s, _ := ctx.Value(stateKey{}).(*reqState)
	return s
}

// newRequestID returns 24 upper-case hex characters, like OSS request ids.
func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := &reqState{id: newRequestID(), start: time.Now(), op: "Unknown"}
	rw := &responseWriter{ResponseWriter: w}
	w.Header().Set(hdrRequestID, st.id)
	w.Header().Set("Server", serverName)
	ctx := context.WithValue(r.Context(), stateKey{}, st)
	r = r.WithContext(ctx)
	countBody(r, st)

	defer func() {
		if p := recover(); p != nil {
			// http.ErrAbortHandler aborts a response whose body could not be
			// completed (the client sees a truncated body, never a short one
			// that looks complete); anything else is a bug worth a 500.
			if err, ok := p.(error); !ok || !errors.Is(err, http.ErrAbortHandler) {
				h.log.Error("Panic serving request", "requestId", st.id, "panic", fmt.Sprint(p))
				if !rw.wroteHeader {
					h.writeError(rw, r, &errInternal)
				}
			}
			h.finish(rw, r, st)
			panic(http.ErrAbortHandler)
		}
		h.finish(rw, r, st)
	}()

	st.target = resolve(r.Host, r.URL.Path, h.domain)
	if st.target.reserved {
		st.op = "Internal"
		if strings.HasPrefix(r.URL.Path, "/-/admin/") {
			st.op = "Admin"
		}
		if h.reserved == nil {
			http.NotFound(rw, r)
			return
		}
		h.reserved.ServeHTTP(rw, r)
		return
	}
	h.serveOSS(rw, r, st)
}

// finish records metrics and the access log of a completed request.
func (h *Handler) finish(rw *responseWriter, r *http.Request, st *reqState) {
	status := rw.status
	if status == 0 {
		status = http.StatusOK
	}
	elapsed := time.Since(st.start)
	h.metrics.observe(st.op, status, st.reqBytes, rw.bytes, elapsed)
	attrs := []slog.Attr{
		slog.String("requestId", st.id),
		slog.String("operation", st.op),
		slog.String("method", r.Method),
		slog.String("bucket", st.target.bucket),
		slog.String("key", st.target.key),
		slog.Int("status", status),
		slog.Int64("requestBytes", st.reqBytes),
		slog.Int64("responseBytes", rw.bytes),
		slog.Duration("duration", elapsed),
		slog.String("remote", r.RemoteAddr),
	}
	if st.accessKeyID != "" {
		// The id is not a secret (OSS echoes it in errors); the signature and
		// the Authorization header are never logged.
		attrs = append(attrs, slog.String("accessKeyId", st.accessKeyID))
	}
	level := slog.LevelInfo
	if st.op == "Internal" {
		// Health probes and metric scrapes arrive every few seconds.
		level = slog.LevelDebug
	}
	if st.err != nil {
		attrs = append(attrs, slog.String("code", st.err.Code))
		if status >= 500 {
			level = slog.LevelError
		}
	}
	h.log.LogAttrs(r.Context(), level, "Request", attrs...)
}

// serveOSS routes, authenticates, authorizes and runs one OSS request.
func (h *Handler) serveOSS(w *responseWriter, r *http.Request, st *reqState) {
	t := st.target
	op := route(r.Method, t.bucket, t.key, r.URL.Query(), r.Header)
	st.op = op.name
	if op.err != nil {
		h.writeError(w, r, op.err)
		return
	}
	if t.bucket == "" && t.key != "" {
		h.writeError(w, r, &errInvalidBucketName)
		return
	}
	if t.bucket != "" && !validBucketName(t.bucket) {
		h.writeError(w, r, errInvalidBucketName.with("BucketName", t.bucket))
		return
	}
	if t.key != "" {
		if ae := checkObjectName(t.key); ae != nil {
			h.writeError(w, r, ae)
			return
		}
	}
	if err := h.authenticate(r, st); err != nil {
		h.writeError(w, r, err)
		return
	}
	if op.access != accessCustom {
		if err := h.authorize(r.Context(), st, t.bucket, t.key, op.access); err != nil {
			h.writeError(w, r, err)
			return
		}
	}
	if err := op.handle(h, w, r, st); err != nil {
		h.writeError(w, r, err)
	}
}

// writeError sends err as an OSS error response. HEAD responses carry no
// body, so the document travels base64-encoded in x-oss-err instead.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := toAPIError(err)
	st := stateFrom(r.Context())
	if st != nil {
		st.err = ae
		if ae.Status >= 500 {
			h.log.Error("Request failed", "requestId", st.id, "operation", st.op, "error", err.Error())
		}
	}
	if rw, ok := w.(*responseWriter); ok && rw.wroteHeader {
		// Headers are gone already: the only honest thing left is to cut
		// the connection so the client sees a truncated response.
		panic(http.ErrAbortHandler)
	}
	hdr := w.Header()
	for k, v := range ae.Header {
		hdr[k] = v
	}
	if ae.Status == http.StatusNotModified {
		w.WriteHeader(ae.Status)
		return
	}
	id := ""
	if st != nil {
		id = st.id
	}
	doc := ae.document(id, r.Host)
	if ae.EC != "" {
		hdr.Set(hdrEC, ae.EC)
	}
	hdr.Set("Content-Type", "application/xml")
	if r.Method == http.MethodHead {
		hdr.Set(hdrErr, base64.StdEncoding.EncodeToString(doc))
		hdr.Set("Content-Length", "0")
		w.WriteHeader(ae.Status)
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(ae.Status)
	_, _ = w.Write(doc)
}

// writeXML sends a 200 response with an XML document.
func writeXML(w http.ResponseWriter, v any) error {
	body := marshalXML(v)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
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

// countBody wraps the request body so the access log and metrics learn how
// many bytes the handler consumed.
func countBody(r *http.Request, st *reqState) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	r.Body = &countingBody{ReadCloser: r.Body, n: &st.reqBytes}
}

type countingBody struct {
	io.ReadCloser
	n *int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	*b.n += int64(n)
	return n, err
}
