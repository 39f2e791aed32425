package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/session"
)

// KeyLookup finds an access key by id: its secret, to check the signature
// with, and the principal the key stands for. It returns
// ErrInvalidAccessKeyID (or wraps it) for unknown ids. Other errors (e.g.
// the metadata store is unavailable) are passed through by Authenticate,
// wrapped, so the HTTP layer can answer 5xx for them. Keyring is the
// node's implementation.
type KeyLookup interface {
	LookupKey(ctx context.Context, accessKeyID string) (Key, error)
}

// DefaultMaxSkew is the clock skew OSS tolerates on header-signed requests.
const DefaultMaxSkew = 15 * time.Minute

// Config configures a Verifier.
type Config struct {
	// Lookup resolves access key ids to secrets. A nil Lookup knows no key:
	// every credentialed request fails with ErrInvalidAccessKeyID.
	Lookup KeyLookup
	// Now is the server clock; nil means time.Now.
	Now func() time.Time
	// SessionNow is the clock temporary keys' expiry is judged by; nil
	// means Now. A test knob: a node whose session clock runs ahead sees
	// sessions expire without waiting their 15 minutes, while request
	// times are still judged by Now.
	SessionNow func() time.Time
	// MaxSkew is the tolerated difference between a header-signed request's
	// time and Now; 0 means DefaultMaxSkew (15 min).
	MaxSkew time.Duration
	// Sessions opens the security tokens of temporary keys (session.go);
	// nil refuses every request that carries one.
	Sessions *session.Sessions
}

// Verifier authenticates OSS requests. It is safe for concurrent use.
type Verifier struct {
	lookup     KeyLookup
	now        func() time.Time
	sessionNow func() time.Time
	maxSkew    time.Duration
	sessions   *session.Sessions
}

// NewVerifier returns a Verifier for cfg, with defaults filled in.
func NewVerifier(cfg Config) *Verifier {
	v := &Verifier{lookup: cfg.Lookup, now: cfg.Now, sessionNow: cfg.SessionNow, maxSkew: cfg.MaxSkew, sessions: cfg.Sessions}
	if v.now == nil {
		v.now = time.Now
	}
	if v.sessionNow == nil {
		v.sessionNow = v.now
	}
	if v.maxSkew <= 0 {
		v.maxSkew = DefaultMaxSkew
	}
	return v
}

// Result describes an authenticated request.
type Result struct {
	// Principal is who signed the request: the key record the lookup
	// returned, taken once per request (authorization reads its grants
	// from here, never from the store a second time).
	Principal Principal
	// Scheme is the signature scheme the request used.
	Scheme Scheme
	// Presigned is true for the query-string (presigned URL) forms.
	Presigned bool
	// Region is the region of a V4 credential scope ("" for V1 and OSS2).
	// Any region is accepted; the caller may compare it with its own.
	Region string
	// PayloadSHA256 is the lower-case hex SHA-256 of the body that a V4
	// request signed through x-oss-content-sha256, or "" when the payload is
	// unsigned (UNSIGNED-PAYLOAD, or V1/OSS2). When it is set the signature
	// covers the body, so the caller must check the body against it, e.g.
	// with PayloadReader, and refuse the request on a mismatch.
	PayloadSHA256 string
}

// Verify authenticates r. bucket and key are the request's resolved bucket
// ("" for service-level requests) and decoded object key ("" for
// bucket-level), whatever the URL style (path, virtual-host), because the
// canonical resource always contains the bucket. It returns the access key id
// on success.
//
// A request with no credentials at all (no Authorization header, no signature
// query parameters) returns ErrAnonymous. Other failures wrap one of
// ErrInvalidAccessKeyID, ErrSignatureMismatch (as a *SignatureError),
// ErrRequestTimeTooSkewed, ErrRequestExpired or ErrInvalidAuthorization, or
// wrap an error of the KeyLookup.
//
// Verify does not read the body. A V4 request may sign its body; use
// Authenticate to learn the digest to check.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, bucket, key string) (accessKeyID string, err error) {
	res, err := v.Authenticate(ctx, r, bucket, key)
	if err != nil {
		return "", err
	}
	return res.Principal.AccessKeyID, nil
}

