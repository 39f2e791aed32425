package awsauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/auth"
)

// KeyResolver resolves an access key id and the request's security token to
// the key's secret and principal. *auth.Verifier implements it with the OSS
// verifier's rules (auth.Verifier.ResolveKey).
type KeyResolver interface {
	ResolveKey(ctx context.Context, accessKeyID, securityToken string) (auth.ResolvedKey, error)
}

// DefaultMaxSkew is the clock skew S3 tolerates on header-signed requests.
const DefaultMaxSkew = 15 * time.Minute

// Config configures a Verifier.
type Config struct {
	// Keys resolves access keys; nil knows none (every signed request is
	// InvalidAccessKeyId).
	Keys KeyResolver
	// Now is the server clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the tolerated difference between a header-signed request's
	// time and Now; 0 means DefaultMaxSkew.
	MaxSkew time.Duration
}

// Verifier authenticates S3 requests. It is safe for concurrent use.
type Verifier struct {
	keys    KeyResolver
	now     func() time.Time
	maxSkew time.Duration
}

// New returns a Verifier for cfg with defaults filled in.
func New(cfg Config) *Verifier {
	v := &Verifier{keys: cfg.Keys, now: cfg.Now, maxSkew: cfg.MaxSkew}
	if v.now == nil {
		v.now = time.Now
	}
	if v.maxSkew <= 0 {
		v.maxSkew = DefaultMaxSkew
	}
	return v
}

// Request is an authenticated S3 request.
type Request struct {
	// Principal is who signed the request (zero when Anonymous).
	Principal auth.Principal
	// Anonymous is true for a request without any signature.
	Anonymous bool
	// Presigned is true for a presigned URL.
	Presigned bool
	// Region is the region of the credential scope; any is accepted (clients
	// sign "us-east-1" or the Region's name), the caller may compare.
	Region string
	// Body is what the handler reads instead of r.Body; never nil.
	Body *Body
}

