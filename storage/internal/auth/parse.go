package auth

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Scheme names a signature scheme.
type Scheme string

// The signature schemes Verify accepts.
const (
	// SchemeV1 is "OSS <ak>:<sig>" (HMAC-SHA1), header or presigned.
	SchemeV1 Scheme = "OSS"
	// SchemeOSS2 is the v1 SDK's AuthV2 ("OSS2 ...", HMAC-SHA256).
	SchemeOSS2 Scheme = "OSS2"
	// SchemeV4 is "OSS4-HMAC-SHA256".
	SchemeV4 Scheme = "OSS4-HMAC-SHA256"
)

// Wire names of the protocol.
const (
	algorithmV4    = "OSS4-HMAC-SHA256"
	terminatorV4   = "aliyun_v4_request"
	productOSS     = "oss"
	unsignedV4     = "UNSIGNED-PAYLOAD"
	iso8601Basic   = "20060102T150405Z"
	scopeDateFmt   = "20060102"
	maxPresignV4   = 604800 // seconds: 7 days
	maxAccessKeyID = 256

	qV1AccessKeyID   = "OSSAccessKeyId"
	qV1Expires       = "Expires"
	qV1Signature     = "Signature"
	qSignatureVer    = "x-oss-signature-version"
	qSignature       = "x-oss-signature"
	qCredential      = "x-oss-credential"
	qDate            = "x-oss-date"
	qExpires         = "x-oss-expires"
	qAccessKeyIDV2   = "x-oss-access-key-id"
	qAdditionalHdrs  = "x-oss-additional-headers"
	hOSSDate         = "X-Oss-Date"
	hContentSHA256   = "X-Oss-Content-Sha256"
	hSecurityToken   = "X-Oss-Security-Token"
	qSecurityTokenV1 = "security-token"       // V1 and OSS2 presigned URLs
	qSecurityTokenV4 = "x-oss-security-token" // V4 presigned URLs
	ossPrefix        = "x-oss-"
	authorizationHdr = "Authorization"
)

// param is one decoded query parameter.
type param struct {
	name, value string
}

// query is a request's decoded query string in wire order.
type query []param

// parseQuery decodes a raw query string with the semantics of
// net/url.ParseQuery ('+' is a space, pairs containing ';' are invalid) but
// keeps the order and the duplicates. Bad pairs are skipped and the first
// problem is returned alongside the good pairs.
func parseQuery(raw string) (query, error) {
	var q query
	var firstErr error
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		if strings.Contains(part, ";") {
			if firstErr == nil {
				firstErr = fmt.Errorf("invalid semicolon separator in query")
			}
			continue
		}
		n, v, _ := strings.Cut(part, "=")
		name, err1 := url.QueryUnescape(n)
		value, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("invalid escape in query parameter")
			}
			continue
		}
		q = append(q, param{name: name, value: value})
	}
	return q, firstErr
}

// lookup returns the value of the only parameter called name; count is how
// many there are.
func (q query) lookup(name string) (value string, count int) {
	for _, p := range q {
		if p.name == name {
			if count == 0 {
				value = p.value
			}
			count++
		}
	}
	return value, count
}

// first returns the value of the first parameter called name, or "".
func (q query) first(name string) string {
	v, _ := q.lookup(name)
	return v
}

// has reports whether a parameter called name is present.
func (q query) has(name string) bool {
	_, n := q.lookup(name)
	return n > 0
}

// single returns the value of a required, unrepeated parameter.
func (q query) single(name string) (string, error) {
	v, n := q.lookup(name)
	switch {
	case n == 0:
		return "", invalid("missing query parameter %s", name)
	case n > 1:
		return "", invalid("repeated query parameter %s", name)
	}
	return v, nil
}

// optional returns the value of an optional, unrepeated parameter.
func (q query) optional(name string) (string, error) {
	v, n := q.lookup(name)
	if n > 1 {
		return "", invalid("repeated query parameter %s", name)
	}
	return v, nil
}

// checkNoDuplicates refuses repeated parameter names: a signed request must
// say unambiguously what was signed.
func (q query) checkNoDuplicates() error {
	seen := make(map[string]struct{}, len(q))
	for _, p := range q {
		if _, ok := seen[p.name]; ok {
			return invalid("repeated query parameter %q in a signed request", clip(p.name))
		}
		seen[p.name] = struct{}{}
	}
	return nil
}

