package peer

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Headers of a signed peer request.
const (
	HeaderDate          = "X-Koss-Peer-Date"
	HeaderNonce         = "X-Koss-Peer-Nonce"
	HeaderFrom          = "X-Koss-Peer-From"
	HeaderContentSHA256 = "X-Koss-Peer-Content-Sha256"
	HeaderSignature     = "X-Koss-Peer-Signature"

	// UnsignedPayload in HeaderContentSHA256 says the body is not covered
	// by the signature (streamed bodies with their own checksums).
	UnsignedPayload = "UNSIGNED-PAYLOAD"
)

// Errors of peer authentication.
var (
	ErrUnauthenticated = errors.New("peer: request not authenticated")
	ErrBodyDigest      = errors.New("peer: body does not match its signed digest")
	ErrHandshake       = errors.New("peer: stream handshake failed")
)

// secretLabel separates the peer secret from any other use of the root
// secret as an HMAC key.
const secretLabel = "koss peer secret v1"

// DeriveSecret returns the cluster secret peers authenticate each other with:
// HMAC-SHA256(rootSecret, label). Every node of a Region holds the same root
// key, so every node derives the same secret without exchanging it.
func DeriveSecret(rootSecret string) []byte {
	m := hmac.New(sha256.New, []byte(rootSecret))
	m.Write([]byte(secretLabel))
	return m.Sum(nil)
}

// signature computes the HMAC of a request's signed parts.
func signature(secret []byte, method, requestURI, date, nonce, from, contentSHA string) string {
	m := hmac.New(sha256.New, secret)
	for _, s := range []string{"KOSS-PEER-HMAC-SHA256", method, requestURI, date, nonce, from, contentSHA} {
		m.Write([]byte(s))
		m.Write([]byte{'\n'})
	}
	return hex.EncodeToString(m.Sum(nil))
}

// sign adds the authentication headers to req. contentSHA is the hex
// SHA-256 of the body or UnsignedPayload.
func sign(req *http.Request, secret []byte, from, contentSHA string, now time.Time) {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	date := strconv.FormatInt(now.Unix(), 10)
	n := hex.EncodeToString(nonce)
	req.Header.Set(HeaderDate, date)
	req.Header.Set(HeaderNonce, n)
	req.Header.Set(HeaderFrom, from)
	req.Header.Set(HeaderContentSHA256, contentSHA)
	req.Header.Set(HeaderSignature, signature(secret, req.Method, req.URL.RequestURI(), date, n, from, contentSHA))
}

// verifier checks signed requests and remembers nonces for twice the
// allowed skew, which is as long as a replayed request could pass the date
// check.
type verifier struct {
	secret []byte
	skew   time.Duration
	now    func() time.Time

	mu     sync.Mutex
	seen   map[string]time.Time // nonce -> when it may be forgotten
	pruned time.Time
}

func newVerifier(secret []byte, skew time.Duration, now func() time.Time) *verifier {
	return &verifier{secret: secret, skew: skew, now: now, seen: make(map[string]time.Time)}
}

// verify authenticates r and, for a signed body, replaces r.Body with a
// reader that fails with ErrBodyDigest at its end if the body does not match.
func (v *verifier) verify(r *http.Request) error {
	date, nonce := r.Header.Get(HeaderDate), r.Header.Get(HeaderNonce)
	from, contentSHA := r.Header.Get(HeaderFrom), r.Header.Get(HeaderContentSHA256)
	got := r.Header.Get(HeaderSignature)
	if date == "" || nonce == "" || contentSHA == "" || got == "" {
		return fmt.Errorf("%w: missing signature headers", ErrUnauthenticated)
	}
	secs, err := strconv.ParseInt(date, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: bad date", ErrUnauthenticated)
	}
	now := v.now()
	t := time.Unix(secs, 0)
	if d := now.Sub(t); d > v.skew || d < -v.skew {
		return fmt.Errorf("%w: date %s is more than %s away from this node's clock", ErrUnauthenticated, t.UTC().Format(time.RFC3339), v.skew)
	}
	want := signature(v.secret, r.Method, r.RequestURI, date, nonce, from, contentSHA)
	if !hmac.Equal([]byte(got), []byte(want)) {
		return fmt.Errorf("%w: signature mismatch", ErrUnauthenticated)
	}
	if !v.remember(nonce, now) {
		return fmt.Errorf("%w: replayed nonce", ErrUnauthenticated)
	}
	if contentSHA != UnsignedPayload {
		digest, err := hex.DecodeString(contentSHA)
		if err != nil || len(digest) != sha256.Size {
			return fmt.Errorf("%w: bad content digest", ErrUnauthenticated)
		}
		r.Body = &digestReader{rc: r.Body, h: sha256.New(), want: digest}
	}
	return nil
}

