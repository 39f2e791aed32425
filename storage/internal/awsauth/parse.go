package awsauth

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// credential is what a SigV4 Authorization header or presigned URL says.
type credential struct {
	accessKeyID string
	date        string // scope date, YYYYMMDD
	region      string
	service     string
	signed      []string // signed header names, lower case, as listed
	signature   string   // lower-case hex
}

func (c credential) scope() string {
	return c.date + "/" + c.region + "/" + c.service + "/" + terminator
}

// maxAuthorization bounds the Authorization header we parse.
const maxAuthorization = 8 << 10

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=AK/<date>/<region>/s3/aws4_request,
// SignedHeaders=a;b, Signature=<hex>". The three fields may come in any
// order, separated by commas with optional spaces.
func parseAuthorization(h string) (credential, error) {
	if len(h) > maxAuthorization {
		return credential{}, errHeaderMalformed("it is too long")
	}
	rest, ok := strings.CutPrefix(h, schemeV4)
	if !ok {
		return credential{}, errHeaderMalformed("the algorithm must be %s", algorithmV4)
	}
	var c credential
	var haveCred, haveSigned, haveSig bool
	for _, f := range strings.Split(rest, ",") {
		f = strings.TrimSpace(f)
		name, value, ok := strings.Cut(f, "=")
		if !ok {
			return credential{}, errHeaderMalformed("the field %q has no value", clip(f))
		}
		var err error
		switch name {
		case "Credential":
			if haveCred {
				return credential{}, errHeaderMalformed("Credential is repeated")
			}
			haveCred = true
			c, err = parseCredential(value, c, errHeaderMalformed)
		case "SignedHeaders":
			if haveSigned {
				return credential{}, errHeaderMalformed("SignedHeaders is repeated")
			}
			haveSigned = true
			c.signed, err = parseSignedHeaders(value, errHeaderMalformed)
		case "Signature":
			if haveSig {
				return credential{}, errHeaderMalformed("Signature is repeated")
			}
			haveSig = true
			c.signature, err = parseSignature(value, errHeaderMalformed)
		default:
			return credential{}, errHeaderMalformed("unknown field %q", clip(name))
		}
		if err != nil {
			return credential{}, err
		}
	}
	if !haveCred || !haveSigned || !haveSig {
		return credential{}, errHeaderMalformed("Credential, SignedHeaders and Signature are all required")
	}
	return c, nil
}

// parseCredential parses "AK/<date>/<region>/<service>/aws4_request" into c.
func parseCredential(v string, c credential, fail func(string, ...any) *Error) (credential, error) {
	parts := strings.Split(v, "/")
	if len(parts) != 5 || parts[0] == "" {
		return credential{}, fail("the Credential %q must be <access key id>/<date>/<region>/s3/aws4_request", clip(v))
	}
	if _, err := time.Parse(scopeDateFmt, parts[1]); err != nil || len(parts[1]) != 8 {
		return credential{}, fail("the Credential date %q is not YYYYMMDD", clip(parts[1]))
	}
	if parts[2] == "" {
		return credential{}, fail("the Credential has no region")
	}
	if parts[3] != serviceS3 {
		return credential{}, fail("incorrect service %q. This endpoint belongs to \"s3\"", clip(parts[3]))
	}
	if parts[4] != terminator {
		return credential{}, fail("incorrect terminal %q. This endpoint uses \"aws4_request\"", clip(parts[4]))
	}
	c.accessKeyID, c.date, c.region, c.service = parts[0], parts[1], parts[2], parts[3]
	return c, nil
}

// parseSignedHeaders parses "host;x-amz-date": lower-case names, host
// among them (S3 requires it signed).
func parseSignedHeaders(v string, fail func(string, ...any) *Error) ([]string, error) {
	names := strings.Split(v, ";")
	host := false
	for _, n := range names {
		if n == "" || n != strings.ToLower(n) || strings.ContainsAny(n, " \t:") {
			return nil, fail("the signed header name %q is not a lower-case header name", clip(n))
		}
		host = host || n == "host"
	}
	if !host {
		return nil, fail("the host header must be signed")
	}
	return names, nil
}