// authMethod is the kind of credentials a request carries.
type authMethod int

const (
	methodNone authMethod = iota // no presign parameters
	methodPresignV1
	methodPresignOSS2
	methodPresignV4
)

// presignMethod detects presign parameters. It fails when they are
// contradictory (V1 and x-oss-* markers) or name an unknown algorithm.
func presignMethod(q query) (authMethod, error) {
	v1 := q.has(qV1AccessKeyID) || q.has(qV1Signature)
	ver, nver := q.lookup(qSignatureVer)
	v2 := nver > 0 || q.has(qSignature) || q.has(qCredential) || q.has(qAccessKeyIDV2)
	switch {
	case v1 && v2:
		return methodNone, invalid("both V1 and V2/V4 presign parameters")
	case v1:
		return methodPresignV1, nil
	case !v2:
		return methodNone, nil
	case nver == 0:
		return methodNone, invalid("missing query parameter %s", qSignatureVer)
	case nver > 1:
		return methodNone, invalid("repeated query parameter %s", qSignatureVer)
	case ver == string(SchemeOSS2):
		return methodPresignOSS2, nil
	case ver == algorithmV4:
		return methodPresignV4, nil
	}
	return methodNone, invalid("unsupported %s %q", qSignatureVer, clip(ver))
}

// authHeader is a parsed Authorization header (or the equivalent presign
// parameters).
type authHeader struct {
	scheme      Scheme
	accessKeyID string
	signature   string
	// additional holds the lower-cased AdditionalHeaders names;
	// additionalRaw the list exactly as sent (the V2/V4 canonical line).
	additional    []string
	additionalRaw string
	// V4 credential scope.
	scopeDate, region, product string
}

// parseAuthorization parses an Authorization header value of any supported
// scheme.
func parseAuthorization(h string) (authHeader, error) {
	switch {
	case strings.HasPrefix(h, algorithmV4+" "):
		return parseV4Authorization(h[len(algorithmV4)+1:])
	case strings.HasPrefix(h, "OSS2 "):
		return parseOSS2Authorization(h[len("OSS2 "):])
	case strings.HasPrefix(h, "OSS "):
		return parseV1Authorization(h[len("OSS "):])
	}
	scheme, _, _ := strings.Cut(h, " ")
	return authHeader{}, invalid("unsupported authorization scheme %q", clip(scheme))
}

// parseV1Authorization parses "<ak>:<signature>".
func parseV1Authorization(s string) (authHeader, error) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return authHeader{}, invalid("V1 authorization is not <AccessKeyId>:<Signature>")
	}
	a := authHeader{scheme: SchemeV1, accessKeyID: strings.TrimSpace(s[:i]), signature: strings.TrimSpace(s[i+1:])}
	if err := checkAccessKeyID(a.accessKeyID); err != nil {
		return authHeader{}, err
	}
	if a.signature == "" {
		return authHeader{}, invalid("empty signature")
	}
	return a, nil
}

// authPart is one "name<sep>value" part of an OSS2 or V4 Authorization
// header; key is the lower-cased name.
type authPart struct{ name, key, value string }

// splitAuthParts splits the comma-separated parts of an OSS2 (sep ':') or V4
// (sep '=') Authorization header, tolerating spaces around them, and refuses
// a part without sep or a part named twice.
func splitAuthParts(s, sep, scheme string) ([]authPart, error) {
	var parts []authPart
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, value, ok := strings.Cut(part, sep)
		if !ok {
			return nil, invalid("%s authorization part without '%s'", scheme, sep)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		key := strings.ToLower(name)
		if seen[key] {
			return nil, invalid("repeated %s authorization part %q", scheme, clip(name))
		}
		seen[key] = true
		parts = append(parts, authPart{name: name, key: key, value: value})
	}
	return parts, nil
}