// Authenticate verifies r's signature and plans the checks of its body. The
// bucket and key are not needed: SigV4's canonical URI is the path as sent.
// An unsigned request returns a Request with Anonymous set (whether that is
// allowed is the caller's decision) and a Body that still decodes aws-chunked
// framing and verifies digests and checksums.
//
// Failures are *Error, except a key lookup that failed for another reason
// than an unknown key or a bad token: that error is returned wrapped, for a
// 5xx answer.
func (v *Verifier) Authenticate(ctx context.Context, r *http.Request) (*Request, error) {
	payload := r.Header.Get(hContentSHA)
	if !IsAWS(r) {
		body, err := newBody(r, payload, nil)
		if err != nil {
			return nil, err
		}
		return &Request{Anonymous: true, Body: body}, nil
	}
	authz := r.Header.Values("Authorization")
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	presigned := hasKey(q, qAlgorithm) || hasKey(q, qCredential) || hasKey(q, qSignature)
	v2 := hasKey(q, qV2AccessKey) && hasKey(q, qV2Signature)
	switch {
	case len(authz) > 1:
		return nil, errInvalidArgument("only one Authorization header is allowed")
	case len(authz) == 1 && (presigned || v2):
		return nil, errInvalidArgument("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
	case len(authz) == 1 && strings.HasPrefix(authz[0], schemeV2), !presigned && v2:
		return v.authenticateV2(ctx, r, q, authz)
	}

	var cred credential
	var timestamp, token string
	if presigned {
		p, err := parsePresign(q)
		if err != nil {
			return nil, err
		}
		if p.t.UTC().Format(scopeDateFmt) != p.cred.date {
			return nil, errQueryMalformed("the Credential date %s does not match X-Amz-Date %s", p.cred.date, p.date)
		}
		now := v.now()
		if now.After(p.t.Add(p.expires)) {
			return nil, errAccessDenied("Request has expired")
		}
		if p.t.After(now.Add(v.maxSkew)) {
			return nil, errAccessDenied("Request is not valid yet")
		}
		cred, timestamp, token = p.cred, p.date, p.token
	} else {
		if cred, err = parseAuthorization(authz[0]); err != nil {
			return nil, err
		}
		t, ts, err := requestTime(r)
		if err != nil {
			return nil, err
		}
		if t.UTC().Format(scopeDateFmt) != cred.date {
			return nil, errHeaderMalformed("the Credential date %s does not match the request date %s", cred.date, ts)
		}
		if d := v.now().Sub(t); d > v.maxSkew || d < -v.maxSkew {
			return nil, newError(CodeRequestTimeTooSkewed, http.StatusForbidden,
				"The difference between the request time (%s) and the server's time (%s) is too large.",
				t.UTC().Format(time.RFC3339), v.now().UTC().Format(time.RFC3339))
		}
		if payload == "" {
			return nil, errInvalidRequest("Missing required header for this request: x-amz-content-sha256")
		}
		timestamp, token = ts, r.Header.Get(hSecToken)
	}

	key, err := v.resolve(ctx, cred.accessKeyID, token)
	if err != nil {
		return nil, err
	}
	signing := signingKey(key.Secret, cred.date, cred.region, cred.service)
	omit, canonPayload := "", payload
	if presigned {
		// A presigned URL signs UNSIGNED-PAYLOAD unless it signed an
		// x-amz-content-sha256 header; a header it did not sign still
		// says how the body is framed and which digest to check.
		omit = qSignature
		if !contains(cred.signed, "x-amz-content-sha256") {
			canonPayload = unsignedPayload
		}
	}
	cands := canonicalRequests(r, cred.signed, omit, canonPayload)
	var sts0 string
	matched := false
	for i, cr := range cands {
		sts := stringToSign(timestamp, cred.scope(), cr)
		if i == 0 {
			sts0 = sts
		}
		if equalSig(hmacHex(signing, sts), cred.signature) {
			matched = true
			break
		}
	}
	if !matched {
		return nil, errSignature(sts0, cands[0])
	}
	if key.Refused != nil {
		return nil, errInvalidKey()
	}
	// Signed chunks chain from the request's (seed) signature.
	signer := &chainSigner{key: signing, timestamp: timestamp, scope: cred.scope(), prev: cred.signature}
	body, err := newBody(r, payload, signer)
	if err != nil {
		return nil, err
	}
	return &Request{Principal: key.Principal, Presigned: presigned, Region: cred.region, Body: body}, nil
}

// resolve maps the key resolver's answers to S3 errors.
func (v *Verifier) resolve(ctx context.Context, ak, token string) (auth.ResolvedKey, error) {
	if v.keys == nil {
		return auth.ResolvedKey{}, errInvalidKey()
	}
	k, err := v.keys.ResolveKey(ctx, ak, token)
	switch {
	case err == nil:
		if k.Secret == "" {
			return auth.ResolvedKey{}, errInvalidKey()
		}
		return k, nil
	case errors.Is(err, auth.ErrInvalidAccessKeyID):
		return auth.ResolvedKey{}, errInvalidKey()
	case errors.Is(err, auth.ErrSecurityTokenExpired):
		return auth.ResolvedKey{}, newError(CodeExpiredToken, http.StatusBadRequest, "The provided token has expired.")
	case errors.Is(err, auth.ErrInvalidSecurityToken):
		return auth.ResolvedKey{}, newError(CodeInvalidToken, http.StatusBadRequest, "The provided token is malformed or otherwise invalid.")
	}
	return auth.ResolvedKey{}, fmt.Errorf("awsauth: looking up access key %q: %w", ak, err)
}

func errInvalidKey() *Error {
	return newError(CodeInvalidAccessKeyID, http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records.")
}

func hasKey(q []queryPair, k string) bool {
	for _, p := range q {
		if p.key == k {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
