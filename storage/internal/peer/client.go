package peer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Client calls other nodes' peer HTTP APIs with signed requests. It is safe
// for concurrent use and keeps connections alive between calls.
type Client struct {
	secret []byte
	from   string
	now    func() time.Time
	tr     *http.Transport
	hc     *http.Client
}

func newClient(cfg Config) *Client {
	tr := &http.Transport{
		DialContext:           cfg.Dial,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 0, // bounded by each request's context
		ExpectContinueTimeout: time.Second,
	}
	return &Client{secret: cfg.Secret, from: cfg.NodeID, now: cfg.Now, tr: tr, hc: &http.Client{Transport: tr}}
}

// Do sends a request with a signed body (which may be nil) to the node
// whose advertise address is addr; path is the escaped path and query,
// e.g. "/-/peer/v1/raft/propose". The caller must close the response body.
// The request is bounded by ctx.
func (c *Client) Do(ctx context.Context, method, addr, path string, body []byte) (*http.Response, error) {
	sum := sha256.Sum256(body)
	return c.do(ctx, method, addr, path, bytes.NewReader(body), int64(len(body)), hex.EncodeToString(sum[:]))
}

// DoUnsigned sends a request whose body of size bytes (-1 if unknown) is
// streamed without being covered by the signature; the receiver must check
// its integrity some other way (blob checksums).
func (c *Client) DoUnsigned(ctx context.Context, method, addr, path string, body io.Reader, size int64) (*http.Response, error) {
	return c.do(ctx, method, addr, path, body, size, UnsignedPayload)
}

// DoUnsignedTrailer is DoUnsigned for a body of unknown length sent
// chunked, followed by trailer: its keys are announced in the request and
// its values must be final when body returns io.EOF (net/http's rule for
// request trailers). Trailers are not covered by the signature either.
func (c *Client) DoUnsignedTrailer(ctx context.Context, method, addr, path string, body io.Reader, trailer http.Header) (*http.Response, error) {
	return c.send(ctx, method, addr, path, body, -1, UnsignedPayload, trailer)
}

func (c *Client) do(ctx context.Context, method, addr, path string, body io.Reader, size int64, contentSHA string) (*http.Response, error) {
	return c.send(ctx, method, addr, path, body, size, contentSHA, nil)
}

func (c *Client) send(ctx context.Context, method, addr, path string, body io.Reader, size int64, contentSHA string, trailer http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, body)
	if err != nil {
		return nil, fmt.Errorf("peer: %w", err)
	}
	req.ContentLength = size
	if size == 0 {
		req.Body = http.NoBody
	}
	req.Trailer = trailer
	sign(req, c.secret, c.from, contentSHA, c.now())
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("peer: %s %s%s: %w", method, addr, path, err)
	}
	return resp, nil
}

func (c *Client) closeIdle() { c.tr.CloseIdleConnections() }

// IsDialError reports whether err happened while connecting, before any
// byte of the request was sent: the request certainly had no effect and
// may be retried, even if it is not idempotent.
func IsDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
