package awsauth

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/session"
)

// testNow is the server clock of the bad-input tests.
var testNow = time.Date(2026, 12, 3, 11, 0, 0, 0, time.UTC)

// wire turns a client request into what a server sees, through the bytes
// net/http writes.
func wire(t *testing.T, r *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	s, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sdkSign signs r with aws-sdk-go-v2's own SigV4 signer, payload being the
// x-amz-content-sha256 value.
func sdkSign(t *testing.T, r *http.Request, creds aws.Credentials, payload string, at time.Time) {
	t.Helper()
	r.Header.Set("X-Amz-Content-Sha256", payload)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payload, "s3", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
}

var exampleCreds = aws.Credentials{AccessKeyID: exampleID, SecretAccessKey: exampleSecret}

// testChainKey is the signing key of the test scope, derived here
// independently of the package.
func testChainKey(secret string, at time.Time) []byte {
	k := []byte("AWS4" + secret)
	for _, s := range []string{at.Format("20060102"), "us-east-1", "s3", "aws4_request"} {
		m := hmac.New(sha256.New, k)
		m.Write([]byte(s))
		k = m.Sum(nil)
	}
	return k
}

func hmacHexT(key []byte, s string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return hex.EncodeToString(m.Sum(nil))
}

func sha256HexT(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// chunked builds a signed aws-chunked PUT: the seed signed by the SDK
// signer, each chunk signed in the test (tamper hooks let a case break one
// thing). trailer is "" or "name:value" lines; signedTrailer signs them.
type chunked struct {
	chunks        [][]byte
	decoded       int64 // x-amz-decoded-content-length; -1 omits it
	trailer       string
	announce      string // x-amz-trailer
	payload       string
	badChunkSig   int  // index of a chunk whose signature is wrong, -1 none
	badTrailerSig bool // sign another trailer than the one sent
	sentTrailer   string
	truncate      int  // bytes cut from the end of the body
	teChunked     bool // send Transfer-Encoding: chunked, no Content-Length (as boto3 does)
	extraHeader   map[string]string
}

func (c chunked) request(t *testing.T) *http.Request {
	t.Helper()
	signed := c.payload == streamingSigned || c.payload == streamingSignedTrailer
	r, _ := http.NewRequest(http.MethodPut, "http://koss.test/bkt/obj", nil)
	r.Header.Set("Content-Encoding", "aws-chunked")
	if c.decoded >= 0 {
		r.Header.Set("X-Amz-Decoded-Content-Length", strconv.FormatInt(c.decoded, 10))
	}
	if c.announce != "" {
		r.Header.Set("X-Amz-Trailer", c.announce)
	}
	for k, v := range c.extraHeader {
		r.Header.Set(k, v)
	}
	sdkSign(t, r, exampleCreds, c.payload, testNow)
	seed := r.Header.Get("Authorization")
	seed = seed[strings.LastIndex(seed, "Signature=")+len("Signature="):]
	key := testChainKey(exampleSecret, testNow)
	scope := testNow.Format("20060102") + "/us-east-1/s3/aws4_request"
	ts := testNow.Format("20060102T150405Z")
	prev := seed
	var body bytes.Buffer
	all := append(c.chunks, nil)
	for i, data := range all {
		if !signed {
			fmt.Fprintf(&body, "%x\r\n", len(data))
		} else {
			sig := hmacHexT(key, "AWS4-HMAC-SHA256-PAYLOAD\n"+ts+"\n"+scope+"\n"+prev+"\n"+emptySHA256T+"\n"+sha256HexT(data))
			prev = sig
			if i == c.badChunkSig {
				sig = strings.Repeat("0", 64)
			}
			fmt.Fprintf(&body, "%x;chunk-signature=%s\r\n", len(data), sig)
		}
		body.Write(data)
		if len(data) > 0 || c.trailer == "" {
			body.WriteString("\r\n")
		}
	}
	if c.trailer != "" {
		sent := c.trailer
		if c.sentTrailer != "" {
			sent = c.sentTrailer
		}
		for _, l := range strings.Split(sent, "\n") {
			body.WriteString(l + "\r\n")
		}
		if c.payload == streamingSignedTrailer {
			canon := c.trailer + "\n"
			sig := hmacHexT(key, "AWS4-HMAC-SHA256-TRAILER\n"+ts+"\n"+scope+"\n"+prev+"\n"+sha256HexT([]byte(canon)))
			if c.badTrailerSig {
				sig = hmacHexT(key, "AWS4-HMAC-SHA256-TRAILER\n"+ts+"\n"+scope+"\n"+prev+"\n"+sha256HexT([]byte("x-amz-checksum-crc32:AAAAAA==\n")))
			}
			body.WriteString("x-amz-trailer-signature:" + sig + "\r\n")
		}
		body.WriteString("\r\n")
	}
	b := body.Bytes()[:body.Len()-c.truncate]
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	if c.teChunked {
		r.ContentLength = -1
	}
	return wire(t, r)
}

const emptySHA256T = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func testVerifier(t *testing.T) (*Verifier, *session.Sessions) {
	now := func() time.Time { return testNow }
	keys, s := keysAt(t, now)
	return New(Config{Keys: keys, Now: now}), s
}

// outcome authenticates r and reads its whole body; it returns the data
// and the first error.
func outcome(v *Verifier, r *http.Request) ([]byte, error) {
	req, err := v.Authenticate(context.Background(), r)
	if err != nil {
		return nil, err
	}
	return readAll(req.Body)
}

// TestBadBodies: every broken body is refused with S3's code, and never
// read to a successful end.
func TestBadBodies(t *testing.T) {
	v, _ := testVerifier(t)
	a, b := randomBytes(70_000), randomBytes(1000)
	crcAB := checksum.CRC32.Sum(append(bytes.Clone(a), b...))
	good := chunked{chunks: [][]byte{a, b}, decoded: 71_000, payload: streamingSigned, badChunkSig: -1}
	if data, err := outcome(v, good.request(t)); err != nil || len(data) != 71_000 {
		t.Fatalf("the well-formed base case is refused: %v", err)
	}
	goodTrailer := chunked{chunks: [][]byte{a, b}, decoded: 71_000, payload: streamingSignedTrailer, badChunkSig: -1,
		trailer: "x-amz-checksum-crc32:" + crcAB, announce: "x-amz-checksum-crc32"}
	if _, err := outcome(v, goodTrailer.request(t)); err != nil {
		t.Fatalf("the well-formed signed trailer is refused: %v", err)
	}
	unsignedTrailer := chunked{chunks: [][]byte{a, b}, decoded: 71_000, payload: streamingUnsignedTrail, badChunkSig: -1,
		trailer: "x-amz-checksum-crc32:" + crcAB, announce: "x-amz-checksum-crc32"}
	if _, err := outcome(v, unsignedTrailer.request(t)); err != nil {
		t.Fatalf("the well-formed unsigned trailer is refused: %v", err)
	}
	for _, c := range []chunked{with(good, func(c *chunked) { c.teChunked = true }), with(unsignedTrailer, func(c *chunked) { c.teChunked = true })} {
		r := c.request(t)
		if r.ContentLength != -1 || len(r.TransferEncoding) == 0 {
			t.Fatalf("the request is not sent with Transfer-Encoding: chunked")
		}
		req, err := v.Authenticate(context.Background(), r)
		if err != nil {
			t.Fatalf("%s with Transfer-Encoding: chunked: %v", c.payload, err)
		}
		if data, err := readAll(req.Body); err != nil || !bytes.Equal(data, append(bytes.Clone(a), b...)) || req.Body.Size() != 71_000 {
			t.Fatalf("%s with Transfer-Encoding: chunked read %d bytes, %v", c.payload, len(data), err)
		}
	}
	wrongCRC := checksum.CRC32.Sum([]byte("something else"))

	cases := map[string]struct {
		c    chunked
		want string
	}{
		"a wrong chunk signature in the middle": {with(good, func(c *chunked) { c.badChunkSig = 1 }), CodeSignatureDoesNotMatch},
		"a wrong first chunk signature":         {with(good, func(c *chunked) { c.badChunkSig = 0 }), CodeSignatureDoesNotMatch},
		"a wrong final chunk signature":         {with(good, func(c *chunked) { c.badChunkSig = 2 }), CodeSignatureDoesNotMatch},
		"a body shorter than decoded length":    {with(good, func(c *chunked) { c.decoded = 72_000 }), CodeIncompleteBody},
		"a body cut in the middle":              {with(good, func(c *chunked) { c.truncate = 600 }), CodeIncompleteBody},
		"chunks longer than decoded length":     {with(good, func(c *chunked) { c.decoded = 70_500 }), CodeInvalidRequest},
		"no x-amz-decoded-content-length":       {with(good, func(c *chunked) { c.decoded = -1 }), CodeMissingContentLength},
		"a trailer checksum that does not match (signed)": {with(goodTrailer, func(c *chunked) {
			c.trailer = "x-amz-checksum-crc32:" + wrongCRC
		}), CodeBadDigest},
		"a trailer checksum that does not match (unsigned)": {with(unsignedTrailer, func(c *chunked) {
			c.trailer = "x-amz-checksum-crc32:" + wrongCRC
		}), CodeBadDigest},
		"a trailer changed after signing": {with(goodTrailer, func(c *chunked) {
			c.sentTrailer = "x-amz-checksum-crc32:" + wrongCRC
		}), CodeSignatureDoesNotMatch},
		"a trailer signature over another trailer": {with(goodTrailer, func(c *chunked) { c.badTrailerSig = true }), CodeSignatureDoesNotMatch},
		"an announced trailer that never comes": {with(unsignedTrailer, func(c *chunked) {
			c.trailer = "x-amz-meta-other:1"
		}), CodeInvalidRequest},
		"a trailer checksum that was not announced": {with(unsignedTrailer, func(c *chunked) { c.announce = "" }), CodeInvalidRequest},
		"a header checksum that does not match": {with(good, func(c *chunked) {
			c.extraHeader = map[string]string{"X-Amz-Checksum-Crc32": wrongCRC}
		}), CodeBadDigest},
		"a Content-MD5 that does not match": {with(good, func(c *chunked) {
			c.extraHeader = map[string]string{"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}
		}), CodeBadDigest},
		"a malformed Content-MD5": {with(good, func(c *chunked) {
			c.extraHeader = map[string]string{"Content-MD5": "nope"}
		}), CodeInvalidDigest},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			data, err := outcome(v, c.c.request(t))
			if err == nil {
				t.Fatalf("read %d bytes to a successful end, want %s", len(data), c.want)
			}
			if code(err) != c.want {
				t.Fatalf("%v, want %s", err, c.want)
			}
		})
	}
}

func with(c chunked, f func(*chunked)) chunked {
	c.chunks = append([][]byte(nil), c.chunks...)
	f(&c)
	return c
}

// TestBadFraming: framing errors are InvalidRequest, never a body.
func TestBadFraming(t *testing.T) {
	v, _ := testVerifier(t)
	for name, body := range map[string]string{
		"not hex":              "zz\r\nabc\r\n0\r\n\r\n",
		"no CRLF after data":   "3\r\nabcX0\r\n\r\n",
		"bare LF header":       "3\nabc\r\n0\r\n\r\n",
		"a signature unsigned": "3;chunk-signature=" + strings.Repeat("a", 64) + "\r\nabc\r\n0\r\n\r\n",
		"garbage after end":    "3\r\nabc\r\n0\r\n\r\nmore",
		"huge size":            "fffffffffffffffff\r\nabc\r\n0\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodPut, "http://koss.test/bkt/obj", strings.NewReader(body))
			r.Header.Set("X-Amz-Decoded-Content-Length", "3")
			sdkSign(t, r, exampleCreds, streamingUnsignedTrail, testNow)
			data, err := outcome(v, wire(t, r))
			if code(err) != CodeInvalidRequest {
				t.Fatalf("read %q with %v, want InvalidRequest", data, err)
			}
		})
	}
	r, _ := http.NewRequest(http.MethodPut, "http://koss.test/bkt/obj", strings.NewReader("x"))
	sdkSign(t, r, exampleCreds, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", testNow)
	if _, err := outcome(v, wire(t, r)); code(err) != CodeInvalidArgument {
		t.Fatalf("an unsupported x-amz-content-sha256: %v, want InvalidArgument", err)
	}
}

