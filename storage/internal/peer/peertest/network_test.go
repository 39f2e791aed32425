package peertest

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// echoServer echoes every connection.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(c net.Conn, timeout time.Duration) error {
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte("ping")); err != nil {
		return err
	}
	_, err := io.ReadFull(c, make([]byte, 4))
	return err
}

func TestIsolateAndHeal(t *testing.T) {
	addr := echoServer(t)
	n := NewNetwork()
	n.Register("b", addr)
	dial := n.Dialer("a")
	ctx := context.Background()

	c, err := dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if err := roundTrip(c, 10*time.Second); err != nil {
		t.Fatalf("before the cut: %v", err)
	}

	n.Isolate("b")
	var ne net.Error
	if err := roundTrip(c, 200*time.Millisecond); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("established connection after the cut: %v, want a timeout", err)
	}
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := dial(dctx, "tcp", addr); err == nil {
		t.Fatal("dial through the cut succeeded")
	}
	if time.Since(start) < 150*time.Millisecond {
		t.Fatal("dial through the cut failed fast; it should hang like a dropped SYN")
	}

	n.Heal()
	c2, err := dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c2.Close() }()
	if err := roundTrip(c2, 10*time.Second); err != nil {
		t.Fatalf("after healing: %v", err)
	}
}