// parseOSS2Authorization parses
// "AccessKeyId:<ak>[,AdditionalHeaders:<h1;h2>],Signature:<sig>".
func parseOSS2Authorization(s string) (authHeader, error) {
	a := authHeader{scheme: SchemeOSS2}
	parts, err := splitAuthParts(s, ":", "OSS2")
	if err != nil {
		return authHeader{}, err
	}
	for _, p := range parts {
		switch p.key {
		case "accesskeyid":
			a.accessKeyID = p.value
		case "additionalheaders":
			if err := a.setAdditional(p.value); err != nil {
				return authHeader{}, err
			}
		case "signature":
			a.signature = p.value
		default:
			return authHeader{}, invalid("unknown OSS2 authorization part %q", clip(p.name))
		}
	}
	if err := checkAccessKeyID(a.accessKeyID); err != nil {
		return authHeader{}, err
	}
	if a.signature == "" {
		return authHeader{}, invalid("missing OSS2 Signature")
	}
	return a, nil
}

// parseV4Authorization parses
// "Credential=<ak>/<date>/<region>/oss/aliyun_v4_request[,AdditionalHeaders=<h1;h2>],Signature=<hex>"
// with or without spaces after the commas.
func parseV4Authorization(s string) (authHeader, error) {
	a := authHeader{scheme: SchemeV4}
	parts, err := splitAuthParts(s, "=", "V4")
	if err != nil {
		return authHeader{}, err
	}
	credential, haveCredential := "", false
	for _, p := range parts {
		switch p.key {
		case "credential":
			credential, haveCredential = p.value, true
		case "additionalheaders":
			if err := a.setAdditional(p.value); err != nil {
				return authHeader{}, err
			}
		case "signature":
			a.signature = p.value
		default:
			return authHeader{}, invalid("unknown V4 authorization part %q", clip(p.name))
		}
	}
	if !haveCredential {
		return authHeader{}, invalid("missing V4 Credential")
	}
	if err := a.setCredential(credential); err != nil {
		return authHeader{}, err
	}
	if err := checkHexSignature(a.signature); err != nil {
		return authHeader{}, err
	}
	return a, nil
}

// setCredential parses "<ak>/<YYYYMMDD>/<region>/oss/aliyun_v4_request".
func (a *authHeader) setCredential(c string) error {
	parts := strings.Split(c, "/")
	if len(parts) < 5 {
		return invalid("V4 credential is not <AccessKeyId>/<date>/<region>/oss/aliyun_v4_request")
	}
	n := len(parts)
	a.accessKeyID = strings.Join(parts[:n-4], "/")
	a.scopeDate, a.region, a.product = parts[n-4], parts[n-3], parts[n-2]
	if err := checkAccessKeyID(a.accessKeyID); err != nil {
		return err
	}
	if _, err := time.Parse(scopeDateFmt, a.scopeDate); err != nil || len(a.scopeDate) != len(scopeDateFmt) {
		return invalid("V4 credential date %q is not YYYYMMDD", clip(a.scopeDate))
	}
	if a.region == "" {
		return invalid("V4 credential has an empty region")
	}
	if a.product != productOSS {
		return invalid("unsupported V4 product %q", clip(a.product))
	}
	if parts[n-1] != terminatorV4 {
		return invalid("V4 credential does not end in %s", terminatorV4)
	}
	return nil
}

// setAdditional records an AdditionalHeaders list ("h1;h2").
func (a *authHeader) setAdditional(list string) error {
	a.additionalRaw = list
	a.additional = nil
	if list == "" {
		return nil
	}
	for h := range strings.SplitSeq(list, ";") {
		if !isToken(h) {
			return invalid("invalid header name %q in AdditionalHeaders", clip(h))
		}
		a.additional = append(a.additional, strings.ToLower(h))
	}
	return nil
}

// checkAccessKeyID refuses empty, overlong or non-printable access key ids.
func checkAccessKeyID(ak string) error {
	if ak == "" {
		return invalid("empty access key id")
	}
	if len(ak) > maxAccessKeyID {
		return invalid("access key id longer than %d bytes", maxAccessKeyID)
	}
	for i := 0; i < len(ak); i++ {
		if ak[i] <= ' ' || ak[i] >= 0x7f {
			return invalid("access key id contains a non-printable byte")
		}
	}
	return nil
}

