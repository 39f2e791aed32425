package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/internal/adminhttp"
	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/awsauth"
	"github.com/koss-io/koss/storage/internal/certfile"
	"github.com/koss-io/koss/storage/internal/httpapi"
	"github.com/koss-io/koss/storage/internal/ossapi"
	"github.com/koss-io/koss/storage/internal/s3api"
	"github.com/koss-io/koss/storage/internal/session"
	"github.com/koss-io/koss/storage/internal/stsapi"
	"github.com/koss-io/koss/storage/internal/workloadid"
)

// Paths served next to the OSS API. Paths under /-/ can never be buckets
// ("-" is not a valid bucket name), so they cannot collide with path-style
// requests.
const (
	PathHealthz = "/-/healthz"
	PathReadyz  = "/-/readyz"
	PathMetrics = "/-/metrics"
)

// ShutdownTimeout bounds how long Run waits for in-flight requests when its
// context ends.
const ShutdownTimeout = 30 * time.Second

// Server is one kossd node: the storage engine, the OSS API, the admin API,
// health and metrics endpoints. Create it with New, serve with Run.
type Server struct {
	cfg     Config
	log     *slog.Logger
	engine  engine
	ln      net.Listener
	tls     *certfile.Source // nil when the OSS API port is plain HTTP
	http    *http.Server
	reg     *prometheus.Registry
	ready   atomic.Bool
	started time.Time

	closeOnce sync.Once
	closeErr  error
}

// New opens the node's data directory and engine and binds the OSS API
// listener (so that Addr is known before Run). On error nothing stays open.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("server: invalid configuration: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("server: data directory: %w", err)
	}
	spool := filepath.Join(cfg.DataDir, "spool")
	if err := resetDir(spool); err != nil {
		return nil, fmt.Errorf("server: spool directory: %w", err)
	}
	s := &Server{cfg: cfg, log: log, reg: prometheus.NewRegistry(), started: time.Now()}
	s.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)

	eng, err := openEngine(cfg, log)
	if err != nil {
		return nil, fmt.Errorf("server: open storage engine: %w", err)
	}
	s.engine = eng
	fail := func(err error) (*Server, error) {
		_ = eng.Close()
		return nil, err
	}
	for _, c := range eng.collectors() {
		if err := s.reg.Register(c); err != nil {
			return fail(fmt.Errorf("server: metrics: %w", err))
		}
	}
	root, err := s.handler(cfg, log, spool)
	if err != nil {
		return fail(err)
	}
	if cfg.TLSCertFile != "" {
		src, err := certfile.New(certfile.Config{
			CertFile: cfg.TLSCertFile, KeyFile: cfg.TLSKeyFile, CAFile: cfg.TLSClientCAFile,
			Interval: cfg.TLSReloadInterval, Logger: log.With("port", "oss"),
		})
		if err != nil {
			return fail(fmt.Errorf("server: TLS: %w", err))
		}
		s.tls = src
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		closeSource(s.tls)
		return fail(fmt.Errorf("server: listen on %s: %w", cfg.Listen, err))
	}
	if s.tls != nil {
		// net/http answers a plain HTTP request on a TLS connection with
		// 400 "Client sent an HTTP request to an HTTPS server" and closes
		// it: nothing is served in clear.
		ln = tls.NewListener(ln, s.tls.ServerConfig(cfg.TLSClientCAFile != ""))
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           root,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelWarn),
	}
	s.ready.Store(true)
	return s, nil
}

// handler builds the node's root handler: the shared middleware (httpapi)
// over the APIs, mounted side by side. Path-style requests under "/-/" are
// the node's own (health, metrics, the admin API); STS calls (path "/" with
// an Action) on the Region's own host name are STS's; requests of the S3
// dialect (isS3) are s3api's; everything else is the OSS dialect's.
func (s *Server) handler(cfg Config, log *slog.Logger, spool string) (http.Handler, error) {
	keys := auth.NewKeyring(s.engine, cfg.RootAccessKeyID, cfg.RootAccessKeySecret)
	sessions, err := session.New(cfg.RootAccessKeySecret)
	if err != nil {
		return nil, err
	}
	verifier := auth.NewVerifier(auth.Config{Lookup: keys, Sessions: sessions, SessionNow: cfg.SessionClock})
	admin, err := adminhttp.New(adminhttp.Config{
		Layer:           s.engine,
		Keys:            s.engine,
		Verifier:        verifier,
		RootAccessKeyID: cfg.RootAccessKeyID,
		ClusterStatus:   s.engine.Cluster,
		Members:         s.engine,
		Sessions:        sessions,
		Lookup:          keys,
		Logger:          log.With("component", "admin"),
	})
	if err != nil {
		return nil, err
	}
	oss, err := ossapi.New(ossapi.Config{
		Layer:            s.engine,
		Keys:             s.engine,
		Verifier:         verifier,
		RootAccessKeyID:  cfg.RootAccessKeyID,
		Region:           cfg.Region,
		Domain:           cfg.Domain,
		IntranetEndpoint: cfg.IntranetEndpoint,
		ExtranetEndpoint: cfg.ExtranetEndpoint,
		SpoolDir:         spool,
		Logger:           log.With("component", "ossapi"),
	})
	if err != nil {
		return nil, err
	}
	s3, err := s3api.New(s3api.Config{
		Layer:           s.engine,
		Authenticator:   awsauth.New(awsauth.Config{Keys: verifier}),
		RootAccessKeyID: cfg.RootAccessKeyID,
		Region:          cfg.Region,
		Domain:          cfg.Domain,
		SpoolDir:        spool,
		Logger:          log.With("component", "s3api"),
	})
	if err != nil {
		return nil, err
	}
	s3API := httpapi.Mount(httpapi.APIS3, s3)
	own := http.NewServeMux()
	own.Handle("GET "+PathHealthz, named("Healthz", http.HandlerFunc(s.healthz)))
	own.Handle("GET "+PathReadyz, named("Readyz", http.HandlerFunc(s.readyz)))
	own.Handle("GET "+PathMetrics, named("Metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})))
	own.Handle(adminapi.PathPrefix+"/", httpapi.Mount(httpapi.APIAdmin, admin))
	ossAPI := httpapi.Mount(httpapi.APIOSS, oss)
	sts, err := stsapi.New(stsapi.Config{
		Lookup:          keys,
		Sessions:        sessions,
		RootAccessKeyID: cfg.RootAccessKeyID,
		Logger:          log.With("component", "sts"),
		Trust:           workloadid.NewTrust(cfg.WorkloadIdentityFile),
	})
	if err != nil {
		return nil, err
	}
	stsAPI := httpapi.Mount(stsapi.APISTS, sts)
	return httpapi.New(httpapi.Config{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if httpapi.Reserved(r, cfg.Domain) {
				own.ServeHTTP(w, r)
				return
			}
			if stsapi.IsSTSRequest(r) {
				if _, _, virtual := httpapi.VirtualHostBucket(r.Host, cfg.Domain); !virtual {
					stsAPI.ServeHTTP(w, r)
					return
				}
			}
			if isS3(r) {
				s3API.ServeHTTP(w, r)
				return
			}
			ossAPI.ServeHTTP(w, r)
		}),
		Logger:          log.With("component", "http"),
		Registerer:      s.reg,
		RequestIDHeader: ossapi.HeaderRequestID,
		Quiet:           !cfg.AccessLog,
	})
}

