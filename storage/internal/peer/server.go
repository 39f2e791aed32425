package peer

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// StreamKind is the first byte of a stream-protocol connection. Kinds are
// >= 0x80 so that they never collide with the first byte of an HTTP request.
type StreamKind byte

// Stream kinds.
const (
	// KindRaft carries hashicorp/raft's network transport.
	KindRaft StreamKind = 0x81
	// KindReadIndex carries a follower's read-index requests to the
	// leader (package consensus): one small frame each way per round.
	KindReadIndex StreamKind = 0x82
)

// PathPrefix is the root of every peer HTTP path.
const PathPrefix = "/-/peer/"

// ErrClosed is returned after Close.
var ErrClosed = errors.New("peer: closed")

// DialFunc opens a TCP connection, like net.Dialer.DialContext.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// Config configures a Server.
type Config struct {
	// Listen is the TCP address to listen on (host:port; port 0 picks a
	// free port). Ignored when Listener is set.
	Listen string
	// Listener, when set, is used instead of listening on Listen.
	Listener net.Listener
	// Advertise is the host:port other nodes dial to reach this one. It
	// defaults to the listener's address unless that is unspecified
	// (0.0.0.0 or ::), in which case it is required.
	Advertise string
	// NodeID names this node in the requests it signs (for the receiver's
	// logs); it is not a credential.
	NodeID string
	// Secret is the cluster secret (DeriveSecret of the root secret).
	Secret []byte
	// Dial opens every outgoing connection; nil uses a net.Dialer. Tests
	// inject network faults here.
	Dial DialFunc
	// ServerTLS and ClientTLS, both set, make the port mutual TLS: every
	// accepted connection must complete a TLS handshake with a client
	// certificate ServerTLS accepts before its first byte is read, and
	// every outgoing connection (HTTP and streams) is TLS with ClientTLS.
	// The HMAC authentication below runs inside TLS unchanged. Both nil
	// keep plain TCP.
	ServerTLS, ClientTLS *tls.Config
	// Logger receives operational messages; nil discards them.
	Logger *slog.Logger
	// HandshakeTimeout bounds how long an accepted connection may take to
	// send its first byte and, for streams, to finish the handshake.
	HandshakeTimeout time.Duration
	// MaxClockSkew is how far a signed request's date may be from this
	// node's clock.
	MaxClockSkew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultConfig returns a Config with defaults for the timeouts.
func DefaultConfig() Config {
	return Config{HandshakeTimeout: 10 * time.Second, MaxClockSkew: time.Minute}
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	var errs []error
	if c.Listener == nil && c.Listen == "" {
		errs = append(errs, errors.New("a listen address or listener is required"))
	}
	if len(c.Secret) < 16 {
		errs = append(errs, errors.New("the secret must be at least 16 bytes"))
	}
	if c.HandshakeTimeout <= 0 {
		errs = append(errs, errors.New("the handshake timeout must be positive"))
	}
	if c.MaxClockSkew <= 0 {
		errs = append(errs, errors.New("the maximum clock skew must be positive"))
	}
	if (c.ServerTLS == nil) != (c.ClientTLS == nil) {
		errs = append(errs, errors.New("TLS needs both a server and a client configuration"))
	}
	if c.Advertise != "" {
		if _, _, err := net.SplitHostPort(c.Advertise); err != nil {
			errs = append(errs, fmt.Errorf("advertise address: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("peer: config: %w", err)
	}
	return nil
}

// Server is one node's end of the peer network: the listener that splits
// connections between stream protocols and HTTP, the authenticated HTTP
// mux, and a Client for calling other nodes. It is safe for concurrent use.
type Server struct {
	cfg       Config
	lg        *slog.Logger
	ln        net.Listener
	advertise string
	verifier  *verifier
	mux       *http.ServeMux
	http      *http.Server
	httpLn    *chanListener
	client    *Client

	mu      sync.Mutex
	streams map[StreamKind]*StreamListener
	conns   map[net.Conn]struct{} // accepted, not yet classified
	closed  bool

	wg sync.WaitGroup
}

// New listens and starts serving.
func New(cfg Config) (*Server, error) {
	def := DefaultConfig()
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = def.HandshakeTimeout
	}
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = def.MaxClockSkew
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Dial == nil {
		d := &net.Dialer{KeepAlive: 30 * time.Second}
		cfg.Dial = d.DialContext
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.ClientTLS != nil {
		cfg.Dial = tlsDialer(cfg.Dial, cfg.ClientTLS)
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	lg = lg.With("component", "peer")
	ln := cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			return nil, fmt.Errorf("peer: %w", err)
		}
	}
	if cfg.ServerTLS != nil {
		// The handshake happens on classify's first read, under its
		// HandshakeTimeout deadline, in the connection's own goroutine.
		ln = tls.NewListener(ln, cfg.ServerTLS)
	}
	advertise := cfg.Advertise
	if advertise == "" {
		tcp, ok := ln.Addr().(*net.TCPAddr)
		if !ok || tcp.IP.IsUnspecified() {
			_ = ln.Close()
			return nil, fmt.Errorf("peer: config: Advertise is required when listening on %s", ln.Addr())
		}
		advertise = tcp.String()
	}
	s := &Server{
		cfg:       cfg,
		lg:        lg,
		ln:        ln,
		advertise: advertise,
		verifier:  newVerifier(cfg.Secret, cfg.MaxClockSkew, cfg.Now),
		mux:       http.NewServeMux(),
		httpLn:    newChanListener(ln.Addr()),
		streams:   make(map[StreamKind]*StreamListener),
		conns:     make(map[net.Conn]struct{}),
	}
	s.client = newClient(cfg)
	s.http = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: cfg.HandshakeTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(lg.Handler(), slog.LevelDebug),
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		_ = s.http.Serve(s.httpLn)
	}()
	go func() {
		defer s.wg.Done()
		s.acceptLoop()
	}()
	lg.Info("Listening for peers", "address", ln.Addr().String(), "advertise", advertise, "tls", cfg.ServerTLS != nil)
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Advertise returns the address other nodes dial to reach this one.
func (s *Server) Advertise() string { return s.advertise }

// Client returns the client for calling other nodes' peer HTTP APIs.
func (s *Server) Client() *Client { return s.client }

// Handle registers h for pattern (a net/http ServeMux pattern whose path
// starts with PathPrefix, e.g. "POST /-/peer/v1/raft/propose"). Only
// authenticated requests reach h. Registering a pattern twice panics, as
// with http.ServeMux.
func (s *Server) Handle(pattern string, h http.Handler) {
	path := pattern
	if _, p, ok := strings.Cut(pattern, " "); ok {
		path = p
	}
	if !strings.HasPrefix(path, PathPrefix) {
		panic(fmt.Sprintf("peer: pattern %q is outside %s", pattern, PathPrefix))
	}
	s.mux.Handle(pattern, s.authenticate(h))
}

// HandleFunc is Handle for a function.
func (s *Server) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	s.Handle(pattern, http.HandlerFunc(h))
}

func (s *Server) authenticate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.verifier.verify(r); err != nil {
			s.lg.Warn("Rejected peer request", "method", r.Method, "path", r.URL.Path,
				"remote", r.RemoteAddr, "from", r.Header.Get(HeaderFrom), "error", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Stream registers the stream protocol kind and returns its listener.
// Connections of an unregistered kind are closed. A kind can be registered
// again after its listener is closed (a restarted raft instance).
func (s *Server) Stream(kind StreamKind) (*StreamListener, error) {
	if kind < 0x80 {
		return nil, fmt.Errorf("peer: stream kind %#x would collide with HTTP", byte(kind))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if old, ok := s.streams[kind]; ok && !old.isClosed() {
		return nil, fmt.Errorf("peer: stream kind %#x already registered", byte(kind))
	}
	l := &StreamListener{srv: s, kind: kind, conns: make(chan net.Conn), done: make(chan struct{})}
	s.streams[kind] = l
	return l, nil
}

// Close stops listening, closes connections still being classified,
// shuts the HTTP server down (closing its connections) and closes every
// stream listener. Connections already handed to a stream protocol belong
// to it.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	streams := make([]*StreamListener, 0, len(s.streams))
	for _, l := range s.streams {
		streams = append(streams, l)
	}
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	_ = s.http.Close()
	_ = s.httpLn.Close()
	for _, l := range streams {
		_ = l.Close()
	}
	s.client.closeIdle()
	s.wg.Wait()
	return err
}

func (s *Server) acceptLoop() {
	var delay time.Duration
	for {
		c, err := s.ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return
			}
			// Temporary failures (out of file descriptors): back off as
			// net/http does rather than spin.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.lg.Warn("Accept failed", "error", err, "retryIn", delay)
			time.Sleep(delay)
			continue
		}
		delay = 0
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.classify(c)
		}()
	}
}

// classify reads the first byte of c and hands it to a stream listener or
// to the HTTP server.
func (s *Server) classify(c net.Conn) {
	handed := false
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		if !handed {
			_ = c.Close()
		}
	}()
	_ = c.SetDeadline(time.Now().Add(s.cfg.HandshakeTimeout))
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	bc := &bufferedConn{Conn: c, r: br}
	if first[0] < 0x80 {
		_ = c.SetDeadline(time.Time{})
		handed = s.httpLn.deliver(bc)
		return
	}
	kind := StreamKind(first[0])
	s.mu.Lock()
	l := s.streams[kind]
	s.mu.Unlock()
	if l == nil || l.isClosed() {
		s.lg.Debug("Dropped connection of unknown stream kind", "kind", fmt.Sprintf("%#x", first[0]), "remote", c.RemoteAddr().String())
		return
	}
	_, _ = br.Discard(1)
	if err := serverHandshake(br, c, s.cfg.Secret, byte(kind)); err != nil {
		s.lg.Warn("Rejected peer stream", "remote", c.RemoteAddr().String(), "error", err)
		return
	}
	_ = c.SetDeadline(time.Time{})
	handed = l.deliver(bc)
}