// Authenticate is Verify returning the details of the credentials, among them
// the signed body digest of V4 requests (Result.PayloadSHA256).
func (v *Verifier) Authenticate(ctx context.Context, r *http.Request, bucket, key string) (Result, error) {
	authz := r.Header.Values(authorizationHdr)
	q, qerr := parseQuery(r.URL.RawQuery)
	method, perr := presignMethod(q)
	if len(authz) == 0 && method == methodNone && perr == nil {
		// Nothing that looks like credentials, even if some query pairs are
		// malformed: anonymous requests never get more rights than none.
		return Result{}, ErrAnonymous
	}
	switch {
	case perr != nil:
		return Result{}, perr
	case qerr != nil:
		return Result{}, invalid("malformed query string: %v", qerr)
	case len(authz) > 1:
		return Result{}, invalid("repeated Authorization header")
	case len(authz) == 1 && method != methodNone:
		return Result{}, invalid("both an Authorization header and presign parameters")
	}
	if err := q.checkNoDuplicates(); err != nil {
		return Result{}, err
	}
	hs := newHeaderSet(r)
	switch method {
	case methodPresignV1:
		p, err := parsePresignV1(q)
		if err != nil {
			return Result{}, err
		}
		return v.verifyPresignV1(ctx, r, hs, p, bucket, key, q)
	case methodPresignOSS2:
		p, err := parsePresignOSS2(q)
		if err != nil {
			return Result{}, err
		}
		return v.verifyPresignV1(ctx, r, hs, p, bucket, key, q)
	case methodPresignV4:
		p, err := parsePresignV4(q)
		if err != nil {
			return Result{}, err
		}
		return v.verifyPresignV4(ctx, r, hs, p, bucket, key, q)
	}
	a, err := parseAuthorization(authz[0])
	if err != nil {
		return Result{}, err
	}
	if a.scheme == SchemeV4 {
		return v.verifyHeaderV4(ctx, r, hs, a, bucket, key, q)
	}
	return v.verifyHeaderV1(ctx, r, hs, a, bucket, key, q)
}

// verifyHeaderV1 checks "OSS ..." and "OSS2 ..." Authorization headers.
func (v *Verifier) verifyHeaderV1(ctx context.Context, r *http.Request, hs headerSet, a authHeader, bucket, key string, q query) (Result, error) {
	t, err := requestTimeV1(r)
	if err != nil {
		return Result{}, err
	}
	if err := v.checkSkew(t); err != nil {
		return Result{}, err
	}
	k, err := v.key(ctx, a.accessKeyID, firstHeader(r, hSecurityToken))
	if err != nil {
		return Result{}, err
	}
	// The date position holds the Date header, or x-oss-date when there is
	// no Date: ali-oss (Node.js and browsers, which may not set Date) sends
	// only x-oss-date and signs its value there.
	date := firstHeader(r, "Date")
	if date == "" {
		date = firstHeader(r, hOSSDate)
	}
	var cands []string
	if a.scheme == SchemeV1 {
		cands = stringsToSignV1(r, hs, date, bucket, key, q)
	} else {
		cands = stringsToSignOSS2(r, hs, date, a, bucket, key, q, false)
	}
	if err := matchBase64(a, k.Secret, cands); err != nil {
		return Result{}, err
	}
	if k.refused != nil {
		return Result{}, k.refused
	}
	return Result{Principal: k.Principal, Scheme: a.scheme}, nil
}

// verifyPresignV1 checks V1 and OSS2 presigned URLs: the Expires value sits
// in the date position and is the only time check.
func (v *Verifier) verifyPresignV1(ctx context.Context, r *http.Request, hs headerSet, p presignV1, bucket, key string, q query) (Result, error) {
	if v.now().Unix() > p.exp {
		return Result{}, fmt.Errorf("%w: expired at %s", ErrRequestExpired, time.Unix(p.exp, 0).UTC().Format(time.RFC3339))
	}
	k, err := v.key(ctx, p.auth.accessKeyID, q.first(qSecurityTokenV1))
	if err != nil {
		return Result{}, err
	}
	// In a presigned URL the Expires value stands for the Date header: the
	// v1 SDK signs "date:<expires>" when AdditionalHeaders names date.
	hs.h["date"] = []string{p.expires}
	var cands []string
	if p.auth.scheme == SchemeV1 {
		cands = stringsToSignV1(r, hs, p.expires, bucket, key, q)
	} else {
		cands = stringsToSignOSS2(r, hs, p.expires, p.auth, bucket, key, q, true)
	}
	if err := matchBase64(p.auth, k.Secret, cands); err != nil {
		return Result{}, err
	}
	if k.refused != nil {
		return Result{}, k.refused
	}
	return Result{Principal: k.Principal, Scheme: p.auth.scheme, Presigned: true}, nil
}