// isS3 reports whether a request is for the S3 dialect: signed the AWS way
// (SigV4 or SigV2 header, or presigned query: awsauth.IsAWS), a POST
// Object form (signed in its body; the OSS dialect has no PostObject, so
// every form upload is S3's), or unsigned — no Authorization header, no
// OSS presigned parameters — and carrying x-amz-* headers or X-Amz-* query
// parameters. Other unsigned requests (a browser fetching a public-read
// object, curl) are the OSS dialect's, kossd's first: both answer them
// alike but for the header names. OPTIONS requests are never S3's.
func isS3(r *http.Request) bool {
	// Every OPTIONS is a CORS preflight, answered by the OSS dialect from
	// the bucket's rules (the S3 dialect shares them) without looking at
	// any credentials: a browser's preflight for an S3 app carries only
	// Origin and Access-Control-Request-* headers, whatever it names.
	if r.Method == http.MethodOptions {
		return false
	}
	if awsauth.IsAWS(r) || awsauth.IsPostForm(r) {
		return true
	}
	if r.Header.Get("Authorization") != "" {
		return false
	}
	amzQuery := false
	if r.URL.RawQuery != "" { // most requests have none: no map to build
		for name := range r.URL.Query() {
			switch lower := strings.ToLower(name); {
			case lower == "ossaccesskeyid", strings.HasPrefix(lower, "x-oss-"):
				return false
			case strings.HasPrefix(lower, "x-amz-"):
				amzQuery = true
			}
		}
	}
	if amzQuery {
		return true
	}
	for name := range r.Header {
		if strings.HasPrefix(name, "X-Amz-") {
			return true
		}
	}
	return false
}

// named gives the node's own endpoints an operation name in the access
// log and the metrics.
func named(op string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httpapi.RecordOf(r)
		rec.API, rec.Operation = httpapi.APIInternal, op
		h.ServeHTTP(w, r)
	})
}

// closeSource stops a certificate source's polling; nil is no source.
func closeSource(s *certfile.Source) {
	if s != nil {
		_ = s.Close()
	}
}

// resetDir empties (or creates) a directory of temporary files left by a
// previous run.
func resetDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o750)
}

// Addr is the address the OSS API listens on (with the real port when
// Config.Listen asked for port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Run serves until ctx ends, then shuts down gracefully: it stops accepting
// connections, waits up to ShutdownTimeout for in-flight requests, and
// closes the engine. It returns nil after a clean shutdown.
func (s *Server) Run(ctx context.Context) error {
	s.log.Info("Serving the OSS and S3 APIs", "addr", s.Addr(), "tls", s.tls != nil, "nodeId", s.cfg.NodeID, "region", s.cfg.Region, "domain", s.cfg.Domain)
	errc := make(chan error, 1)
	go func() { errc <- s.http.Serve(s.ln) }()
	var err error
	select {
	case err = <-errc:
		// The listener failed on its own.
	case <-ctx.Done():
		s.log.Info("Shutting down")
		s.ready.Store(false)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
		err = s.http.Shutdown(sctx)
		cancel()
		if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, s.Close())
}

// Close releases everything without waiting for requests (Run already
// does this on its way out). It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.ready.Store(false)
		_ = s.http.Close()
		_ = s.ln.Close()
		s.closeErr = s.engine.Close()
		closeSource(s.tls)
	})
	return s.closeErr
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok\n")
}

// readyz answers 200 when the node can serve requests: it is a member of a
// cluster with a known leader (a single node is its own leader) and not
// shutting down.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !s.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready: shutting down\n")
		return
	}
	if err := s.engine.Ready(r.Context()); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready: "+err.Error()+"\n")
		return
	}
	_, _ = io.WriteString(w, "ok\n")
}