// bufferedConn reads through the reader that peeked at the connection.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// StreamListener is a net.Listener for one stream protocol on the peer
// port; it also dials that protocol on other nodes. Its Addr is the
// server's advertise address, which is what raft announces to peers.
type StreamListener struct {
	srv  *Server
	kind StreamKind

	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

// Accept waits for the next authenticated connection of this kind.
func (l *StreamListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting connections of this kind. It does not close the
// peer server.
func (l *StreamListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

// Addr returns the server's advertise address.
func (l *StreamListener) Addr() net.Addr { return advertiseAddr(l.srv.advertise) }

func (l *StreamListener) isClosed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

func (l *StreamListener) deliver(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

// Dial opens an authenticated connection of this kind to the peer at
// address (its advertise address), within timeout.
func (l *StreamListener) Dial(address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := l.srv.cfg.Dial(ctx, "tcp", address)
	if err != nil {
		return nil, err
	}
	deadline, _ := ctx.Deadline()
	_ = c.SetDeadline(deadline)
	if err := clientHandshake(c, l.srv.cfg.Secret, byte(l.kind)); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	_ = c.SetDeadline(time.Time{})
	return c, nil
}

type advertiseAddr string

func (a advertiseAddr) Network() string { return "tcp" }
func (a advertiseAddr) String() string  { return string(a) }

// chanListener is the net.Listener the HTTP server serves: classify
// delivers connections to it.
type chanListener struct {
	addr      net.Addr
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

func (l *chanListener) deliver(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

// tlsDialer wraps dial so that every connection it opens is TLS with cfg,
// handshaken before it is returned: a peer whose certificate is refused
// fails at dial time, before any request byte is sent.
func tlsDialer(dial DialFunc, cfg *tls.Config) DialFunc {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		raw, err := dial(ctx, network, address)
		if err != nil {
			return nil, err
		}
		c := tls.Client(raw, cfg.Clone())
		if err := c.HandshakeContext(ctx); err != nil {
			_ = raw.Close()
			return nil, fmt.Errorf("peer: TLS handshake with %s: %w", address, err)
		}
		return c, nil
	}
}