// verifyHeaderV4 checks an "OSS4-HMAC-SHA256 ..." Authorization header. The
// timestamp is x-oss-date, else the Date header (the v1 SDK sends no
// x-oss-date), verbatim.
func (v *Verifier) verifyHeaderV4(ctx context.Context, r *http.Request, hs headerSet, a authHeader, bucket, key string, q query) (Result, error) {
	var ts string
	var t time.Time
	if d := firstHeader(r, hOSSDate); d != "" {
		var err error
		if t, err = time.Parse(iso8601Basic, d); err != nil {
			return Result{}, invalid("x-oss-date %q is not YYYYMMDDTHHMMSSZ", clip(d))
		}
		ts = d
	} else if d := firstHeader(r, "Date"); d != "" {
		var err error
		if t, err = http.ParseTime(d); err != nil {
			return Result{}, invalid("Date %q is not an HTTP date", clip(d))
		}
		ts = d
	} else {
		return Result{}, invalid("V4 request without x-oss-date or Date header")
	}
	if got := t.UTC().Format(scopeDateFmt); got != a.scopeDate {
		return Result{}, invalid("credential date %s does not match request date %s", a.scopeDate, got)
	}
	if err := v.checkSkew(t); err != nil {
		return Result{}, err
	}
	return v.finishV4(ctx, r, hs, a, ts, bucket, key, q, false)
}

// verifyPresignV4 checks a V4 presigned URL.
func (v *Verifier) verifyPresignV4(ctx context.Context, r *http.Request, hs headerSet, p presignV4, bucket, key string, q query) (Result, error) {
	if got := p.t.UTC().Format(scopeDateFmt); got != p.auth.scopeDate {
		return Result{}, invalid("credential date %s does not match %s %s", p.auth.scopeDate, qDate, got)
	}
	now := v.now()
	if end := p.t.Add(p.expires); now.After(end) {
		return Result{}, fmt.Errorf("%w: expired at %s", ErrRequestExpired, end.UTC().Format(time.RFC3339))
	}
	if p.t.After(now.Add(v.maxSkew)) {
		return Result{}, fmt.Errorf("%w: signed at %s, in the future", ErrRequestTimeTooSkewed, p.date)
	}
	return v.finishV4(ctx, r, hs, p.auth, p.date, bucket, key, q, true)
}

// finishV4 is the part of V4 verification common to both forms.
func (v *Verifier) finishV4(ctx context.Context, r *http.Request, hs headerSet, a authHeader, ts, bucket, key string, q query, presigned bool) (Result, error) {
	payload := unsignedV4
	digest := ""
	if p := firstHeader(r, hContentSHA256); p != "" {
		switch {
		case p == unsignedV4:
		case len(p) == 64 && checkHexSignature(p) == nil:
			digest = strings.ToLower(p)
		default:
			return Result{}, invalid("unsupported x-oss-content-sha256 %q", clip(p))
		}
		payload = p
	}
	token := firstHeader(r, hSecurityToken)
	if presigned {
		token = q.first(qSecurityTokenV4)
	}
	k, err := v.key(ctx, a.accessKeyID, token)
	if err != nil {
		return Result{}, err
	}
	scope := a.scopeDate + "/" + a.region + "/" + a.product + "/" + terminatorV4
	signingKey := signingKeyV4(k.Secret, a.scopeDate, a.region, a.product)
	cands := canonicalRequestsV4(r, hs, a, bucket, key, q, presigned, payload)
	var sts0 string
	for i, cr := range cands {
		sts := stringToSignV4(ts, scope, cr)
		if i == 0 {
			sts0 = sts
		}
		if hmac.Equal([]byte(hmacHex(signingKey, sts)), []byte(strings.ToLower(a.signature))) {
			if k.refused != nil {
				return Result{}, k.refused
			}
			return Result{Principal: k.Principal, Scheme: SchemeV4, Presigned: presigned, Region: a.region, PayloadSHA256: digest}, nil
		}
	}
	return Result{}, &SignatureError{AccessKeyID: a.accessKeyID, StringToSign: sts0, CanonicalRequest: cands[0], SignatureProvided: a.signature}
}

// requestTimeV1 is the time of a V1/OSS2 header-signed request: x-oss-date
// when present (ISO 8601 basic or HTTP date), else Date.
func requestTimeV1(r *http.Request) (time.Time, error) {
	if d := firstHeader(r, hOSSDate); d != "" {
		if t, err := time.Parse(iso8601Basic, d); err == nil {
			return t, nil
		}
		t, err := http.ParseTime(d)
		if err != nil {
			return time.Time{}, invalid("x-oss-date %q is not a valid date", clip(d))
		}
		return t, nil
	}
	d := firstHeader(r, "Date")
	if d == "" {
		return time.Time{}, invalid("missing Date header")
	}
	t, err := http.ParseTime(d)
	if err != nil {
		return time.Time{}, invalid("Date %q is not an HTTP date", clip(d))
	}
	return t, nil
}

