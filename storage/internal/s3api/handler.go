package s3api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/awsauth"
	"github.com/koss-io/koss/storage/internal/httpapi"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3config"
	"github.com/koss-io/koss/storage/internal/s3api/s3err"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// Authenticator verifies an AWS-signed (or unsigned) request and gives
// its decoded body, and verifies the policy of a POST Object form.
// *awsauth.Verifier implements it.
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request) (*awsauth.Request, error)
	VerifyPostPolicy(ctx context.Context, form awsauth.PostForm) (*awsauth.PostRequest, error)
}

// Config configures a Handler. Layer, Authenticator and RootAccessKeyID
// are required.
type Config struct {
	// Layer is the storage engine.
	Layer object.Layer
	// Authenticator checks signatures and decodes bodies.
	Authenticator Authenticator
	// RootAccessKeyID is the id of the key that may do everything; only an
	// owner id derived from it is ever shown.
	RootAccessKeyID string
	// Region is reported as every bucket's region (x-amz-bucket-region,
	// GetBucketLocation). Empty means "local".
	Region string
	// Domain enables virtual-host style: "<bucket>.<Domain>" addresses
	// <bucket>. Empty means path style only.
	Domain string
	// SpoolDir receives bodies of unknown length while they are read;
	// empty means os.TempDir().
	SpoolDir string
	// Logger receives warnings about requests that failed midway. Nil
	// discards.
	Logger *slog.Logger
	// MaxXMLBodySize bounds XML request bodies; 0 means 8 MiB.
	MaxXMLBodySize int64
}

// Handler serves the S3 REST API. It is safe for concurrent use and
// expects to run under the server's root handler (httpapi.New).
type Handler struct {
	layer    object.Layer
	authn    Authenticator
	region   string
	domain   string
	owner    s3wire.Owner
	hostID   string
	spoolDir string
	log      *slog.Logger
	maxXML   int64
	config   *s3config.Handler
}

// New returns a Handler for cfg.
func New(cfg Config) (*Handler, error) {
	var errs []error
	if cfg.Layer == nil {
		errs = append(errs, errors.New("s3api: Layer is required"))
	}
	if cfg.Authenticator == nil {
		errs = append(errs, errors.New("s3api: Authenticator is required"))
	}
	if cfg.RootAccessKeyID == "" {
		errs = append(errs, errors.New("s3api: RootAccessKeyID is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	h := &Handler{layer: cfg.Layer, authn: cfg.Authenticator, region: cfg.Region, domain: cfg.Domain,
		spoolDir: cfg.SpoolDir, log: cfg.Logger, maxXML: cfg.MaxXMLBodySize}
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
		h.maxXML = 8 << 20
	}
	// A canonical user id (64 hex digits, S3's form) that does not reveal
	// the root key id.
	sum := sha256.Sum256([]byte("koss-s3-owner:" + cfg.RootAccessKeyID))
	h.owner = s3wire.Owner{ID: hex.EncodeToString(sum[:]), DisplayName: "koss"}
	host := sha256.Sum256([]byte("koss-s3-host:" + h.region))
	h.hostID = base64.StdEncoding.EncodeToString(host[:])
	h.config = &s3config.Handler{Layer: h.layer, Owner: h.owner, Region: h.region, WriteXML: writeXML, WriteEmpty: writeEmpty}
	return h, nil
}

// reqState is what the handlers of one request share.
type reqState struct {
	rec    *httpapi.Record
	target target
	// principal is who signed the request; zero for anonymous requests.
	principal auth.Principal
	// body is the decoded, verified request body (awsauth); nil when the
	// request has none to decode.
	body *awsauth.Body
}

func (st *reqState) anonymous() bool { return st.principal.AccessKeyID == "" }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := httpapi.RecordOf(r)
	rec.API = httpapi.APIS3
	hdr := w.Header()
	hdr.Set("Server", s3wire.ServerName)
	hdr.Set(s3wire.HeaderRequestID, rec.ID)
	hdr.Set(s3wire.HeaderID2, h.hostID)
	st := &reqState{rec: rec, target: resolve(r.Host, r.URL.Path, h.domain)}
	rec.Bucket, rec.Key = st.target.bucket, st.target.key
	// One read view for the whole request: the ACL checks and the
	// operation's reads share one linearizable barrier.
	r = r.WithContext(object.NewReadView(r.Context()))
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			panic(http.ErrAbortHandler)
		}
		h.log.Error("Panic serving request", "requestId", rec.ID, "panic", fmt.Sprint(p))
		if httpapi.HeaderWritten(w) {
			panic(http.ErrAbortHandler)
		}
		h.writeError(w, r, fmt.Errorf("panic: %v", p))
	}()
	h.serve(w, r, st)
}

// serve routes, authenticates, authorizes and runs one request.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, st *reqState) {
	t := st.target
	op := route(r.Method, t.bucket, t.key, r.URL.Query(), r.Header)
	st.rec.Operation = op.name
	// Before authentication, so that a browser can read a refusal too;
	// only a bucket's own CORS rules decide what it adds.
	h.config.SetCORSHeaders(w, r, st.target.bucket)
	// Authenticate first: a request with a bad signature learns nothing
	// about names or operations. A POST Object form carries its signature
	// in the body: its handler verifies it.
	if !op.formSigned {
		if err := h.authenticate(r, st); err != nil {
			h.writeError(w, r, err)
			return
		}
	}
	if op.err != nil {
		h.writeError(w, r, op.err)
		return
	}
	if t.bucket != "" && !s3wire.ValidBucketName(t.bucket) {
		h.writeError(w, r, s3wire.ErrInvalidBucketName.With("BucketName", t.bucket))
		return
	}
	if t.key != "" {
		if ae := s3wire.CheckKey(t.key); ae != nil {
			h.writeError(w, r, ae.With("Key", t.key))
			return
		}
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

// writeError sends err as an S3 error response; HEAD and 304 responses
// carry no body. The code, and the cause of a 5xx, go to the access log.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := s3err.From(err)
	rec := httpapi.RecordOf(r)
	rec.Code = ae.Code
	if ae.Status >= 500 {
		rec.Err = err
	}
	if httpapi.HeaderWritten(w) {
		// The status line is gone: cut the connection so the client sees
		// a truncated response, not a complete-looking one.
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
	hdr.Set("Content-Type", "application/xml")
	if r.Method == http.MethodHead {
		hdr.Set("Content-Length", "0")
		w.WriteHeader(ae.Status)
		return
	}
	doc := ae.Document(r.URL.Path, rec.ID, h.hostID)
	hdr.Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(ae.Status)
	_, _ = w.Write(doc)
}

// writeXML sends a 200 response with an XML document.
func writeXML(w http.ResponseWriter, v any) error { return writeXMLStatus(w, http.StatusOK, v) }

// writeXMLStatus sends an XML document with status.
func writeXMLStatus(w http.ResponseWriter, status int, v any) error {
	body := s3wire.MarshalXML(v)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}

// writeEmpty sends a response without a body.
func writeEmpty(w http.ResponseWriter, status int) error {
	if status != http.StatusNoContent {
		w.Header().Set("Content-Length", "0")
	}
	w.WriteHeader(status)
	return nil
}