// TestBadRequests: signature, time and key failures of header-signed
// requests, each with S3's code and status.
func TestBadRequests(t *testing.T) {
	v, sessions := testVerifier(t)
	put := func(creds aws.Credentials, at time.Time, body string, payload string, mutate func(*http.Request)) error {
		r, _ := http.NewRequest(http.MethodPut, "http://koss.test/bkt/obj?x-id=PutObject", strings.NewReader(body))
		sdkSign(t, r, creds, payload, at)
		if mutate != nil {
			mutate(r)
		}
		_, err := outcome(v, wire(t, r))
		return err
	}
	body := "payload"
	digest := sha256HexT([]byte(body))
	if err := put(exampleCreds, testNow, body, digest, nil); err != nil {
		t.Fatalf("the base case is refused: %v", err)
	}
	sess, token, err := sessions.Issue(session.Request{ParentID: exampleID, ParentSecret: exampleSecret,
		Grants: map[string]object.Access{"bkt": object.AccessRead}, Duration: time.Hour, Name: "t"}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	tmp := aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.Secret, SessionToken: token}
	if err := put(tmp, testNow, body, digest, nil); err != nil {
		t.Fatalf("a temporary key with its token is refused: %v", err)
	}
	flipped := []byte(token)
	flipped[len(flipped)/2] ^= 1
	for _, c := range []struct {
		what    string
		creds   aws.Credentials
		at      time.Time
		payload string
		mutate  func(*http.Request)
		want    string
		status  int
	}{
		{"a wrong x-amz-content-sha256 digest", exampleCreds, testNow, sha256HexT([]byte("other")), nil, CodeXAmzContentSHA256Mismatch, 400},
		{"a tampered query parameter", exampleCreds, testNow, digest, func(r *http.Request) { r.URL.RawQuery = "x-id=GetObject" }, CodeSignatureDoesNotMatch, 403},
		{"an added query parameter", exampleCreds, testNow, digest, func(r *http.Request) { r.URL.RawQuery += "&acl" }, CodeSignatureDoesNotMatch, 403},
		{"another path", exampleCreds, testNow, digest, func(r *http.Request) { r.URL.Path = "/bkt/obj2" }, CodeSignatureDoesNotMatch, 403},
		{"a date 16 minutes early", exampleCreds, testNow.Add(-16 * time.Minute), digest, nil, CodeRequestTimeTooSkewed, 403},
		{"a date 16 minutes late", exampleCreds, testNow.Add(16 * time.Minute), digest, nil, CodeRequestTimeTooSkewed, 403},
		{"an unknown key", aws.Credentials{AccessKeyID: "AKIANOSUCHKEY", SecretAccessKey: exampleSecret}, testNow, digest, nil, CodeInvalidAccessKeyID, 403},
		{"the wrong secret", aws.Credentials{AccessKeyID: exampleID, SecretAccessKey: "wrong"}, testNow, digest, nil, CodeSignatureDoesNotMatch, 403},
		{"a temporary key without token", aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.Secret}, testNow, digest, nil, CodeInvalidAccessKeyID, 403},
		{"a temporary key with a bad token", aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.Secret, SessionToken: string(flipped)}, testNow, digest, nil, CodeInvalidToken, 400},
		{"a long-lived key with a token", aws.Credentials{AccessKeyID: exampleID, SecretAccessKey: exampleSecret, SessionToken: token}, testNow, digest, nil, CodeInvalidAccessKeyID, 403},
		{"no x-amz-content-sha256", exampleCreds, testNow, digest, func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }, CodeInvalidRequest, 400},
		{"a malformed Authorization", exampleCreds, testNow, digest, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/s3/", "/ec2/", 1))
		}, CodeAuthorizationHeaderMalformed, 400},
	} {
		err := put(c.creds, c.at, body, c.payload, c.mutate)
		var e *Error
		if !errors.As(err, &e) || e.Code != c.want || e.Status != c.status {
			t.Errorf("%s: %v, want %s %d", c.what, err, c.want, c.status)
		}
		if err != nil && (strings.Contains(err.Error(), exampleSecret) || strings.Contains(err.Error(), sess.Secret)) {
			t.Errorf("%s: the error names a secret", c.what)
		}
	}

	// A session past its end is ExpiredToken.
	later, _ := testVerifier(t)
	later.now = func() time.Time { return testNow.Add(2 * time.Hour) }
	later.keys = auth.NewVerifier(auth.Config{Lookup: auth.StaticKeys{exampleID: exampleSecret}, Sessions: sessions, Now: later.now})
	r, _ := http.NewRequest(http.MethodGet, "http://koss.test/bkt/obj", nil)
	sdkSign(t, r, tmp, emptySHA256T, testNow.Add(2*time.Hour))
	if _, err := later.Authenticate(context.Background(), wire(t, r)); code(err) != CodeExpiredToken {
		t.Errorf("an expired session: %v, want ExpiredToken", err)
	}
}