// checkSkew refuses a request time further than MaxSkew from now.
func (v *Verifier) checkSkew(t time.Time) error {
	d := v.now().Sub(t)
	if d > v.maxSkew || d < -v.maxSkew {
		return fmt.Errorf("%w: request time %s, server time %s", ErrRequestTimeTooSkewed,
			t.UTC().Format(time.RFC3339), v.now().UTC().Format(time.RFC3339))
	}
	return nil
}

// key looks up the key ak, with its secret.
// key finds the secret and principal of access key id ak; token is the
// request's security token ("" without one). A temporary key ("STS.…")
// needs its token, and a token needs a temporary key (as on OSS: the two
// go together or not at all).
func (v *Verifier) key(ctx context.Context, ak, token string) (Key, error) {
	temporary := strings.HasPrefix(ak, session.IDPrefix)
	switch {
	case token != "" && temporary:
		return v.sessionKey(ctx, ak, token)
	case token != "":
		// Refused once the signature has been checked, so that a client
		// learns first whether it signs the token right.
		k, err := v.lookupKey(ctx, ak)
		if err == nil {
			k.refused = fmt.Errorf("%w: %q is not a temporary key but the request carries a security token", ErrInvalidAccessKeyID, ak)
		}
		return k, err
	case temporary:
		return Key{}, fmt.Errorf("%w: temporary key %q without its security token", ErrInvalidAccessKeyID, ak)
	}
	return v.lookupKey(ctx, ak)
}

// sessionKey opens a temporary key's token and checks it at request time:
// not expired, parent still there with the same secret.
func (v *Verifier) sessionKey(ctx context.Context, ak, token string) (Key, error) {
	if v.sessions == nil {
		return Key{}, fmt.Errorf("%w: this node issues no temporary keys", ErrInvalidSecurityToken)
	}
	sess, err := v.sessions.Open(ak, token)
	if err != nil {
		return Key{}, fmt.Errorf("%w: %w", ErrInvalidSecurityToken, err)
	}
	if !v.sessionNow().Before(sess.Expiration()) {
		return Key{}, fmt.Errorf("%w: %s expired at %s", ErrSecurityTokenExpired, ak, sess.Expiration().Format(time.RFC3339))
	}
	parent, err := v.lookupKey(ctx, sess.Parent)
	if errors.Is(err, ErrInvalidAccessKeyID) {
		return Key{}, fmt.Errorf("%w: the key %s was issued for is gone", ErrInvalidSecurityToken, ak)
	}
	if err != nil {
		return Key{}, err
	}
	if session.Epoch(parent.Secret) != sess.ParentEpoch {
		return Key{}, fmt.Errorf("%w: the key %s was issued for has a new secret", ErrInvalidSecurityToken, ak)
	}
	return Key{Secret: sess.Secret, Principal: sessionPrincipal(sess, parent.Principal)}, nil
}

func (v *Verifier) lookupKey(ctx context.Context, ak string) (Key, error) {
	if v.lookup == nil {
		return Key{}, fmt.Errorf("%w: %q (no key store configured)", ErrInvalidAccessKeyID, ak)
	}
	k, err := v.lookup.LookupKey(ctx, ak)
	if err != nil {
		return Key{}, fmt.Errorf("auth: access key id %q: %w", ak, err)
	}
	if k.Secret == "" {
		// An empty secret would let anyone sign: treat the key as unusable.
		return Key{}, fmt.Errorf("%w: %q has no secret", ErrInvalidAccessKeyID, ak)
	}
	k.Principal.AccessKeyID = ak
	return k, nil
}

// matchBase64 checks a V1 (HMAC-SHA1) or OSS2 (HMAC-SHA256) base64
// signature against the candidate strings to sign.
func matchBase64(a authHeader, secret string, cands []string) error {
	// A '+' that was not percent-encoded in a presigned URL arrives as a
	// space; base64 has no spaces, so the repair is unambiguous.
	provided := []byte(strings.ReplaceAll(a.signature, " ", "+"))
	for _, sts := range cands {
		var sig string
		if a.scheme == SchemeV1 {
			sig = hmacBase64(sha1.New, secret, sts)
		} else {
			sig = hmacBase64(sha256.New, secret, sts)
		}
		if hmac.Equal([]byte(sig), provided) {
			return nil
		}
	}
	return &SignatureError{AccessKeyID: a.accessKeyID, StringToSign: cands[0], SignatureProvided: a.signature}
}

func hmacBase64(h func() hash.Hash, secret, s string) string {
	m := hmac.New(h, []byte(secret))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// signingKeyV4 derives the V4 signing key of a credential scope.
func signingKeyV4(secret, date, region, product string) []byte {
	k := hmacSHA256([]byte("aliyun_v4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, product)
	return hmacSHA256(k, terminatorV4)
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func hmacHex(key []byte, s string) string { return hex.EncodeToString(hmacSHA256(key, s)) }

func hexSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
