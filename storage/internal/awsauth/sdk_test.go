package awsauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/session"
)

// sdkClient builds an aws-sdk-go-v2 S3 client the way programs do
// (config.LoadDefaultConfig, so the default CRC32 checksums are on) against
// endpoint; hc carries the connections (for TLS and virtual hosts).
func sdkClient(t *testing.T, endpoint string, hc *http.Client, pathStyle bool, region string) *s3.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region), config.WithHTTPClient(hc),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(clientID, clientSecret, "")))
	if err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = pathStyle
		o.RetryMaxAttempts = 1
	})
}

// dialTo is an HTTP client that connects to addr whatever the URL's host,
// so a client can address buckets as virtual hosts (bkt.s3.koss.test).
func dialTo(addr string, base *http.Client) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if base != nil {
		tr = base.Transport.(*http.Transport).Clone()
	}
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// awkwardKey has the characters that trip canonical URI encoding.
const awkwardKey = "dir/a b+c~d!$'()*,;=@&é%.txt"

// checkWrite says what must hold for an accepted write: signed by the
// client's key, the body the handler read equal to what was sent, and the
// checksum reported when the client sent one.
func checkWrite(t *testing.T, e seen, data []byte, wantAlg checksum.Algorithm) {
	t.Helper()
	if e.err != nil {
		t.Fatalf("%s %s (x-amz-content-sha256 %s) refused: %v", e.method, e.path, e.payload, e.err)
	}
	if e.req.Anonymous || e.req.Principal.AccessKeyID != clientID {
		t.Fatalf("principal %+v anonymous=%v", e.req.Principal, e.req.Anonymous)
	}
	if !bytes.Equal(e.body, data) {
		t.Fatalf("the handler read %d bytes, the client sent %d (x-amz-content-sha256 %s)", len(e.body), len(data), e.payload)
	}
	if e.req.Body.Size() != int64(len(data)) {
		t.Errorf("Size %d, want %d", e.req.Body.Size(), len(data))
	}
	if wantAlg != "" && (e.alg != wantAlg || e.value != wantAlg.Sum(data)) {
		t.Errorf("checksum reported %s %q, want %s %q", e.alg, e.value, wantAlg, wantAlg.Sum(data))
	}
}

// TestSDKPlainHTTP: over plain HTTP the SDK signs the body's hex SHA-256
// and sends x-amz-checksum-crc32 as a header; path style (IP endpoint) and
// virtual hosts, regions us-east-1 and another, an awkward key, a valueless
// query (?uploads=), the x-id parameter.
func TestSDKPlainHTTP(t *testing.T) {
	srv := newS3Server(t, false, time.Now)
	u, _ := url.Parse(srv.URL)
	ctx := context.Background()
	for _, c := range []struct {
		name, endpoint, region string
		path                   bool
		wantHost               string
	}{
		{"path style", srv.URL, "us-east-1", true, u.Host},
		{"virtual host", "http://s3.koss.test:" + u.Port(), "koss-region-1", false, "bkt.s3.koss.test:" + u.Port()},
	} {
		t.Run(c.name, func(t *testing.T) {
			client := sdkClient(t, c.endpoint, dialTo(u.Host, nil), c.path, c.region)
			data := randomBytes(300_000)
			if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(awkwardKey), Body: bytes.NewReader(data)}); err != nil {
				t.Fatal(err)
			}
			e := srv.last(t)
			if len(e.payload) != 64 || e.host != c.wantHost {
				t.Fatalf("the SDK sent x-amz-content-sha256 %q to %q; this test expects a hex digest to %q", e.payload, e.host, c.wantHost)
			}
			checkWrite(t, e, data, checksum.CRC32)
			if e.req.Region != c.region {
				t.Errorf("region %q, want %q", e.req.Region, c.region)
			}

			if _, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); err != nil {
				t.Fatalf("CreateMultipartUpload (?uploads=): %v", err)
			}
			part := randomBytes(70_000)
			if _, err := client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: aws.String("up1"),
				PartNumber: aws.Int32(2), Body: bytes.NewReader(part), ChecksumAlgorithm: types.ChecksumAlgorithmSha256}); err != nil {
				t.Fatalf("UploadPart: %v", err)
			}
			checkWrite(t, srv.last(t), part, checksum.SHA256)

			out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(awkwardKey), Range: aws.String("bytes=0-")})
			if err != nil {
				t.Fatalf("GetObject: %v", err)
			}
			out.Body.Close()
			if _, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); err != nil {
				t.Fatalf("HeadObject: %v", err)
			}
			if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String(awkwardKey)}); err != nil {
				t.Fatalf("DeleteObject: %v", err)
			}
			for _, e := range srv.all() {
				if e.err != nil {
					t.Errorf("%s %s refused: %v", e.method, e.path, e.err)
				}
			}
		})
	}
}