// checkHexSignature refuses anything but 64 hex digits.
func checkHexSignature(sig string) error {
	if len(sig) != 64 {
		return invalid("V4 signature is not 64 hex digits")
	}
	for i := 0; i < len(sig); i++ {
		if !isHex(sig[i]) {
			return invalid("V4 signature is not 64 hex digits")
		}
	}
	return nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isToken reports whether s is a non-empty RFC 7230 token (a header name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		if !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return true
}

// presignV4 holds the parsed parameters of a V4 presigned URL.
type presignV4 struct {
	auth    authHeader
	date    string // x-oss-date verbatim
	t       time.Time
	expires time.Duration
}

// parsePresignV4 reads x-oss-credential, x-oss-date, x-oss-expires,
// x-oss-signature and x-oss-additional-headers.
func parsePresignV4(q query) (presignV4, error) {
	p := presignV4{auth: authHeader{scheme: SchemeV4}}
	cred, err := q.single(qCredential)
	if err != nil {
		return p, err
	}
	if err := p.auth.setCredential(cred); err != nil {
		return p, err
	}
	if p.date, err = q.single(qDate); err != nil {
		return p, err
	}
	if p.t, err = time.Parse(iso8601Basic, p.date); err != nil {
		return p, invalid("%s %q is not YYYYMMDDTHHMMSSZ", qDate, clip(p.date))
	}
	exp, err := q.single(qExpires)
	if err != nil {
		return p, err
	}
	secs, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || secs < 1 || secs > maxPresignV4 {
		return p, invalid("%s %q is not in 1..%d", qExpires, clip(exp), maxPresignV4)
	}
	p.expires = time.Duration(secs) * time.Second
	if p.auth.signature, err = q.single(qSignature); err != nil {
		return p, err
	}
	if err := checkHexSignature(p.auth.signature); err != nil {
		return p, err
	}
	add, err := q.optional(qAdditionalHdrs)
	if err != nil {
		return p, err
	}
	if err := p.auth.setAdditional(add); err != nil {
		return p, err
	}
	return p, nil
}

// presignV1 holds the parsed parameters of a V1 or OSS2 presigned URL.
type presignV1 struct {
	auth    authHeader
	expires string // the Expires value verbatim: the date position of the string to sign
	exp     int64
}

// parsePresignV1 reads OSSAccessKeyId, Expires and Signature.
func parsePresignV1(q query) (presignV1, error) {
	return parsePresignCommon(q, SchemeV1, qV1AccessKeyID, qV1Expires, qV1Signature)
}

// parsePresignOSS2 reads x-oss-access-key-id, x-oss-expires (absolute),
// x-oss-signature and x-oss-additional-headers.
func parsePresignOSS2(q query) (presignV1, error) {
	p, err := parsePresignCommon(q, SchemeOSS2, qAccessKeyIDV2, qExpires, qSignature)
	if err != nil {
		return p, err
	}
	add, err := q.optional(qAdditionalHdrs)
	if err != nil {
		return p, err
	}
	if err := p.auth.setAdditional(add); err != nil {
		return p, err
	}
	return p, nil
}

// parsePresignCommon reads the key id, the absolute expiry and the signature
// that V1 and OSS2 presigned URLs both carry, under their own parameter names.
func parsePresignCommon(q query, scheme Scheme, idParam, expiresParam, signatureParam string) (presignV1, error) {
	p := presignV1{auth: authHeader{scheme: scheme}}
	var err error
	if p.auth.accessKeyID, err = q.single(idParam); err != nil {
		return p, err
	}
	if err := checkAccessKeyID(p.auth.accessKeyID); err != nil {
		return p, err
	}
	if p.expires, err = q.single(expiresParam); err != nil {
		return p, err
	}
	if p.exp, err = parseUnix(p.expires); err != nil {
		return p, err
	}
	if p.auth.signature, err = q.single(signatureParam); err != nil {
		return p, err
	}
	if p.auth.signature == "" {
		return p, invalid("empty signature")
	}
	return p, nil
}

// parseUnix parses an absolute expiry in Unix seconds.
func parseUnix(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, invalid("expiry %q is not a Unix time in seconds", clip(s))
	}
	return n, nil
}

// clip shortens client-supplied text before it goes into an error message.
func clip(s string) string {
	const limit = 64
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}
