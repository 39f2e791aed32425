package certfile

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// DefaultInterval is how often a Source polls its files.
const DefaultInterval = time.Second

// Config names the files of a Source.
type Config struct {
	// CertFile and KeyFile hold the PEM certificate (chain) and its key.
	// Required.
	CertFile, KeyFile string
	// CAFile holds the PEM CA bundle that peers' (or clients')
	// certificates must chain to. Optional for a serving-only Source.
	CAFile string
	// Interval is the polling period; zero means DefaultInterval.
	Interval time.Duration
	// Logger receives reloads and failures to reload; nil discards.
	Logger *slog.Logger
}

type state struct {
	cert *tls.Certificate
	pool *x509.CertPool
	raw  [3][]byte
}

// Source holds the current certificate and CA of a set of files. It is safe
// for concurrent use.
type Source struct {
	cfg Config
	lg  *slog.Logger

	mu  sync.RWMutex
	cur state

	stop context.CancelFunc
	done chan struct{}
}

// New loads the files (they must be valid now) and starts polling them.
// Close stops the polling.
func New(cfg Config) (*Source, error) {
	if cfg.CertFile == "" || cfg.KeyFile == "" {
		return nil, errors.New("certfile: a certificate file and a key file are required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	s := &Source{cfg: cfg, lg: lg.With("component", "tls", "certFile", cfg.CertFile), done: make(chan struct{})}
	if _, err := s.Reload(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go s.poll(ctx)
	return s, nil
}

// Close stops polling. The tls.Configs keep serving the last certificate.
func (s *Source) Close() error {
	s.stop()
	<-s.done
	return nil
}

func (s *Source) poll(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	var lastErr string
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		changed, err := s.Reload()
		switch {
		case err != nil:
			// Log a failure once, not every second while it lasts.
			if err.Error() != lastErr {
				s.lg.Warn("Keeping the current TLS certificate: the files do not hold a valid one", "error", err)
			}
			lastErr = err.Error()
		case changed:
			lastErr = ""
			cert := s.Certificate().Leaf
			s.lg.Info("Reloaded TLS certificate", "subject", cert.Subject.String(), "serial", cert.SerialNumber.String(), "notAfter", cert.NotAfter)
		}
	}
}

// Reload reads the files and, if they changed and hold a valid pair (and
// CA), makes them current. It reports whether the current state changed.
func (s *Source) Reload() (bool, error) {
	var raw [3][]byte
	var err error
	for i, name := range []string{s.cfg.CertFile, s.cfg.KeyFile, s.cfg.CAFile} {
		if name == "" {
			continue
		}
		if raw[i], err = os.ReadFile(name); err != nil {
			return false, fmt.Errorf("certfile: %w", err)
		}
	}
	s.mu.RLock()
	same := bytes.Equal(raw[0], s.cur.raw[0]) && bytes.Equal(raw[1], s.cur.raw[1]) && bytes.Equal(raw[2], s.cur.raw[2])
	s.mu.RUnlock()
	if same {
		return false, nil
	}
	cert, err := tls.X509KeyPair(raw[0], raw[1])
	if err != nil {
		return false, fmt.Errorf("certfile: %s and %s: %w", s.cfg.CertFile, s.cfg.KeyFile, err)
	}
	next := state{cert: &cert, raw: raw}
	if s.cfg.CAFile != "" {
		next.pool = x509.NewCertPool()
		if !next.pool.AppendCertsFromPEM(raw[2]) {
			return false, fmt.Errorf("certfile: %s: no PEM certificate", s.cfg.CAFile)
		}
	}
	s.mu.Lock()
	s.cur = next
	s.mu.Unlock()
	return true, nil
}

// Certificate returns the current certificate (Leaf parsed).
func (s *Source) Certificate() *tls.Certificate {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cur.cert
}

// Pool returns the current CA pool, or nil without a CA file.
func (s *Source) Pool() *x509.CertPool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cur.pool
}

// ServerConfig is the tls.Config of a listener serving the current
// certificate. With requireClientCert, clients must present a certificate
// that chains to the current CA (the Source needs a CA file).
func (s *Source) ServerConfig(requireClientCert bool) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			s.mu.RLock()
			cur := s.cur
			s.mu.RUnlock()
			c := &tls.Config{
				MinVersion:   tls.VersionTLS12,
				NextProtos:   []string{"http/1.1"},
				Certificates: []tls.Certificate{*cur.cert},
			}
			if requireClientCert {
				c.ClientAuth = tls.RequireAndVerifyClientCert
				c.ClientCAs = cur.pool
			}
			return c, nil
		},
	}
}

// ClientConfig is the tls.Config of a peer dialing another node: it
// presents the current certificate and accepts a server whose certificate
// chains to the current CA (any name: see the package doc).
func (s *Source) ClientConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return s.Certificate(), nil
		},
		// The standard verification checks a host name, which peers do
		// not have in their certificates; VerifyConnection does the
		// chain check against the CA of the moment instead.
		InsecureSkipVerify: true, //nolint:gosec // verified in VerifyConnection
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("certfile: peer sent no certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
				Roots:         s.Pool(),
				Intermediates: inter,
				KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			})
			if err != nil {
				return fmt.Errorf("certfile: peer certificate: %w", err)
			}
			return nil
		},
	}
}