// TestSDKTLS: over HTTPS the SDK sends PutObject and UploadPart as
// STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer; the handler must
// read exactly the data, with the trailer's checksum reported.
func TestSDKTLS(t *testing.T) {
	srv := newS3Server(t, true, time.Now)
	client := sdkClient(t, srv.URL, srv.Client(), true, "us-east-1")
	ctx := context.Background()
	for _, n := range []int{0, 1, 65536, 200_001} {
		data := randomBytes(n)
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(awkwardKey), Body: bytes.NewReader(data)}); err != nil {
			t.Fatalf("PutObject of %d bytes: %v", n, err)
		}
		e := srv.last(t)
		if n > 0 && e.payload != streamingUnsignedTrail {
			t.Fatalf("the SDK sent x-amz-content-sha256 %q; this test expects %s", e.payload, streamingUnsignedTrail)
		}
		if n > 0 {
			checkWrite(t, e, data, checksum.CRC32)
		} else {
			checkWrite(t, e, data, "")
		}
	}
	part := randomBytes(100_000)
	if _, err := client.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: aws.String("up1"),
		PartNumber: aws.Int32(1), Body: bytes.NewReader(part)}); err != nil {
		t.Fatalf("UploadPart: %v", err)
	}
	e := srv.last(t)
	if e.payload != streamingUnsignedTrail {
		t.Fatalf("UploadPart sent %q", e.payload)
	}
	checkWrite(t, e, part, checksum.CRC32)
}

// TestSDKPresign: presigned GET and PUT URLs from the SDK's presign client
// are accepted; a tampered parameter and an expired URL are not.
func TestSDKPresign(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	srv := newS3Server(t, false, clock)
	client := sdkClient(t, srv.URL, srv.Client(), true, "us-east-1")
	pc := s3.NewPresignClient(client, s3.WithPresignExpires(15*time.Minute))
	ctx := context.Background()

	get, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(awkwardKey)})
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, u string, h http.Header, body []byte) seen {
		t.Helper()
		req, _ := http.NewRequest(method, u, bytes.NewReader(body))
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return srv.last(t)
	}
	e := do(get.Method, get.URL, get.SignedHeader, nil)
	if e.err != nil || !e.req.Presigned || e.req.Principal.AccessKeyID != clientID {
		t.Fatalf("presigned GET %s: %v", get.URL, e.err)
	}

	data := randomBytes(10_000)
	put, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("up/loaded")})
	if err != nil {
		t.Fatal(err)
	}
	e = do(put.Method, put.URL, put.SignedHeader, data)
	checkWrite(t, e, data, "")

	for _, c := range []struct {
		what, from, to string
	}{
		{"a tampered X-Amz-Expires", "X-Amz-Expires=900", "X-Amz-Expires=901"},
		{"another key", "/dir/", "/dirr/"},
		{"another x-id", "x-id=GetObject", "x-id=PutObject"},
	} {
		tampered := strings.Replace(get.URL, c.from, c.to, 1)
		if tampered == get.URL {
			t.Fatalf("%s: %q not in %s", c.what, c.from, get.URL)
		}
		if e := do(get.Method, tampered, get.SignedHeader, nil); code(e.err) != CodeSignatureDoesNotMatch {
			t.Errorf("%s: %v, want SignatureDoesNotMatch", c.what, e.err)
		}
	}

	now = now.Add(16 * time.Minute)
	e = do(get.Method, get.URL, get.SignedHeader, nil)
	if code(e.err) != CodeAccessDenied || !strings.Contains(e.err.Error(), "Request has expired") {
		t.Fatalf("an expired presigned URL: %v, want AccessDenied Request has expired", e.err)
	}
}

