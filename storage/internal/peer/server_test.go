package peer

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func newTestServer(t *testing.T, secret string, mod func(*Config)) *Server {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Listen = "127.0.0.1:0"
	cfg.Secret = DeriveSecret(secret)
	cfg.NodeID = "n-" + secret
	if mod != nil {
		mod(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// echo answers with the body it read, or 400 with the read error.
func echo(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_, _ = w.Write(b)
}

func TestDeriveSecret(t *testing.T) {
	a, b := DeriveSecret("root-secret"), DeriveSecret("root-secret")
	if !bytes.Equal(a, b) || len(a) != 32 {
		t.Fatalf("DeriveSecret is not a stable 32-byte value: %x %x", a, b)
	}
	if bytes.Equal(a, DeriveSecret("other")) {
		t.Fatal("different roots derive the same secret")
	}
	if bytes.Contains(a, []byte("root-secret")) {
		t.Fatal("derived secret contains the root secret")
	}
}

func TestSignedRequests(t *testing.T) {
	srv := newTestServer(t, "s1", nil)
	srv.HandleFunc("POST /-/peer/v1/echo", echo)
	ctx := context.Background()

	t.Run("signed", func(t *testing.T) {
		resp, err := srv.Client().Do(ctx, http.MethodPost, srv.Advertise(), "/-/peer/v1/echo", []byte("hello"))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != "hello" {
			t.Fatalf("got %d %q", resp.StatusCode, b)
		}
	})
	t.Run("unsigned payload", func(t *testing.T) {
		resp, err := srv.Client().DoUnsigned(ctx, http.MethodPost, srv.Advertise(), "/-/peer/v1/echo", strings.NewReader("stream"), 6)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(b) != "stream" {
			t.Fatalf("got %d %q", resp.StatusCode, b)
		}
	})

	other := newTestServer(t, "s2", nil)
	tests := map[string]struct {
		req    func() *http.Request
		status int
	}{
		"no signature": {
			req: func() *http.Request {
				r, _ := http.NewRequest(http.MethodPost, "http://"+srv.Advertise()+"/-/peer/v1/echo", strings.NewReader("x"))
				return r
			},
			status: http.StatusUnauthorized,
		},
		"other cluster's secret": {
			req: func() *http.Request {
				r, _ := http.NewRequest(http.MethodPost, "http://"+srv.Advertise()+"/-/peer/v1/echo", strings.NewReader("x"))
				sign(r, other.cfg.Secret, "intruder", UnsignedPayload, time.Now())
				return r
			},
			status: http.StatusUnauthorized,
		},
		"old date": {
			req: func() *http.Request {
				r, _ := http.NewRequest(http.MethodPost, "http://"+srv.Advertise()+"/-/peer/v1/echo", strings.NewReader("x"))
				sign(r, srv.cfg.Secret, "n", UnsignedPayload, time.Now().Add(-2*time.Minute))
				return r
			},
			status: http.StatusUnauthorized,
		},
		"signature for another path": {
			req: func() *http.Request {
				r, _ := http.NewRequest(http.MethodPost, "http://"+srv.Advertise()+"/-/peer/v1/other", strings.NewReader("x"))
				sign(r, srv.cfg.Secret, "n", UnsignedPayload, time.Now())
				r.URL.Path = "/-/peer/v1/echo"
				return r
			},
			status: http.StatusUnauthorized,
		},
		"tampered body": {
			req: func() *http.Request {
				r, _ := http.NewRequest(http.MethodPost, "http://"+srv.Advertise()+"/-/peer/v1/echo", strings.NewReader("evil"))
				// Digest of "good", signed correctly, body swapped.
				sign(r, srv.cfg.Secret, "n", "770e607624d689265ca6c44884d0807d9b054d23c473c106c72be9de08b7376c", time.Now())
				return r
			},
			status: http.StatusBadRequest,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, err := http.DefaultClient.Do(tc.req())
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}

	t.Run("replay", func(t *testing.T) {
		r, _ := http.NewRequest(http.MethodPost, "http://"+srv.Advertise()+"/-/peer/v1/echo", strings.NewReader("x"))
		sign(r, srv.cfg.Secret, "n", UnsignedPayload, time.Now())
		for i, want := range []int{200, http.StatusUnauthorized} {
			again, _ := http.NewRequest(http.MethodPost, r.URL.String(), strings.NewReader("x"))
			again.Header = r.Header.Clone()
			resp, err := http.DefaultClient.Do(again)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != want {
				t.Fatalf("attempt %d: status %d, want %d", i, resp.StatusCode, want)
			}
		}
	})
}

func TestHandleOutsidePrefixPanics(t *testing.T) {
	srv := newTestServer(t, "s1", nil)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	srv.HandleFunc("GET /bucket/{key}", echo)
}

func TestStreams(t *testing.T) {
	a := newTestServer(t, "same", nil)
	b := newTestServer(t, "same", nil)
	la, err := a.Stream(KindRaft)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := b.Stream(KindRaft)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Stream(KindRaft); err == nil {
		t.Fatal("registered the same kind twice")
	}
	if _, err := a.Stream(StreamKind('G')); err == nil {
		t.Fatal("registered an ASCII kind")
	}
	if la.Addr().String() != a.Advertise() {
		t.Fatalf("stream Addr %s, want advertise %s", la.Addr(), a.Advertise())
	}

	// b accepts and echoes one message per connection.
	go func() {
		for {
			c, err := lb.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				buf := make([]byte, 5)
				if _, err := io.ReadFull(c, buf); err == nil {
					_, _ = c.Write(buf)
				}
			}()
		}
	}()
	c, err := la.Dial(b.Advertise(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	_, _ = c.Write([]byte("hello"))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("echo: %q %v", buf, err)
	}

	// HTTP still works on the same port.
	b.HandleFunc("POST /-/peer/v1/echo", echo)
	resp, err := a.Client().Do(context.Background(), http.MethodPost, b.Advertise(), "/-/peer/v1/echo", []byte("h"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("http beside streams: %d", resp.StatusCode)
	}

	// A node with another secret fails the handshake, on both sides.
	intruder := newTestServer(t, "other", nil)
	li, err := intruder.Stream(KindRaft)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := li.Dial(b.Advertise(), 5*time.Second); !errors.Is(err, ErrHandshake) {
		t.Fatalf("dial with the wrong secret: %v, want ErrHandshake", err)
	}

	// A listener can be registered again once closed.
	_ = la.Close()
	if _, err := a.Stream(KindRaft); err != nil {
		t.Fatalf("re-register after close: %v", err)
	}
}

func TestUnknownStreamKindIsClosed(t *testing.T) {
	srv := newTestServer(t, "s", nil)
	c, err := net.Dial("tcp", srv.Advertise())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	_, _ = c.Write([]byte{0xEE, 1, 2, 3})
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("read %d bytes, err %v; want EOF", n, err)
	}
}

func TestAdvertiseRequiredForWildcard(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Listen = "0.0.0.0:0"
	cfg.Secret = DeriveSecret("x")
	if s, err := New(cfg); err == nil {
		_ = s.Close()
		t.Fatal("listening on 0.0.0.0 without Advertise succeeded")
	}
	cfg.Advertise = "127.0.0.1:1"
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()
	if s.Advertise() != "127.0.0.1:1" {
		t.Fatalf("advertise %s", s.Advertise())
	}
}

func TestIsDialError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	srv := newTestServer(t, "s", nil)
	_, err = srv.Client().Do(context.Background(), http.MethodGet, addr, "/-/peer/v1/x", nil)
	if err == nil || !IsDialError(err) {
		t.Fatalf("refused connection: %v, IsDialError=%v", err, IsDialError(err))
	}
}