// failingKeys is a key store that is down.
type failingKeys struct{}

var errDown = errors.New("key store unavailable")

func (failingKeys) ResolveKey(context.Context, string, string) (auth.ResolvedKey, error) {
	return auth.ResolvedKey{}, errDown
}

// TestStoreFailure: a key store failure is not an S3 client error (the
// handler answers 5xx).
func TestStoreFailure(t *testing.T) {
	v := New(Config{Keys: failingKeys{}, Now: func() time.Time { return testNow }})
	r, _ := http.NewRequest(http.MethodGet, "http://koss.test/bkt/obj", nil)
	sdkSign(t, r, exampleCreds, emptySHA256T, testNow)
	_, err := v.Authenticate(context.Background(), wire(t, r))
	var e *Error
	if !errors.Is(err, errDown) || errors.As(err, &e) {
		t.Fatalf("%v, want the store's error, not an *Error", err)
	}
}

// TestAnonymous: an unsigned request is Anonymous, and its body is still
// decoded and checked.
func TestAnonymous(t *testing.T) {
	v, _ := testVerifier(t)
	r, _ := http.NewRequest(http.MethodPut, "http://koss.test/bkt/obj", strings.NewReader("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:"+checksum.CRC32.Sum([]byte("hello"))+"\r\n\r\n"))
	r.Header.Set("X-Amz-Content-Sha256", streamingUnsignedTrail)
	r.Header.Set("X-Amz-Decoded-Content-Length", "5")
	r.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	req, err := v.Authenticate(context.Background(), wire(t, r))
	if err != nil || !req.Anonymous {
		t.Fatalf("%+v, %v", req, err)
	}
	data, err := readAll(req.Body)
	if err != nil || string(data) != "hello" {
		t.Fatalf("%q, %v", data, err)
	}
	if a, val := req.Body.Checksum(); a != checksum.CRC32 || val != checksum.CRC32.Sum([]byte("hello")) {
		t.Fatalf("checksum %s %s", a, val)
	}
	r, _ = http.NewRequest(http.MethodPut, "http://koss.test/bkt/obj", strings.NewReader("hello"))
	r.Header.Set("X-Amz-Content-Sha256", sha256HexT([]byte("hellO")))
	if _, err := outcome(v, wire(t, r)); code(err) != CodeXAmzContentSHA256Mismatch {
		t.Fatalf("an anonymous body with a wrong digest: %v", err)
	}
	r, _ = http.NewRequest(http.MethodPut, "http://koss.test/bkt/obj", strings.NewReader("5;chunk-signature="+strings.Repeat("a", 64)+"\r\nhello\r\n"))
	r.Header.Set("X-Amz-Content-Sha256", streamingSigned)
	r.Header.Set("X-Amz-Decoded-Content-Length", "5")
	if _, err := outcome(v, wire(t, r)); code(err) != CodeInvalidRequest {
		t.Fatalf("signed chunks without a signed request: %v", err)
	}
}