// TestSDKCompleteChecksum: the x-amz-checksum-crc32 of a
// CompleteMultipartUpload is the whole object's, so it must not be checked
// against the XML body (the handler compares it with the parts').
func TestSDKCompleteChecksum(t *testing.T) {
	srv := newS3Server(t, false, time.Now)
	client := sdkClient(t, srv.URL, srv.Client(), true, "us-east-1")
	whole := checksum.CRC32.Sum([]byte("the whole object"))
	// The test server answers no CompleteMultipartUploadResult: only what
	// the handler saw matters here.
	_, _ = client.CompleteMultipartUpload(context.Background(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
		UploadId: aws.String("up1"), ChecksumCRC32: aws.String(whole),
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: aws.String(`"x"`), PartNumber: aws.Int32(1)}}}})
	e := srv.last(t)
	if e.header.Get("X-Amz-Checksum-Crc32") != whole {
		t.Fatalf("the SDK did not send the object's checksum in a header: %v", e.header)
	}
	if e.err != nil {
		t.Fatalf("CompleteMultipartUpload with the object's checksum refused: %v", e.err)
	}
	if a, _ := e.req.Body.Checksum(); a != "" {
		t.Fatalf("the object's checksum was taken for the body's: %s", a)
	}
}

// TestSDKTemporaryCredentials: the SDK with STS-style credentials (a
// session token) signs header requests and presigned URLs the server
// accepts under the temporary key, with the session's grants.
func TestSDKTemporaryCredentials(t *testing.T) {
	now := time.Now()
	srv := newS3Server(t, false, func() time.Time { return now })
	sess, token, err := srv.sessions.Issue(session.Request{ParentID: clientID, ParentSecret: clientSecret,
		Grants: map[string]object.Access{"bkt": object.AccessRead}, Duration: time.Hour, Name: "t"}, now)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(sess.AccessKeyID, sess.Secret, token)))
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(srv.URL); o.UsePathStyle = true })
	data := randomBytes(5000)
	if _, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	e := srv.last(t)
	if e.err != nil || e.req.Principal.AccessKeyID != sess.AccessKeyID || e.req.Principal.Parent != clientID || e.req.Principal.MayWrite("bkt") || !e.req.Principal.MayRead("bkt") {
		t.Fatalf("temporary key request: %+v, %v", e.req, e.err)
	}
	get, err := s3.NewPresignClient(client).PresignGetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(get.URL, "X-Amz-Security-Token=") {
		t.Fatalf("the presigned URL carries no token: %s", get.URL)
	}
	resp, err := http.Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if e := srv.last(t); e.err != nil || e.req.Principal.AccessKeyID != sess.AccessKeyID {
		t.Fatalf("presigned with a temporary key: %v", e.err)
	}
	// Without its token the URL is refused.
	resp, err = http.Get(strings.Replace(get.URL, "X-Amz-Security-Token=", "X-Amz-Security-Tokem=", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if e := srv.last(t); code(e.err) != CodeInvalidAccessKeyID {
		t.Fatalf("presigned temporary key without its token: %v", e.err)
	}
}

// TestSDKSHA512: aws-sdk-go-v2 computes SHA512 itself (the newest of its
// algorithms); over HTTP it arrives in a header, over HTTPS in a trailer,
// and both must be verified and reported.
func TestSDKSHA512(t *testing.T) {
	ctx := context.Background()
	for _, tls := range []bool{false, true} {
		srv := newS3Server(t, tls, time.Now)
		client := sdkClient(t, srv.URL, srv.Client(), true, "us-east-1")
		data := randomBytes(70_000)
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
			Body: bytes.NewReader(data), ChecksumAlgorithm: types.ChecksumAlgorithmSha512}); err != nil {
			t.Fatalf("tls=%v: %v", tls, err)
		}
		e := srv.last(t)
		if tls != (e.header.Get(hTrailer) == checksum.SHA512.Header()) {
			t.Fatalf("tls=%v: x-amz-trailer %q", tls, e.header.Get(hTrailer))
		}
		checkWrite(t, e, data, checksum.SHA512)
	}
}