// remember records nonce and reports whether it was new.
func (v *verifier) remember(nonce string, now time.Time) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	if now.Sub(v.pruned) > v.skew {
		for n, exp := range v.seen {
			if now.After(exp) {
				delete(v.seen, n)
			}
		}
		v.pruned = now
	}
	if _, ok := v.seen[nonce]; ok {
		return false
	}
	v.seen[nonce] = now.Add(2 * v.skew)
	return true
}

// digestReader hashes what is read and checks it at EOF.
type digestReader struct {
	rc   io.ReadCloser
	h    hash.Hash
	want []byte
}

func (d *digestReader) Read(p []byte) (int, error) {
	n, err := d.rc.Read(p)
	d.h.Write(p[:n])
	if err == io.EOF && !bytes.Equal(d.h.Sum(nil), d.want) {
		return n, ErrBodyDigest
	}
	return n, err
}

func (d *digestReader) Close() error { return d.rc.Close() }

// Stream handshake labels and sizes.
const (
	nonceSize  = 16
	macSize    = sha256.Size
	labelSrv   = "koss stream server v1"
	labelCli   = "koss stream client v1"
	handshakeN = nonceSize + macSize
)

func streamMAC(secret []byte, label string, kind byte, clientNonce, serverNonce []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(label))
	m.Write([]byte{kind})
	m.Write(clientNonce)
	m.Write(serverNonce)
	return m.Sum(nil)
}

// clientHandshake runs the dialing side of the stream handshake on rw:
// kind and client nonce out, server nonce and proof in, client proof out.
func clientHandshake(rw io.ReadWriter, secret []byte, kind byte) error {
	hello := make([]byte, 1+nonceSize)
	hello[0] = kind
	rand.Read(hello[1:])
	if _, err := rw.Write(hello); err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	reply := make([]byte, handshakeN)
	if _, err := io.ReadFull(rw, reply); err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	cn, sn := hello[1:], reply[:nonceSize]
	if !hmac.Equal(reply[nonceSize:], streamMAC(secret, labelSrv, kind, cn, sn)) {
		return fmt.Errorf("%w: the server does not know the cluster secret", ErrHandshake)
	}
	if _, err := rw.Write(streamMAC(secret, labelCli, kind, cn, sn)); err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	return nil
}

// serverHandshake runs the accepting side after the kind byte was read.
func serverHandshake(r io.Reader, w io.Writer, secret []byte, kind byte) error {
	cn := make([]byte, nonceSize)
	if _, err := io.ReadFull(r, cn); err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	sn := make([]byte, nonceSize)
	rand.Read(sn)
	if _, err := w.Write(append(sn, streamMAC(secret, labelSrv, kind, cn, sn)...)); err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	proof := make([]byte, macSize)
	if _, err := io.ReadFull(r, proof); err != nil {
		return fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	if !hmac.Equal(proof, streamMAC(secret, labelCli, kind, cn, sn)) {
		return fmt.Errorf("%w: the client does not know the cluster secret", ErrHandshake)
	}
	return nil
}
