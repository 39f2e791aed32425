package ossapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/httpapi"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/ossconfig"
	"github.com/koss-io/koss/storage/internal/ossapi/osserr"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
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
	// RootAccessKeyID is the id of the key that may do everything; only its
	// derived owner id is ever shown.
	RootAccessKeyID string
	// Region is the OSS region name without the "oss-" prefix ("local").
	Region string
	// Domain enables virtual-host style: a request for "<bucket>.<Domain>"
	// addresses <bucket>. Empty means path style only.
	Domain string
	// IntranetEndpoint and ExtranetEndpoint (host[:port]) are reported as
	// a bucket's internal and external endpoints (GetBucketInfo,
	// ListBuckets); each empty means the request's Host.
	IntranetEndpoint string
	ExtranetEndpoint string
	// OwnerID is reported as the owner of every bucket and object. Empty
	// means a value derived from RootAccessKeyID (never the id itself).
	OwnerID string
	// SpoolDir receives bodies of unknown length while they are uploaded;
	// empty means os.TempDir().
	SpoolDir string
	// Logger receives warnings about requests that failed midway (the
	// access log itself is the server's, package httpapi). Nil discards.
	Logger *slog.Logger
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

// Handler serves the OSS REST API. It is safe for concurrent use. It
// expects to run under the server's root handler (httpapi.New), which gives
// every request its id and access log.
type Handler struct {
	layer    object.Layer
	keys     object.KeyStore
	verifier Verifier
	region   string
	domain   string
	// intranet and extranet are Config.IntranetEndpoint and
	// Config.ExtranetEndpoint ("" for the request's Host).
	intranet string
	extranet string
	owner    osswire.Owner
	spoolDir string
	log      *slog.Logger
	maxXML   int64
	// config serves the configuration subresources (package ossconfig).
	config *ossconfig.Handler
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
		region:   cfg.Region,
		domain:   cfg.Domain,
		intranet: cfg.IntranetEndpoint,
		extranet: cfg.ExtranetEndpoint,
		spoolDir: cfg.SpoolDir,
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
		id = osswire.DerivedOwnerID(cfg.RootAccessKeyID)
	}
	h.owner = osswire.Owner{ID: id, DisplayName: id}
	h.config = &ossconfig.Handler{Layer: h.layer, Owner: h.owner, WriteXML: writeXML}
	return h, nil
}

// HeaderRequestID carries the request id of every response (the server's
// middleware sets it: httpapi.Config.RequestIDHeader).
const HeaderRequestID = osswire.HeaderRequestID

// reqState is what the handlers of one request share.
type reqState struct {
	// rec is the request's access-log record (id, operation, ...).
	rec    *httpapi.Record
	target target
	// principal is who signed the request; zero for anonymous requests.
	principal auth.Principal
	// payloadWrap, when set, checks an upload body against the payload
	// digest the request signed (V4 x-oss-content-sha256).
	payloadWrap func(io.Reader) io.Reader
}

// anonymous reports whether the request carries no credentials.
func (st *reqState) anonymous() bool { return st.principal.AccessKeyID == "" }

// payload returns the request body reader handlers must stream from.
func (st *reqState) payload(body io.Reader) io.Reader {
	if st.payloadWrap != nil {
		return st.payloadWrap(body)
	}
	return body
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := httpapi.RecordOf(r)
	rec.API = httpapi.APIOSS
	w.Header().Set("Server", osswire.ServerName)
	st := &reqState{rec: rec, target: resolve(r.Host, r.URL.Path, h.domain)}
	rec.Bucket, rec.Key = st.target.bucket, st.target.key
	// One read view for the whole request: the key lookup, the ACL checks
	// and the operation's own reads share one linearizable barrier.
	r = r.WithContext(object.NewReadView(r.Context()))
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		// http.ErrAbortHandler cuts a response that could not be completed;
		// anything else is a bug, answered as OSS answers an internal error
		// when the status line is still unsent. That 500 is a complete
		// response: aborting after it would show the client a cut
		// connection instead. Only a response already under way is cut.
		if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(http.ErrAbortHandler)
		}
		h.log.Error("Panic serving request", "requestId", rec.ID, "panic", fmt.Sprint(p))
		if httpapi.HeaderWritten(w) {
			panic(http.ErrAbortHandler)
		}
		h.writeError(w, r, fmt.Errorf("panic: %v", p))
	}()
	h.serveOSS(w, r, st)
}

// serveOSS routes, authenticates, authorizes and runs one OSS request.
func (h *Handler) serveOSS(w http.ResponseWriter, r *http.Request, st *reqState) {
	t := st.target
	op := route(r.Method, t.bucket, t.key, r.URL.Query(), r.Header)
	st.rec.Operation = op.name
	if op.err != nil {
		h.writeError(w, r, op.err)
		return
	}
	if t.bucket == "" && t.key != "" {
		h.writeError(w, r, osswire.ErrInvalidBucketName)
		return
	}
	if t.bucket != "" && !osswire.ValidBucketName(t.bucket) {
		h.writeError(w, r, osswire.ErrInvalidBucketName.With("BucketName", t.bucket))
		return
	}
	if t.key != "" {
		if ae := osswire.CheckObjectName(t.key); ae != nil {
			h.writeError(w, r, ae)
			return
		}
	}
	if op.access == accessPreflight {
		if err := op.handle(h, w, r, st); err != nil {
			h.writeError(w, r, err)
		}
		return
	}
	// Before authentication, so that a browser can read a refusal too.
	h.config.SetCORSHeaders(w, r, t.bucket)
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
// body, so the document travels base64-encoded in x-oss-err instead. The
// code, and the cause of a 5xx, go to the access log.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := osserr.From(err)
	rec := httpapi.RecordOf(r)
	rec.Code = ae.Code
	if ae.Status >= 500 {
		rec.Err = err
	}
	if httpapi.HeaderWritten(w) {
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
	doc := ae.Document(rec.ID, r.Host)
	if ae.EC != "" {
		hdr.Set(osswire.HeaderEC, ae.EC)
	}
	hdr.Set("Content-Type", "application/xml")
	if r.Method == http.MethodHead {
		hdr.Set(osswire.HeaderErr, base64.StdEncoding.EncodeToString(doc))
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
	body := osswire.MarshalXML(v)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}
