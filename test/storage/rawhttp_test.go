package storage

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koss-io/koss/test/kossdproc"
	"github.com/koss-io/koss/test/osssign"
)

// This file speaks OSS over plain net/http with a V1 signer written from the
// protocol description, independent of kossd's own auth code and of the SDKs:
// it sends what the SDKs refuse to send (invalid names, broken signatures,
// malformed XML) and checks that kossd answers with the right OSS error and
// changes nothing.

// rawRequest describes one request; Key "" means a bucket-level request and
// Bucket "" a service-level one.
type rawRequest struct {
	Method   string
	Bucket   string
	Key      string
	RawPath  string // when set, sent verbatim as the escaped path (to send odd keys)
	Query    url.Values
	Header   http.Header
	Body     []byte
	Date     time.Time // zero = now
	KeyID    string    // zero = root
	Secret   string    // zero = root
	NoAuth   bool
	Host     string // Host header override (virtual-host style)
	NoSubres bool
}

func (rr rawRequest) do(t *testing.T) (*http.Response, []byte) {
	t.Helper()
	path := "/"
	if rr.Bucket != "" {
		path += rr.Bucket + "/"
	}
	escapedPath := ""
	if rr.RawPath != "" {
		escapedPath = rr.RawPath
	} else {
		escapedPath = (&url.URL{Path: path + rr.Key}).EscapedPath()
	}
	u := node.Endpoint() + escapedPath
	if len(rr.Query) > 0 {
		u += "?" + strings.ReplaceAll(rr.Query.Encode(), "=&", "&")
		u = strings.TrimSuffix(u, "=")
	}
	req, err := http.NewRequest(rr.Method, u, bytes.NewReader(rr.Body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range rr.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if rr.Host != "" {
		req.Host = rr.Host
	}
	date := rr.Date
	if date.IsZero() {
		date = time.Now()
	}
	req.Header.Set("Date", date.UTC().Format(http.TimeFormat))
	if !rr.NoAuth {
		id, secret := rr.KeyID, rr.Secret
		if id == "" {
			id, secret = kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret
		}
		osssign.SignV1(req, rr.Bucket, rr.Key, id, secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", rr.Method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// ossError is the OSS error document.
type ossError struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	EC        string   `xml:"EC"`
}

func parseError(t *testing.T, resp *http.Response, body []byte) ossError {
	t.Helper()
	var e ossError
	if len(body) == 0 {
		if enc := resp.Header.Get("x-oss-err"); enc != "" {
			body, _ = base64.StdEncoding.DecodeString(enc)
		}
	}
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("status %d: body is not an OSS error: %v\n%s", resp.StatusCode, err, body)
	}
	if resp.Header.Get("x-oss-request-id") == "" {
		t.Fatalf("error response without x-oss-request-id")
	}
	return e
}

// errorCode reads an error response's OSS code.
func errorCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return parseError(t, resp, b).Code
}

func expectError(t *testing.T, rr rawRequest, status int, codes ...string) {
	t.Helper()
	resp, body := rr.do(t)
	if resp.StatusCode != status {
		t.Fatalf("%s %s/%q: status %d, want %d\n%s", rr.Method, rr.Bucket, rr.Key, resp.StatusCode, status, body)
	}
	e := parseError(t, resp, body)
	for _, c := range codes {
		if e.Code == c {
			return
		}
	}
	t.Fatalf("%s %s/%q: code %q, want one of %q (message %q)", rr.Method, rr.Bucket, rr.Key, e.Code, codes, e.Message)
}

func expectOK(t *testing.T, rr rawRequest, status int) []byte {
	t.Helper()
	resp, body := rr.do(t)
	if resp.StatusCode != status {
		t.Fatalf("%s %s/%q: status %d, want %d\n%s", rr.Method, rr.Bucket, rr.Key, resp.StatusCode, status, body)
	}
	return body
}

// bucketKeys lists every key of a bucket through the raw API.
func bucketKeys(t *testing.T, bucket string) []string {
	t.Helper()
	body := expectOK(t, rawRequest{Method: "GET", Bucket: bucket, Query: url.Values{"max-keys": {"1000"}}}, 200)
	var res struct {
		Contents []struct{ Key string } `xml:"Contents"`
	}
	if err := xml.Unmarshal(body, &res); err != nil {
		t.Fatalf("list %s: %v", bucket, err)
	}
	var keys []string
	for _, c := range res.Contents {
		keys = append(keys, c.Key)
	}
	return keys
}

func bucketExists(t *testing.T, bucket string) bool {
	t.Helper()
	resp, _ := rawRequest{Method: "GET", Bucket: bucket, Query: url.Values{"bucketInfo": {""}}}.do(t)
	return resp.StatusCode == 200
}

func TestRawBadBucketNames(t *testing.T) {
	for name, bucket := range map[string]string{
		"two bytes":     "ab",
		"64 bytes":      strings.Repeat("a", 64),
		"upper case":    "UpperCase",
		"leading dash":  "-leading",
		"trailing dash": "trailing-",
		"underscore":    "under_score",
		"dot":           "a.b.c",
	} {
		t.Run(name, func(t *testing.T) {
			expectError(t, rawRequest{Method: "PUT", Bucket: bucket}, 400, "InvalidBucketName")
			if bucketExists(t, strings.ToLower(bucket)) {
				t.Fatalf("bucket %q was created", bucket)
			}
		})
	}
	// The boundaries themselves are valid.
	for _, ok := range []string{"abc", strings.Repeat("a", 63), "0-9"} {
		expectOK(t, rawRequest{Method: "PUT", Bucket: ok}, 200)
		expectOK(t, rawRequest{Method: "DELETE", Bucket: ok}, 204)
	}
}

func TestRawBadObjectKeys(t *testing.T) {
	bucket := newBucketName(t)
	expectOK(t, rawRequest{Method: "PUT", Bucket: bucket}, 200)
	for name, rr := range map[string]rawRequest{
		"1024 bytes":        {Key: strings.Repeat("k", 1024)},
		"leading slash":     {RawPath: "/" + bucket + "//leading"},
		"leading backslash": {RawPath: "/" + bucket + "/%5Cleading"},
		"invalid utf-8":     {RawPath: "/" + bucket + "/bad%FF%FEutf8"},
	} {
		t.Run(name, func(t *testing.T) {
			rr.Method, rr.Bucket, rr.Body = "PUT", bucket, []byte("x")
			if rr.RawPath != "" {
				k, _ := url.PathUnescape(strings.TrimPrefix(rr.RawPath, "/"+bucket+"/"))
				rr.Key = k
			}
			expectError(t, rr, 400, "InvalidObjectName")
			if keys := bucketKeys(t, bucket); len(keys) != 0 {
				t.Fatalf("bad key stored: %q", keys)
			}
		})
	}
	t.Run("empty key in append", func(t *testing.T) {
		resp, body := rawRequest{Method: "POST", Bucket: bucket, Query: url.Values{"append": {""}, "position": {"0"}}, Body: []byte("x")}.do(t)
		if resp.StatusCode/100 != 4 {
			t.Fatalf("append with an empty key: %d %s", resp.StatusCode, body)
		}
	})
	t.Run("empty copy source key", func(t *testing.T) {
		expectError(t, rawRequest{Method: "PUT", Bucket: bucket, Key: "dst", Header: http.Header{"X-Oss-Copy-Source": {"/" + bucket + "/"}}},
			400, "InvalidArgument", "InvalidObjectName")
	})
	// 1023 bytes is the longest valid key.
	long := strings.Repeat("k", 1023)
	expectOK(t, rawRequest{Method: "PUT", Bucket: bucket, Key: long, Body: []byte("x")}, 200)
	if keys := bucketKeys(t, bucket); len(keys) != 1 || keys[0] != long {
		t.Fatalf("1023-byte key not listed: %d keys", len(keys))
	}
}

func TestRawBadRequests(t *testing.T) {
	bucket := newBucketName(t)
	expectOK(t, rawRequest{Method: "PUT", Bucket: bucket}, 200)
	expectOK(t, rawRequest{Method: "PUT", Bucket: bucket, Key: "keep", Body: []byte("keep")}, 200)
	unchanged := func(t *testing.T) {
		t.Helper()
		if keys := bucketKeys(t, bucket); len(keys) != 1 || keys[0] != "keep" {
			t.Fatalf("bucket changed: %q", keys)
		}
		if b := expectOK(t, rawRequest{Method: "GET", Bucket: bucket, Key: "keep"}, 200); string(b) != "keep" {
			t.Fatalf("object changed: %q", b)
		}
	}
	md5of := func(b []byte) string { s := md5.Sum(b); return base64.StdEncoding.EncodeToString(s[:]) }
	deleteReq := func(body string) rawRequest {
		return rawRequest{Method: "POST", Bucket: bucket, Query: url.Values{"delete": {""}}, Body: []byte(body),
			Header: http.Header{"Content-Md5": {md5of([]byte(body))}, "Content-Type": {"application/xml"}}}
	}

	cases := map[string]struct {
		rr     rawRequest
		status int
		codes  []string
	}{
		"malformed delete xml":      {deleteReq("<Delete><Object><Key>keep</Key>"), 400, []string{"MalformedXML"}},
		"delete with no objects":    {deleteReq("<Delete><Quiet>false</Quiet></Delete>"), 400, []string{"MalformedXML"}},
		"delete of 1001 objects":    {deleteReq("<Delete>" + strings.Repeat("<Object><Key>keep</Key></Object>", 1001) + "</Delete>"), 400, []string{"MalformedXML", "InvalidArgument"}},
		"delete with wrong md5":     {rawRequest{Method: "POST", Bucket: bucket, Query: url.Values{"delete": {""}}, Body: []byte("<Delete><Object><Key>keep</Key></Object></Delete>"), Header: http.Header{"Content-Md5": {md5of(nil)}}}, 400, []string{"InvalidDigest"}},
		"malformed bucket config":   {rawRequest{Method: "PUT", Bucket: bucket, Body: []byte("<CreateBucketConfiguration><StorageClass>")}, 400, []string{"MalformedXML"}},
		"huge max-keys":             {rawRequest{Method: "GET", Bucket: bucket, Query: url.Values{"max-keys": {"100000000000"}}}, 400, []string{"InvalidArgument"}},
		"negative max-keys":         {rawRequest{Method: "GET", Bucket: bucket, Query: url.Values{"max-keys": {"-1"}}}, 400, []string{"InvalidArgument"}},
		"non-numeric max-keys":      {rawRequest{Method: "GET", Bucket: bucket, Query: url.Values{"max-keys": {"ten"}}}, 400, []string{"InvalidArgument"}},
		"wrong content-md5":         {rawRequest{Method: "PUT", Bucket: bucket, Key: "keep", Body: []byte("new"), Header: http.Header{"Content-Md5": {md5of([]byte("other"))}}}, 400, []string{"InvalidDigest"}},
		"invalid bucket acl":        {rawRequest{Method: "PUT", Bucket: newBucketName(t), Header: http.Header{"X-Oss-Acl": {"everyone"}}}, 400, []string{"InvalidArgument"}},
		"append without position":   {rawRequest{Method: "POST", Bucket: bucket, Key: "app", Query: url.Values{"append": {""}}, Body: []byte("x")}, 400, []string{"InvalidArgument", "MissingArgument"}},
		"append at wrong position":  {rawRequest{Method: "POST", Bucket: bucket, Key: "app", Query: url.Values{"append": {""}, "position": {"7"}}, Body: []byte("x")}, 409, []string{"PositionNotEqualToLength"}},
		"append to a normal object": {rawRequest{Method: "POST", Bucket: bucket, Key: "keep", Query: url.Values{"append": {""}, "position": {"4"}}, Body: []byte("x")}, 409, []string{"ObjectNotAppendable"}},
		"copy from a missing key":   {rawRequest{Method: "PUT", Bucket: bucket, Key: "dst", Header: http.Header{"X-Oss-Copy-Source": {"/" + bucket + "/missing"}}}, 404, []string{"NoSuchKey"}},
		"delete a non-empty bucket": {rawRequest{Method: "DELETE", Bucket: bucket}, 409, []string{"BucketNotEmpty"}},
		"bad signature":             {rawRequest{Method: "PUT", Bucket: bucket, Key: "keep", Body: []byte("x"), Secret: "wrong", KeyID: kossdproc.RootAccessKeyID}, 403, []string{"SignatureDoesNotMatch"}},
		"unknown access key":        {rawRequest{Method: "PUT", Bucket: bucket, Key: "keep", Body: []byte("x"), KeyID: "NOSUCHKEY", Secret: "x"}, 403, []string{"InvalidAccessKeyId"}},
		"stale date":                {rawRequest{Method: "PUT", Bucket: bucket, Key: "keep", Body: []byte("x"), Date: time.Now().Add(-20 * time.Minute)}, 403, []string{"RequestTimeTooSkewed"}},
		"future date":               {rawRequest{Method: "PUT", Bucket: bucket, Key: "keep", Body: []byte("x"), Date: time.Now().Add(20 * time.Minute)}, 403, []string{"RequestTimeTooSkewed"}},
		"anonymous write":           {rawRequest{Method: "PUT", Bucket: bucket, Key: "keep", Body: []byte("x"), NoAuth: true}, 403, []string{"AccessDenied"}},
		"anonymous read":            {rawRequest{Method: "GET", Bucket: bucket, Key: "keep", NoAuth: true}, 403, []string{"AccessDenied"}},
		"anonymous list":            {rawRequest{Method: "GET", Bucket: bucket, NoAuth: true}, 403, []string{"AccessDenied"}},
		"put with if-none-match":    {rawRequest{Method: "PUT", Bucket: bucket, Key: "keep", Body: []byte("x"), Header: http.Header{"If-None-Match": {"*"}}}, 400, []string{"NotImplemented"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			expectError(t, tc.rr, tc.status, tc.codes...)
			unchanged(t)
		})
	}

	t.Run("HEAD error carries x-oss-err", func(t *testing.T) {
		resp, body := rawRequest{Method: "HEAD", Bucket: bucket, Key: "missing"}.do(t)
		if resp.StatusCode != 404 || len(body) != 0 || resp.Header.Get("x-oss-err") == "" {
			t.Fatalf("HEAD missing: %d, body %d bytes, x-oss-err %q", resp.StatusCode, len(body), resp.Header.Get("x-oss-err"))
		}
		if e := parseError(t, resp, body); e.Code != "NoSuchKey" || e.EC != "0026-00000001" {
			t.Fatalf("HEAD missing error = %+v", e)
		}
	})
	t.Run("NoSuchBucket message and EC", func(t *testing.T) {
		resp, body := rawRequest{Method: "GET", Bucket: bucket + "-nope", Key: "k"}.do(t)
		e := parseError(t, resp, body)
		if resp.StatusCode != 404 || e.Code != "NoSuchBucket" || e.Message != "The specified bucket does not exist." || e.EC != "0015-00000101" {
			t.Fatalf("NoSuchBucket = %d %+v", resp.StatusCode, e)
		}
	})
	t.Run("expired V1 presigned URL", func(t *testing.T) {
		expires := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
		sig := osssign.Signature(kossdproc.RootAccessKeySecret, "GET\n\n\n"+expires+"\n/"+bucket+"/keep")
		q := url.Values{"OSSAccessKeyId": {kossdproc.RootAccessKeyID}, "Expires": {expires}, "Signature": {sig}}
		resp, err := http.Get(node.Endpoint() + "/" + bucket + "/keep?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if code := errorCode(t, resp); resp.StatusCode != 403 || code != "AccessDenied" {
			t.Fatalf("expired presigned URL: %d %s", resp.StatusCode, code)
		}
		// The same URL with a future expiry works: the signer above is right.
		expires = strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10)
		q.Set("Expires", expires)
		q.Set("Signature", osssign.Signature(kossdproc.RootAccessKeySecret, "GET\n\n\n"+expires+"\n/"+bucket+"/keep"))
		resp, err = http.Get(node.Endpoint() + "/" + bucket + "/keep?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("valid presigned URL: %d", resp.StatusCode)
		}
	})
	t.Run("every response has request id, Date and Server", func(t *testing.T) {
		resp, _ := rawRequest{Method: "GET", Bucket: bucket, Key: "keep"}.do(t)
		id := resp.Header.Get("x-oss-request-id")
		if len(id) != 24 || strings.ToUpper(id) != id || resp.Header.Get("Date") == "" || resp.Header.Get("Server") == "" {
			t.Fatalf("headers: request id %q, Date %q, Server %q", id, resp.Header.Get("Date"), resp.Header.Get("Server"))
		}
	})
}
