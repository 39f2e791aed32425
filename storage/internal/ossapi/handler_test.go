package ossapi

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/koss-io/koss/storage/internal/httpapi"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/object/objecttest"
)

const rootKey = "ROOTKEY"

type testEnv struct {
	t     *testing.T
	srv   *httptest.Server
	layer engine
	reg   *prometheus.Registry
	logs  *bytes.Buffer
}

// engine is what the tests need from a storage engine.
type engine interface {
	object.Layer
	object.KeyStore
}

// envMaker starts a Handler over a fresh engine.
type envMaker func(t *testing.T, domain string) *testEnv

// handlerTests run against the real single-node object.Store (with a
// deterministic clock), so the HTTP layer is checked against the engine it
// will serve.
var handlerTests = map[string]func(t *testing.T, newEnv envMaker){
	"CommonHeaders":                  testCommonHeaders,
	"BucketLifecycle":                testBucketLifecycle,
	"ReadOnlyBucketOperations":       testReadOnlyBucketOperations,
	"ObjectPutGetHead":               testObjectPutGetHead,
	"MissingContentLengthAndChunked": testMissingContentLengthAndChunked,
	"RangeAndConditionals":           testRangeAndConditionals,
	"AppendObject":                   testAppendObject,
	"CopyObject":                     testCopyObject,
	"DeleteMultipleObjects":          testDeleteMultipleObjects,
	"ListObjects":                    testListObjects,
	"Authorization":                  testAuthorization,
	"VirtualHostStyle":               testVirtualHostStyle,
	"MetricsAndAccessLog":            testMetricsAndAccessLog,
	"SignedPayloadDigest":            testSignedPayloadDigest,
	"XMLBodyContentMD5":              testXMLBodyContentMD5,
}

func TestHandlerWithStore(t *testing.T) { runHandlerTests(t, newStoreEnv) }

func runHandlerTests(t *testing.T, newEnv envMaker) {
	for _, name := range slices.Sorted(maps.Keys(handlerTests)) {
		t.Run(name, func(t *testing.T) { handlerTests[name](t, newEnv) })
	}
}

// testEpoch is the clock of the engine: the second after 2024-01-02
// 03:04:05 UTC on the first call, one second later on each next call.
var testEpoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func newStoreEnv(t *testing.T, domain string) *testEnv {
	t.Helper()
	var mu sync.Mutex
	now := testEpoch
	store := objecttest.NewLocalStore(t, func(cfg *object.Config) {
		cfg.Clock = func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(time.Second)
			return now
		}
	})
	return newTestEnv(t, domain, store)
}

// newTestEnv serves a Handler over layer behind the server's middleware
// (httpapi), as in production.
func newTestEnv(t *testing.T, domain string, layer engine) *testEnv {
	t.Helper()
	return newTestEnvWith(t, domain, layer, nil)
}

// newTestEnvWith is newTestEnv with the Handler's Config changed by
// mutate first.
func newTestEnvWith(t *testing.T, domain string, layer engine, mutate func(*Config)) *testEnv {
	t.Helper()
	reg := prometheus.NewRegistry()
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil))
	cfg := Config{
		Layer:           layer,
		Keys:            layer,
		Verifier:        newHeaderVerifier(layer),
		RootAccessKeyID: rootKey,
		Region:          "test",
		Domain:          domain,
		SpoolDir:        t.TempDir(),
		Logger:          log,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	root, err := httpapi.New(httpapi.Config{Handler: h, Logger: log, Registerer: reg, RequestIDHeader: HeaderRequestID})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	return &testEnv{t: t, srv: srv, layer: layer, reg: reg, logs: logs}
}

// lockedWriter serialises log writes from concurrent requests.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

// req describes one test request.
type req struct {
	method, path string
	host         string
	key          string // access key id for headerVerifier; "" = anonymous
	body         []byte
	header       map[string]string
	chunked      bool
}