func parseSignature(v string, fail func(string, ...any) *Error) (string, error) {
	if len(v) != 64 || !isHex(v) {
		return "", fail("the Signature must be 64 hexadecimal digits")
	}
	return strings.ToLower(v), nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// presign is a SigV4 presigned URL's parameters.
type presign struct {
	cred    credential
	t       time.Time
	date    string // X-Amz-Date as sent
	expires time.Duration
	token   string
}

// parsePresign reads the X-Amz-* parameters of a presigned URL.
func parsePresign(q []queryPair) (presign, error) {
	get := func(name string) (string, error) {
		var v string
		n := 0
		for _, p := range q {
			if p.key == name {
				v = p.value
				n++
			}
		}
		if n > 1 {
			return "", errQueryMalformed("the query parameter %s is repeated", name)
		}
		return v, nil
	}
	vals := map[string]string{}
	for _, name := range []string{qAlgorithm, qCredential, qDate, qExpires, qSignedHdrs, qSignature, qSecToken} {
		v, err := get(name)
		if err != nil {
			return presign{}, err
		}
		vals[name] = v
	}
	for _, name := range []string{qAlgorithm, qCredential, qDate, qExpires, qSignedHdrs, qSignature} {
		if vals[name] == "" {
			return presign{}, errQueryMalformed("Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters; %s is missing", name)
		}
	}
	if vals[qAlgorithm] != algorithmV4 {
		return presign{}, errQueryMalformed("X-Amz-Algorithm only supports %q", algorithmV4)
	}
	var p presign
	var err error
	if p.cred, err = parseCredential(vals[qCredential], credential{}, errQueryMalformed); err != nil {
		return presign{}, err
	}
	if p.cred.signed, err = parseSignedHeaders(vals[qSignedHdrs], errQueryMalformed); err != nil {
		return presign{}, err
	}
	if p.cred.signature, err = parseSignature(vals[qSignature], errQueryMalformed); err != nil {
		return presign{}, err
	}
	if p.t, err = time.Parse(iso8601Basic, vals[qDate]); err != nil {
		return presign{}, errQueryMalformed("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
	}
	p.date = vals[qDate]
	secs, err := strconv.ParseInt(vals[qExpires], 10, 64)
	if err != nil || secs < 1 || secs > maxPresignAge || vals[qExpires][0] == '+' {
		return presign{}, errQueryMalformed("X-Amz-Expires must be a number of seconds from 1 to %d", maxPresignAge)
	}
	p.expires = time.Duration(secs) * time.Second
	p.token = vals[qSecToken]
	return p, nil
}

// queryPair is one decoded key=value of the query string, in the order sent.
type queryPair struct{ key, value string }

// parseQuery splits a raw query into decoded pairs, keeping repeats and
// valueless keys (value ""). Unlike url.ParseQuery it keeps every pair,
// and it fails on an undecodable escape instead of dropping the pair,
// because every pair is signed.
func parseQuery(raw string) ([]queryPair, error) {
	var out []queryPair
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			return nil, errInvalidArgument("the query string is malformed")
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			return nil, errInvalidArgument("the query string is malformed")
		}
		out = append(out, queryPair{dk, dv})
	}
	return out, nil
}

// requestTime is the time of a header-signed request: X-Amz-Date (ISO 8601
// basic), else Date (an HTTP date). It returns the time and its ISO 8601
// basic form, the timestamp of the string to sign.
func requestTime(r *http.Request) (time.Time, string, error) {
	if d := r.Header.Get(hAmzDate); d != "" {
		t, err := time.Parse(iso8601Basic, d)
		if err != nil {
			return time.Time{}, "", errAccessDenied("AWS authentication requires a valid Date or x-amz-date header")
		}
		return t, d, nil
	}
	if d := r.Header.Get("Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			// SigV2 clients (and the AWS examples) also write "+0000".
			t, err = time.Parse(time.RFC1123Z, d)
		}
		if err != nil {
			return time.Time{}, "", errAccessDenied("AWS authentication requires a valid Date or x-amz-date header")
		}
		return t, t.UTC().Format(iso8601Basic), nil
	}
	return time.Time{}, "", errAccessDenied("AWS authentication requires a valid Date or x-amz-date header")
}