func (e *testEnv) do(r req) resp {
	e.t.Helper()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
		if r.chunked {
			body = io.MultiReader(bytes.NewReader(r.body)) // hides the length
		}
	}
	hr, err := http.NewRequest(r.method, e.srv.URL+r.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if r.host != "" {
		hr.Host = r.host
	}
	if r.key != "" {
		hr.Header.Set(testKeyHeader, r.key)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	res, err := e.srv.Client().Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{status: res.StatusCode, header: res.Header, body: b}
}

// root sends r signed as the root key.
func (e *testEnv) root(method, path string, body []byte, hdr ...string) resp {
	e.t.Helper()
	h := map[string]string{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h[hdr[i]] = hdr[i+1]
	}
	return e.do(req{method: method, path: path, key: rootKey, body: body, header: h})
}

type errDoc struct {
	Code, Message, RequestId, HostId, EC, Key, BucketName, Header, StringToSign string
}

func parseErr(t *testing.T, b []byte) errDoc {
	t.Helper()
	var d errDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	return d
}

// wantErr checks status, code and the error headers of a response.
func wantErr(t *testing.T, r resp, status int, code string) errDoc {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	body := r.body
	if len(body) == 0 {
		enc := r.header.Get("X-Oss-Err")
		if enc == "" {
			t.Fatalf("no body and no x-oss-err")
		}
		var err error
		if body, err = base64.StdEncoding.DecodeString(enc); err != nil {
			t.Fatal(err)
		}
	}
	d := parseErr(t, body)
	if d.Code != code {
		t.Fatalf("code %q, want %q (%s)", d.Code, code, body)
	}
	if d.RequestId != r.header.Get("X-Oss-Request-Id") {
		t.Fatalf("RequestId %q != header %q", d.RequestId, r.header.Get("X-Oss-Request-Id"))
	}
	if d.EC != r.header.Get("X-Oss-Ec") {
		t.Fatalf("EC %q != x-oss-ec %q", d.EC, r.header.Get("X-Oss-Ec"))
	}
	return d
}

func wantStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

func md5b64(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

var requestIDRe = regexp.MustCompile(`^[0-9A-F]{24}$`)

func testCommonHeaders(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	for _, r := range []resp{
		e.root("GET", "/", nil),                // success
		e.root("GET", "/nosuchbucket/k", nil),  // error with body
		e.root("HEAD", "/nosuchbucket/k", nil), // error without body
	} {
		if id := r.header.Get("X-Oss-Request-Id"); !requestIDRe.MatchString(id) {
			t.Errorf("x-oss-request-id %q", id)
		}
		if r.header.Get("Server") == "" || r.header.Get("Date") == "" {
			t.Errorf("missing Server or Date: %v", r.header)
		}
	}
}

func testBucketLifecycle(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt/", nil), 200)
	wantStatus(t, e.root("PUT", "/bkt/", nil), 200) // same owner: idempotent
	wantStatus(t, e.root("PUT", "/bkt2", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<CreateBucketConfiguration><StorageClass>Archive</StorageClass><DataRedundancyType>LRS</DataRedundancyType></CreateBucketConfiguration>`)), 200)
	wantErr(t, e.root("PUT", "/bkt3", []byte(`<CreateBucketConfiguration><StorageClass>Gold`)), 400, "MalformedXML")
	wantErr(t, e.root("PUT", "/bkt3", []byte(`<CreateBucketConfiguration><StorageClass>Gold</StorageClass></CreateBucketConfiguration>`)), 400, "InvalidArgument")
	wantErr(t, e.root("PUT", "/bkt3", nil, "x-oss-acl", "public"), 400, "InvalidArgument")

	for _, name := range []string{"ab", strings.Repeat("a", 64), "Upper", "-lead", "trail-", "under_score"} {
		wantErr(t, e.root("PUT", "/"+name+"/", nil), 400, "InvalidBucketName")
	}
	if _, err := e.layer.GetBucket(t.Context(), "bkt3"); err == nil {
		t.Fatal("a refused PutBucket created the bucket")
	}

	r := e.root("GET", "/bkt2/?bucketInfo", nil)
	wantStatus(t, r, 200)
	var info struct {
		XMLName xml.Name `xml:"BucketInfo"`
		Bucket  struct {
			Name, Location, StorageClass, ExtranetEndpoint, IntranetEndpoint, CreationDate string
			Grant                                                                          string `xml:"AccessControlList>Grant"`
			Owner                                                                          struct{ ID string }
		}
	}
	if err := xml.Unmarshal(r.body, &info); err != nil {
		t.Fatal(err)
	}
	b := info.Bucket
	host := strings.TrimPrefix(e.srv.URL, "http://")
	if b.Name != "bkt2" || b.Location != "oss-test" || b.StorageClass != "Archive" || b.Grant != "private" ||
		b.ExtranetEndpoint != host || b.IntranetEndpoint != host || !regexp.MustCompile(`^2024-01-02T03:04:\d\d\.000Z$`).MatchString(b.CreationDate) || b.Owner.ID == "" {
		t.Fatalf("bucket info %+v", b)
	}

	r = e.root("GET", "/bkt/?location", nil)
	wantStatus(t, r, 200)
	if !bytes.Contains(r.body, []byte("<LocationConstraint>oss-test</LocationConstraint>")) {
		t.Fatalf("location %s", r.body)
	}

	r = e.root("GET", "/", nil)
	wantStatus(t, r, 200)
	var lb struct {
		XMLName xml.Name `xml:"ListAllMyBucketsResult"`
		MaxKeys int
		Buckets []struct{ Name, ExtranetEndpoint, IntranetEndpoint, Location, Region string } `xml:"Buckets>Bucket"`
	}
	if err := xml.Unmarshal(r.body, &lb); err != nil {
		t.Fatal(err)
	}
	if len(lb.Buckets) != 2 || lb.Buckets[0].Name != "bkt" || lb.Buckets[0].ExtranetEndpoint != host || lb.Buckets[0].Region != "test" {
		t.Fatalf("list buckets %s", r.body)
	}
	wantErr(t, e.root("GET", "/?prefix=BucketNameInvalid", nil), 400, "InvalidArgument")
	wantErr(t, e.root("GET", "/?max-keys=0", nil), 400, "InvalidArgument")
	r = e.root("GET", "/?max-keys=1", nil)
	if !bytes.Contains(r.body, []byte("<IsTruncated>true</IsTruncated>")) || !bytes.Contains(r.body, []byte("<NextMarker>bkt</NextMarker>")) {
		t.Fatalf("paged list %s", r.body)
	}

	wantStatus(t, e.root("PUT", "/bkt/obj", []byte("x")), 200)
	d := wantErr(t, e.root("DELETE", "/bkt/", nil), 409, "BucketNotEmpty")
	if d.EC != "0015-00000301" {
		t.Fatalf("EC %q", d.EC)
	}
	wantStatus(t, e.root("DELETE", "/bkt/obj", nil), 204)
	wantStatus(t, e.root("DELETE", "/bkt/", nil), 204)
	d = wantErr(t, e.root("DELETE", "/bkt/", nil), 404, "NoSuchBucket")
	if d.Message != "The specified bucket does not exist." || d.EC != "0015-00000101" || d.BucketName != "bkt" {
		t.Fatalf("NoSuchBucket %+v", d)
	}
}

func testReadOnlyBucketOperations(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil, "x-oss-acl", "public-read"), 200)
	for _, tc := range []struct {
		query, root string
	}{
		{"uploads", "ListMultipartUploadsResult"},
		{"versions", "ListVersionsResult"},
		{"live", "ListLiveChannelResult"},
		{"acl", "AccessControlPolicy"},
		{"stat", "BucketStat"},
		{"versioning", "VersioningConfiguration"},
		{"tagging", "Tagging"},
		{"referer", "RefererConfiguration"},
		{"logging", "BucketLoggingStatus"},
		{"requestPayment", "RequestPaymentConfiguration"},
	} {
		r := e.root("GET", "/bkt/?"+tc.query, nil)
		wantStatus(t, r, 200)
		var root struct{ XMLName xml.Name }
		if err := xml.Unmarshal(r.body, &root); err != nil || root.XMLName.Local != tc.root {
			t.Errorf("?%s: root %q (%v): %s", tc.query, root.XMLName.Local, err, r.body)
		}
		wantErr(t, e.root("GET", "/nobkt/?"+tc.query, nil), 404, "NoSuchBucket")
	}
	if r := e.root("GET", "/bkt/?acl", nil); !bytes.Contains(r.body, []byte("<Grant>public-read</Grant>")) {
		t.Fatalf("acl %s", r.body)
	}
	wantErr(t, e.root("GET", "/bkt/?lifecycle", nil), 404, "NoSuchLifecycle")
	wantErr(t, e.root("GET", "/bkt/?cors", nil), 404, "NoSuchCORSConfiguration")
	wantErr(t, e.root("PUT", "/bkt/?website", []byte("<x/>")), 400, "NotImplemented")
	wantErr(t, e.root("PUT", "/bkt/?lifecycle", []byte("<x/>")), 400, "MalformedXML")
	if r := e.root("POST", "/bkt/obj?uploads", nil); r.status != 200 || !bytes.Contains(r.body, []byte("<UploadId>")) {
		t.Fatalf("InitiateMultipartUpload: %d %s", r.status, r.body)
	}
	wantErr(t, e.root("DELETE", "/bkt/obj?uploadId=abc", nil), 404, "NoSuchUpload")
	// Without a key an abort names no upload: it must never delete the bucket.
	wantErr(t, e.root("DELETE", "/bkt?uploadId=abc", nil), 400, "NotImplemented")
	wantStatus(t, e.root("GET", "/bkt/?uploads", nil), 200)

	wantStatus(t, e.root("PUT", "/bkt/obj", []byte("data"), "x-oss-object-acl", "public-read"), 200)
	if r := e.root("GET", "/bkt/obj?acl", nil); !bytes.Contains(r.body, []byte("<Grant>public-read</Grant>")) {
		t.Fatalf("object acl %s", r.body)
	}
	wantStatus(t, e.root("PUT", "/bkt/obj?acl", nil, "x-oss-object-acl", "private"), 200)
	if r := e.root("GET", "/bkt/obj?acl", nil); !bytes.Contains(r.body, []byte("<Grant>private</Grant>")) {
		t.Fatalf("object acl after put %s", r.body)
	}
	if r := e.root("GET", "/bkt/obj", nil); string(r.body) != "data" {
		t.Fatalf("PutObjectAcl changed the data: %q", r.body)
	}
	wantStatus(t, e.root("PUT", "/bkt/plain", []byte("data")), 200)
	if r := e.root("GET", "/bkt/plain?acl", nil); !bytes.Contains(r.body, []byte("<Grant>default</Grant>")) {
		t.Fatalf("object acl default %s", r.body)
	}
	if r := e.root("GET", "/bkt/?stat", nil); !bytes.Contains(r.body, []byte("<ObjectCount>2</ObjectCount>")) ||
		!bytes.Contains(r.body, []byte("<Storage>8</Storage>")) {
		t.Fatalf("stat %s", r.body)
	}
}

func testObjectPutGetHead(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	data := []byte("hello, object world")
	r := e.root("PUT", "/bkt/dir/a%20b+c.txt", data,
		"Content-Type", "text/plain", "Content-MD5", md5b64(data), "x-oss-meta-Color", "Blue",
		"Expires", "Thu, 01 Dec 1994 16:00:00 GMT", "Cache-Control", "no-cache")
	wantStatus(t, r, 200)
	sum := md5.Sum(data)
	etag := fmt.Sprintf(`"%X"`, sum[:])
	if r.header.Get("ETag") != etag || r.header.Get("Content-MD5") != md5b64(data) || r.header.Get("X-Oss-Hash-Crc64ecma") == "" {
		t.Fatalf("put headers %v", r.header)
	}
	if r.header.Get("X-Oss-Version-Id") != "" {
		t.Fatal("x-oss-version-id on an unversioned bucket")
	}
	if _, err := e.layer.HeadObject(t.Context(), "bkt", "dir/a b+c.txt"); err != nil {
		t.Fatalf("key not decoded: %v", err)
	}

	for _, method := range []string{"GET", "HEAD"} {
		r = e.root(method, "/bkt/dir%2Fa%20b+c.txt", nil)
		wantStatus(t, r, 200)
		h := r.header
		for k, v := range map[string]string{
			"Content-Type": "text/plain", "ETag": etag, "Content-Length": fmt.Sprint(len(data)),
			"X-Oss-Object-Type": "Normal", "X-Oss-Storage-Class": "Standard", "Content-Md5": md5b64(data),
			"X-Oss-Meta-Color": "Blue", "Expires": "Thu, 01 Dec 1994 16:00:00 GMT", "Cache-Control": "no-cache",
			"Accept-Ranges": "bytes", "Last-Modified": "Tue, 02 Jan 2024 03:04:07 GMT",
		} {
			if h.Get(k) != v {
				t.Errorf("%s %s = %q, want %q", method, k, h.Get(k), v)
			}
		}
		if method == "GET" && string(r.body) != string(data) {
			t.Fatalf("body %q", r.body)
		}
	}
	r = e.root("GET", "/bkt/dir/a%20b+c.txt?response-content-type=image/png&response-content-disposition=attachment", nil)
	if r.header.Get("Content-Type") != "image/png" || r.header.Get("Content-Disposition") != "attachment" {
		t.Fatalf("overrides %v", r.header)
	}
	r = e.root("GET", "/bkt/dir/a%20b+c.txt?x-oss-process=image/resize,w_10", nil)
	wantStatus(t, r, 200)

	// Default content type.
	wantStatus(t, e.root("PUT", "/bkt/untyped", []byte("x")), 200)
	if r := e.root("HEAD", "/bkt/untyped", nil); r.header.Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("default type %q", r.header.Get("Content-Type"))
	}

	// Errors.
	wantErr(t, e.root("PUT", "/bkt/bad", data, "Content-MD5", md5b64([]byte("other"))), 400, "InvalidDigest")
	wantErr(t, e.root("PUT", "/bkt/bad", data, "Content-MD5", "notbase64!"), 400, "InvalidDigest")
	for _, h := range []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		d := wantErr(t, e.root("PUT", "/bkt/bad", data, h, "*"), 400, "NotImplemented")
		if d.Header != h {
			t.Errorf("Header %q", d.Header)
		}
	}
	wantErr(t, e.root("PUT", "/bkt/bad", data, "x-oss-object-acl", "secret"), 400, "InvalidArgument")
	wantErr(t, e.root("PUT", "/bkt/bad", data, "x-oss-storage-class", "Gold"), 400, "InvalidArgument")
	wantErr(t, e.root("PUT", "/bkt/bad", data, "x-oss-meta-big", strings.Repeat("x", 9000)), 400, "InvalidArgument")
	for _, key := range []string{"/" + strings.Repeat("k", 1024), "//lead", "/%5Clead", "/%FF%FE"} {
		wantErr(t, e.root("PUT", "/bkt"+key, data), 400, "InvalidObjectName")
	}
	if _, err := e.layer.HeadObject(t.Context(), "bkt", "bad"); err == nil {
		t.Fatal("a refused PUT stored the object")
	}
	d := wantErr(t, e.root("GET", "/bkt/missing", nil), 404, "NoSuchKey")
	if d.Message != "The specified key does not exist." || d.EC != "0026-00000001" || d.Key != "missing" {
		t.Fatalf("NoSuchKey %+v", d)
	}
	wantErr(t, e.root("HEAD", "/bkt/missing", nil), 404, "NoSuchKey")
	wantErr(t, e.root("HEAD", "/nobkt/missing", nil), 404, "NoSuchBucket")
	wantErr(t, e.root("HEAD", "/nobkt/missing?objectMeta", nil), 404, "NoSuchBucket")
	wantErr(t, e.root("HEAD", "/bkt/missing?objectMeta", nil), 404, "NoSuchKey")

	r = e.root("HEAD", "/bkt/untyped?objectMeta", nil)
	wantStatus(t, r, 200)
	if r.header.Get("Content-Length") != "1" || r.header.Get("X-Oss-Hash-Crc64ecma") == "" || r.header.Get("ETag") == "" {
		t.Fatalf("objectMeta %v", r.header)
	}

	wantStatus(t, e.root("PUT", "/bkt/untyped", []byte("y"), "x-oss-forbid-overwrite", "true"), 409)
	wantStatus(t, e.root("DELETE", "/bkt/untyped", nil), 204)
	wantStatus(t, e.root("DELETE", "/bkt/untyped", nil), 204)
	wantStatus(t, e.root("DELETE", "/bkt/untyped?versionId=null", nil), 204)
	wantErr(t, e.root("DELETE", "/nobkt/untyped", nil), 404, "NoSuchBucket")
}

func testMissingContentLengthAndChunked(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	data := bytes.Repeat([]byte("chunk"), 10000)
	wantStatus(t, e.do(req{method: "PUT", path: "/bkt/chunked", key: rootKey, body: data, chunked: true}), 200)
	if r := e.root("GET", "/bkt/chunked", nil); !bytes.Equal(r.body, data) {
		t.Fatalf("chunked upload stored %d bytes", len(r.body))
	}

	// A PUT with neither Content-Length nor chunked encoding, written raw.
	conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	fmt.Fprintf(conn, "PUT /bkt/nolength HTTP/1.1\r\nHost: x\r\n%s: %s\r\nConnection: close\r\n\r\n", testKeyHeader, rootKey)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	wantErr(t, resp{status: res.StatusCode, header: res.Header, body: b}, 411, "MissingContentLength")
}

func testRangeAndConditionals(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	data := []byte("0123456789abcdefghijklmnopqrstuvwxyzABC") // 39 bytes
	r := e.root("PUT", "/bkt/o", data)
	etag := r.header.Get("ETag")
	for _, tc := range []struct {
		rng, behavior string
		status        int
		body, cr      string
	}{
		{"bytes=0-9", "", 206, "0123456789", "bytes 0-9/39"},
		{"bytes=30-", "", 206, "uvwxyzABC", "bytes 30-38/39"},
		{"bytes=-3", "", 206, "ABC", "bytes 36-38/39"},
		{"bytes=15-1000", "", 200, string(data), ""},
		{"bytes=39-", "", 200, string(data), ""},
		{"bytes=-100", "", 200, string(data), ""},
		{"bytes=x-y", "", 200, string(data), ""},
		{"bytes=0-1,3-4", "", 200, string(data), ""},
		{"bytes=30-1000", "standard", 206, "uvwxyzABC", "bytes 30-38/39"},
		{"bytes=39-50", "standard", 416, "", ""},
	} {
		r := e.root("GET", "/bkt/o", nil, "Range", tc.rng, "x-oss-range-behavior", tc.behavior)
		if r.status != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.rng, tc.behavior, r.status, tc.status)
			continue
		}
		if tc.status == 416 {
			wantErr(t, r, 416, "InvalidRange")
			continue
		}
		if string(r.body) != tc.body || r.header.Get("Content-Range") != tc.cr || r.header.Get("ETag") != etag {
			t.Errorf("%s: body %q range %q etag %q", tc.rng, r.body, r.header.Get("Content-Range"), r.header.Get("ETag"))
		}
	}

	lm := r.header.Get("Date") // after the PUT: the object is not newer
	before := "Mon, 01 Jan 2024 00:00:00 GMT"
	for _, tc := range []struct {
		h, v   string
		status int
	}{
		{"If-Match", etag, 200},
		{"If-Match", strings.ToLower(etag), 200},
		{"If-Match", `"nope"`, 412},
		{"If-None-Match", etag, 304},
		{"If-None-Match", `"nope"`, 200},
		{"If-Modified-Since", "Wed, 01 Jan 2025 00:00:00 GMT", 304},
		{"If-Modified-Since", before, 200},
		{"If-Unmodified-Since", before, 412},
		{"If-Unmodified-Since", "Wed, 01 Jan 2025 00:00:00 GMT", 200},
	} {
		for _, m := range []string{"GET", "HEAD"} {
			r := e.root(m, "/bkt/o", nil, tc.h, tc.v)
			if r.status != tc.status {
				t.Errorf("%s %s: %s: status %d, want %d", m, tc.h, tc.v, r.status, tc.status)
			}
			if tc.status == 412 {
				wantErr(t, r, 412, "PreconditionFailed")
				if m == "GET" && !bytes.Contains(r.body, []byte("<Condition>"+tc.h+"</Condition>")) {
					t.Errorf("GET %s: %s: no <Condition>%s</Condition> in %s", tc.h, tc.v, tc.h, r.body)
				}
			}
		}
	}
	_ = lm
}

func testAppendObject(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	r := e.root("POST", "/bkt/log?append&position=0", []byte("abc"), "x-oss-meta-a", "1")
	wantStatus(t, r, 200)
	if r.header.Get("X-Oss-Next-Append-Position") != "3" || r.header.Get("X-Oss-Hash-Crc64ecma") == "" {
		t.Fatalf("append headers %v", r.header)
	}
	etag1 := r.header.Get("ETag")
	r = e.root("POST", "/bkt/log?append&position=3", []byte("def"))
	wantStatus(t, r, 200)
	if r.header.Get("X-Oss-Next-Append-Position") != "6" || r.header.Get("ETag") == etag1 {
		t.Fatalf("second append %v", r.header)
	}
	r = e.root("POST", "/bkt/log?append&position=2", []byte("x"))
	d := wantErr(t, r, 409, "PositionNotEqualToLength")
	if d.EC != "0026-00000016" || r.header.Get("X-Oss-Next-Append-Position") != "6" {
		t.Fatalf("position error %+v %v", d, r.header)
	}
	r = e.root("HEAD", "/bkt/log", nil)
	if r.header.Get("X-Oss-Object-Type") != "Appendable" || r.header.Get("X-Oss-Next-Append-Position") != "6" ||
		r.header.Get("Content-Md5") != "" || r.header.Get("X-Oss-Meta-A") != "1" {
		t.Fatalf("head appendable %v", r.header)
	}
	wantStatus(t, e.root("PUT", "/bkt/normal", []byte("n")), 200)
	wantErr(t, e.root("POST", "/bkt/normal?append&position=1", []byte("x")), 409, "ObjectNotAppendable")
	wantErr(t, e.root("POST", "/bkt/new?append", []byte("x")), 400, "MissingArgument")
	wantErr(t, e.root("POST", "/bkt/new?append&position=-1", []byte("x")), 400, "InvalidArgument")
	wantErr(t, e.root("POST", "/bkt/new?append&position=abc", []byte("x")), 400, "InvalidArgument")
}

func testCopyObject(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.root("PUT", "/src", nil), 200)
	wantStatus(t, e.root("PUT", "/dst", nil), 200)
	r := e.root("PUT", "/src/a b+c", []byte("payload"), "x-oss-meta-k", "v", "Content-Type", "text/x")
	etag := r.header.Get("ETag")

	// v1 style (QueryEscape: space as "+") and v2 style (RFC 3986).
	for i, src := range []string{"/src/a+b%2Bc", "/src/a%20b%2Bc"} {
		r = e.root("PUT", fmt.Sprintf("/dst/copy%d", i), nil, "x-oss-copy-source", src)
		wantStatus(t, r, 200)
		var res struct {
			XMLName      xml.Name `xml:"CopyObjectResult"`
			ETag         string
			LastModified string
		}
		if err := xml.Unmarshal(r.body, &res); err != nil || res.ETag != etag || !strings.HasSuffix(res.LastModified, ".000Z") {
			t.Fatalf("copy result %s (%v)", r.body, err)
		}
		if r.header.Get("X-Oss-Hash-Crc64ecma") == "" {
			t.Fatal("copy without crc64")
		}
		h := e.root("HEAD", fmt.Sprintf("/dst/copy%d", i), nil)
		if h.header.Get("X-Oss-Meta-K") != "v" || h.header.Get("Content-Type") != "text/x" {
			t.Fatalf("COPY directive lost metadata: %v", h.header)
		}
	}
	r = e.root("PUT", "/dst/replaced", nil, "x-oss-copy-source", "/src/a%20b%2Bc",
		"x-oss-metadata-directive", "REPLACE", "x-oss-meta-new", "n", "Content-Type", "text/y")
	wantStatus(t, r, 200)
	h := e.root("HEAD", "/dst/replaced", nil)
	if h.header.Get("X-Oss-Meta-K") != "" || h.header.Get("X-Oss-Meta-New") != "n" || h.header.Get("Content-Type") != "text/y" {
		t.Fatalf("REPLACE %v", h.header)
	}
	d := wantErr(t, e.root("PUT", "/dst/x", nil, "x-oss-copy-source", "/src/missing"), 404, "NoSuchKey")
	if d.Message != "The specified key does not exist." {
		t.Fatal(d.Message)
	}
	wantErr(t, e.root("PUT", "/nodst/x", nil, "x-oss-copy-source", "/src/a%20b%2Bc"), 404, "NoSuchBucket")
	wantErr(t, e.root("PUT", "/dst/x", nil, "x-oss-copy-source", "nobucket"), 400, "InvalidArgument")
	wantErr(t, e.root("PUT", "/dst/x", nil, "x-oss-copy-source", "/src/a%20b%2Bc", "x-oss-metadata-directive", "MOVE"), 400, "InvalidArgument")
	pf := e.root("PUT", "/dst/x", nil, "x-oss-copy-source", "/src/a%20b%2Bc", "x-oss-copy-source-if-match", `"nope"`)
	wantErr(t, pf, 412, "PreconditionFailed")
	if !bytes.Contains(pf.body, []byte("<Condition>x-oss-copy-source-if-match</Condition>")) {
		t.Fatalf("PreconditionFailed without the failed condition: %s", pf.body)
	}
	// A source that is not modified is 304 without a body, as on OSS.
	nm := e.root("PUT", "/dst/x", nil, "x-oss-copy-source", "/src/a%20b%2Bc", "x-oss-copy-source-if-none-match", etag)
	if nm.status != http.StatusNotModified || len(nm.body) != 0 {
		t.Fatalf("copy-source-if-none-match of the source's ETag: %d %q", nm.status, nm.body)
	}
	wantErr(t, e.root("GET", "/dst/x", nil), 404, "NoSuchKey") // nothing was copied
	wantStatus(t, e.root("PUT", "/dst/x", nil, "x-oss-copy-source", "/src/a%20b%2Bc", "x-oss-copy-source-if-match", etag), 200)
	wantStatus(t, e.root("PUT", "/dst/x", nil, "x-oss-copy-source", "/src/a%20b%2Bc?versionId=null"), 200)

	// COPY with an ACL: metadata copied, ACL from the request.
	wantStatus(t, e.root("PUT", "/dst/acl", nil, "x-oss-copy-source", "/src/a%20b%2Bc", "x-oss-object-acl", "public-read"), 200)
	h = e.root("HEAD", "/dst/acl", nil)
	if h.header.Get("X-Oss-Meta-K") != "v" || h.header.Get("Content-Type") != "text/x" {
		t.Fatalf("COPY with ACL lost metadata: %v", h.header)
	}
	if r := e.root("GET", "/dst/acl?acl", nil); !bytes.Contains(r.body, []byte("<Grant>public-read</Grant>")) {
		t.Fatalf("COPY with ACL: %s", r.body)
	}
}

func deleteBody(quiet bool, keys ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>%t</Quiet>`, quiet)
	for _, k := range keys {
		b.WriteString("<Object><Key>" + sdkEscapeXML(k) + "</Key></Object>")
	}
	b.WriteString("</Delete>")
	return []byte(b.String())
}

// sdkEscapeXML escapes like both SDKs: XML's five entities, tab/newline/CR
// as references, other control characters as "&#xNN;".
func sdkEscapeXML(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\t':
			b.WriteString("&#x9;")
		case r == '\n':
			b.WriteString("&#xA;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r < 0x20:
			fmt.Fprintf(&b, "&#x%02X;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func testDeleteMultipleObjects(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	keys := []string{"plain", "ctl\x01\x1f", "sp ace+plus", "amp&<>\"'", "tab\tnl\ncr\r", "mark\uFDD0x"}
	for _, k := range keys {
		if err := func() error {
			_, err := e.layer.PutObject(t.Context(), "bkt", k, strings.NewReader("x"), 1, object.PutOptions{})
			return err
		}(); err != nil {
			t.Fatal(err)
		}
	}
	body := deleteBody(false, append(keys, "never-existed")...)
	r := e.root("POST", "/bkt/?delete&encoding-type=url", body, "Content-MD5", md5b64(body), "Content-Type", "application/xml")
	wantStatus(t, r, 200)
	var res struct {
		XMLName      xml.Name `xml:"DeleteResult"`
		EncodingType string
		Deleted      []struct{ Key string }
	}
	if err := xml.Unmarshal(r.body, &res); err != nil {
		t.Fatal(err)
	}
	if res.EncodingType != "url" || len(res.Deleted) != len(keys)+1 {
		t.Fatalf("delete result %s", r.body)
	}
	for i, k := range keys {
		got, err := url.QueryUnescape(res.Deleted[i].Key)
		if err != nil || got != k {
			t.Errorf("deleted[%d] = %q (%q), want %q", i, res.Deleted[i].Key, got, k)
		}
		if strings.ContainsAny(res.Deleted[i].Key, "+ ") {
			t.Errorf("raw + or space in %q", res.Deleted[i].Key)
		}
	}
	if st, _ := e.layer.GetBucket(t.Context(), "bkt"); st.Objects != 0 {
		t.Fatalf("%d objects left", st.Objects)
	}

	body = deleteBody(true, "a", "b")
	r = e.root("POST", "/bkt/?delete", body, "Content-MD5", md5b64(body))
	wantStatus(t, r, 200)
	if bytes.Contains(r.body, []byte("<Deleted>")) {
		t.Fatalf("quiet mode listed keys: %s", r.body)
	}
	for name, b := range map[string][]byte{
		"no objects": []byte(`<Delete><Quiet>false</Quiet></Delete>`),
		"not xml":    []byte(`<Delete><Object><Key>a</Key>`),
		"wrong root": []byte(`<Remove><Object><Key>a</Key></Object></Remove>`),
		"no key":     []byte(`<Delete><Object></Object></Delete>`),
		"too many":   deleteBody(false, strings.Split(strings.Repeat("k,", 1001), ",")[:1001]...),
		"bad quiet":  []byte(`<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>`),
	} {
		t.Run(name, func(t *testing.T) {
			wantErr(t, e.root("POST", "/bkt/?delete", b, "Content-MD5", md5b64(b)), 400, "MalformedXML")
		})
	}
	body = deleteBody(false, "a")
	wantErr(t, e.root("POST", "/bkt/?delete", body), 400, "MissingArgument")
	wantErr(t, e.root("POST", "/bkt/?delete", body, "Content-MD5", md5b64([]byte("x"))), 400, "InvalidDigest")
	wantErr(t, e.root("POST", "/nobkt/?delete", body, "Content-MD5", md5b64(body)), 404, "NoSuchBucket")
}

func testListObjects(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	for _, k := range []string{"a/1", "a/2", "b", "c/x/y", "d+e f", "z%"} {
		wantStatus(t, e.root("PUT", "/bkt/"+url.PathEscape(k), []byte(k)), 200)
	}
	type listing struct {
		XMLName               xml.Name `xml:"ListBucketResult"`
		MaxKeys               int
		IsTruncated           bool
		NextMarker            string
		NextContinuationToken string
		EncodingType          string
		KeyCount              int
		Contents              []struct {
			Key, ETag, Type, StorageClass, LastModified string
			Size                                        int64
			Owner                                       *struct{ ID string }
		}
		CommonPrefixes []struct{ Prefix string }
	}
	list := func(q string) listing {
		t.Helper()
		r := e.root("GET", "/bkt/?"+q, nil)
		wantStatus(t, r, 200)
		var l listing
		if err := xml.Unmarshal(r.body, &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	l := list("encoding-type=url")
	if l.MaxKeys != 100 || len(l.Contents) != 6 || l.EncodingType != "url" {
		t.Fatalf("default listing %+v", l)
	}
	if l.Contents[4].Key != "d%2Be%20f" || l.Contents[5].Key != "z%25" || l.Contents[0].Owner == nil || l.Contents[0].Type != "Normal" {
		t.Fatalf("encoded keys %+v", l.Contents)
	}

	// Paging with a delimiter in both versions: every key or prefix once.
	for _, v2 := range []bool{false, true} {
		var seen []string
		marker := ""
		for page := 0; page < 10; page++ {
			q := "delimiter=/&max-keys=2"
			if v2 {
				q += "&list-type=2"
				if marker != "" {
					q += "&continuation-token=" + marker
				}
			} else if marker != "" {
				q += "&marker=" + url.QueryEscape(marker)
			}
			l := list(q)
			for _, c := range l.Contents {
				seen = append(seen, c.Key)
			}
			for _, p := range l.CommonPrefixes {
				seen = append(seen, p.Prefix)
			}
			if v2 && l.KeyCount != len(l.Contents)+len(l.CommonPrefixes) {
				t.Fatalf("KeyCount %d", l.KeyCount)
			}
			if !l.IsTruncated {
				break
			}
			marker = l.NextMarker
			if v2 {
				marker = l.NextContinuationToken
				if !regexp.MustCompile(`^[A-Za-z0-9_-]+$`).MatchString(marker) {
					t.Fatalf("token %q", marker)
				}
			}
		}
		sort.Strings(seen)
		if got := strings.Join(seen, ","); got != "a/,b,c/,d+e f,z%" {
			t.Fatalf("v2=%v paged listing %q", v2, got)
		}
	}
	if l := list("list-type=2"); l.Contents[0].Owner != nil {
		t.Fatal("owner without fetch-owner")
	}
	if l := list("list-type=2&fetch-owner=true"); l.Contents[0].Owner == nil {
		t.Fatal("no owner with fetch-owner")
	}
	for _, q := range []string{"max-keys=0", "max-keys=1001", "max-keys=99999999999999999999", "max-keys=abc",
		"encoding-type=base64", "list-type=2&continuation-token=!!"} {
		wantErr(t, e.root("GET", "/bkt/?"+q, nil), 400, "InvalidArgument")
	}
	wantErr(t, e.root("GET", "/nobkt/", nil), 404, "NoSuchBucket")
}

func testAuthorization(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.root("PUT", "/private", nil), 200)
	wantStatus(t, e.root("PUT", "/pubread", nil, "x-oss-acl", "public-read"), 200)
	wantStatus(t, e.root("PUT", "/pubrw", nil, "x-oss-acl", "public-read-write"), 200)
	for _, b := range []string{"private", "pubread", "pubrw"} {
		wantStatus(t, e.root("PUT", "/"+b+"/obj", []byte("x")), 200)
	}
	wantStatus(t, e.root("PUT", "/private/shared", []byte("x"), "x-oss-object-acl", "public-read"), 200)
	if _, err := e.layer.CreateKey(t.Context(), object.AccessKey{ID: "reader", Secret: "s",
		Grants: map[string]object.Access{"private": object.AccessRead}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.layer.CreateKey(t.Context(), object.AccessKey{ID: "writer", Secret: "s",
		Grants: map[string]object.Access{"private": object.AccessWrite}}); err != nil {
		t.Fatal(err)
	}
	anon := func(method, path string, body []byte) resp {
		return e.do(req{method: method, path: path, body: body})
	}
	as := func(key, method, path string, body []byte) resp {
		return e.do(req{method: method, path: path, key: key, body: body})
	}
	wantErr(t, anon("GET", "/private/obj", nil), 403, "AccessDenied")
	wantErr(t, anon("HEAD", "/private/obj", nil), 403, "AccessDenied")
	wantErr(t, anon("GET", "/", nil), 403, "AccessDenied")
	wantStatus(t, anon("GET", "/private/shared", nil), 200)
	wantStatus(t, anon("GET", "/pubread/obj", nil), 200)
	wantStatus(t, anon("GET", "/pubread/", nil), 200)
	wantErr(t, anon("PUT", "/pubread/obj", []byte("y")), 403, "AccessDenied")
	wantStatus(t, anon("PUT", "/pubrw/obj", []byte("y")), 200)
	wantErr(t, anon("PUT", "/pubrw2/", nil), 403, "AccessDenied")
	wantErr(t, anon("GET", "/missing/obj", nil), 404, "NoSuchBucket")

	wantStatus(t, as("reader", "GET", "/private/obj", nil), 200)
	wantStatus(t, as("reader", "GET", "/private/?list-type=2", nil), 200)
	wantErr(t, as("reader", "PUT", "/private/obj", []byte("y")), 403, "AccessDenied")
	wantErr(t, as("reader", "DELETE", "/private/obj", nil), 403, "AccessDenied")
	wantStatus(t, as("writer", "PUT", "/private/new", []byte("y")), 200)
	wantErr(t, as("writer", "GET", "/private/new", nil), 403, "AccessDenied")
	wantErr(t, as("reader", "PUT", "/newbucket", nil), 403, "AccessDenied")
	wantErr(t, as("reader", "DELETE", "/private/", nil), 403, "AccessDenied")
	wantErr(t, as("reader", "GET", "/missing/?acl", nil), 404, "NoSuchBucket")
	wantStatus(t, as("reader", "GET", "/pubread/obj", nil), 200) // public for everyone
	// Copy needs read on the source and write on the destination.
	wantErr(t, e.do(req{method: "PUT", path: "/private/c", key: "writer", header: map[string]string{"x-oss-copy-source": "/private/obj"}}), 403, "AccessDenied")

	r := as("reader", "GET", "/", nil)
	wantStatus(t, r, 200)
	if !bytes.Contains(r.body, []byte("<Name>private</Name>")) || bytes.Contains(r.body, []byte("<Name>pubrw</Name>")) {
		t.Fatalf("non-root ListBuckets %s", r.body)
	}

	d := wantErr(t, as("bad-signature", "GET", "/private/obj", nil), 403, "SignatureDoesNotMatch")
	if d.StringToSign != "GET\n\n\n" {
		t.Fatalf("StringToSign %q", d.StringToSign)
	}
	wantErr(t, as("skewed", "GET", "/private/obj", nil), 403, "RequestTimeTooSkewed")
	wantErr(t, as("unknown", "GET", "/private/obj", nil), 403, "InvalidAccessKeyId")
	wantErr(t, as("unregistered", "GET", "/private/obj", nil), 403, "InvalidAccessKeyId")
}

func testVirtualHostStyle(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "oss.test")
	wantStatus(t, e.do(req{method: "PUT", path: "/", host: "vbkt.oss.test", key: rootKey}), 200)
	wantStatus(t, e.do(req{method: "PUT", path: "/dir/obj", host: "vbkt.oss.test:9000", key: rootKey, body: []byte("v")}), 200)
	r := e.root("GET", "/vbkt/dir/obj", nil) // IP host: path style
	if string(r.body) != "v" {
		t.Fatalf("path style read %d %s", r.status, r.body)
	}
	r = e.do(req{method: "GET", path: "/vbkt/dir/obj", host: "oss.test", key: rootKey}) // bare domain: path style
	if string(r.body) != "v" {
		t.Fatalf("bare domain read %d %s", r.status, r.body)
	}
	r = e.do(req{method: "GET", path: "/?bucketInfo", host: "vbkt.oss.test:9000", key: rootKey})
	if !bytes.Contains(r.body, []byte("<ExtranetEndpoint>oss.test:9000</ExtranetEndpoint>")) {
		t.Fatalf("vhost endpoint %s", r.body)
	}
	// In a bucket, paths under /-/ are object keys (in path style the
	// server routes them to its own endpoints before this handler).
	wantErr(t, e.do(req{method: "GET", path: "/-/healthz", host: "vbkt.oss.test", key: rootKey}), 404, "NoSuchKey")
}

func testMetricsAndAccessLog(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.do(req{method: "PUT", path: "/bkt", key: rootKey, header: map[string]string{"Authorization": "OSS ROOTKEY:c2VjcmV0c2lnbmF0dXJl"}}), 200)
	wantStatus(t, e.root("PUT", "/bkt/o", []byte("12345")), 200)
	wantStatus(t, e.root("GET", "/bkt/o", nil), 200)
	e.root("GET", "/bkt/missing", nil)
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch mf.GetName() {
			case "koss_http_requests_total":
				found[labels["operation"]+"/"+labels["status"]] = true
			case "koss_http_request_bytes_total":
				if labels["operation"] == "PutObject" && m.GetCounter().GetValue() == 5 {
					found["reqbytes"] = true
				}
			case "koss_http_response_bytes_total":
				if labels["operation"] == "GetObject" && m.GetCounter().GetValue() >= 5 {
					found["respbytes"] = true
				}
			case "koss_http_request_duration_seconds":
				found["latency/"+labels["operation"]] = true
			}
		}
	}
	for _, want := range []string{"PutBucket/200", "PutObject/200", "GetObject/200", "GetObject/404", "reqbytes", "respbytes", "latency/GetObject"} {
		if !found[want] {
			t.Errorf("metric %s missing (have %v)", want, found)
		}
	}
	logs := e.logs.String()
	if !strings.Contains(logs, `"operation":"GetObject"`) || !strings.Contains(logs, `"code":"NoSuchKey"`) {
		t.Fatalf("access log %s", logs)
	}
	if strings.Contains(logs, "c2VjcmV0c2lnbmF0dXJl") || strings.Contains(logs, "Authorization") {
		t.Fatal("the access log contains the Authorization header")
	}
}

func testSignedPayloadDigest(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	data := []byte("signed body")
	good := fmt.Sprintf("%x", sha256.Sum256(data))
	bad := fmt.Sprintf("%x", sha256.Sum256([]byte("other")))
	wantStatus(t, e.root("PUT", "/bkt/good", data, "x-oss-content-sha256", good), 200)
	wantErr(t, e.root("PUT", "/bkt/bad", data, "x-oss-content-sha256", bad), 400, "InvalidDigest")
	wantErr(t, e.do(req{method: "PUT", path: "/bkt/bad", key: rootKey, body: data, chunked: true,
		header: map[string]string{"x-oss-content-sha256": bad}}), 400, "InvalidDigest")
	wantErr(t, e.root("POST", "/bkt/bad?append&position=0", data, "x-oss-content-sha256", bad), 400, "InvalidDigest")
	del := deleteBody(false, "good")
	wantErr(t, e.root("POST", "/bkt/?delete", del, "Content-MD5", md5b64(del), "x-oss-content-sha256", bad), 400, "InvalidDigest")
	if _, err := e.layer.HeadObject(t.Context(), "bkt", "good"); err != nil {
		t.Fatalf("a delete whose body failed its signed digest ran: %v", err)
	}
	if _, err := e.layer.HeadObject(t.Context(), "bkt", "bad"); err == nil {
		t.Fatal("a body that failed its signed digest was stored")
	}
}

func testXMLBodyContentMD5(t *testing.T, newEnv envMaker) {
	e := newEnv(t, "")
	cfg := []byte(`<CreateBucketConfiguration><StorageClass>IA</StorageClass></CreateBucketConfiguration>`)
	wantErr(t, e.root("PUT", "/bkt", cfg, "Content-MD5", md5b64([]byte("other"))), 400, "InvalidDigest")
	wantStatus(t, e.root("PUT", "/bkt", cfg, "Content-MD5", md5b64(cfg)), 200)
	big := bytes.Repeat([]byte("x"), DefaultMaxXMLBodySize+1)
	wantErr(t, e.root("POST", "/bkt/?delete", big, "Content-MD5", md5b64(big)), 400, "MalformedXML")
}
