package awsauth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Known answers of the AWS S3 API reference (sig-v4-header-based-auth,
// sigv4-query-string-auth, sigv4-streaming), rebuilt from the published
// request facts. A request the documentation says is signed right must be
// accepted; the same request with one byte changed must not.

// TestKATHeaderGet: GET /test.txt with a Range header.
func TestKATHeaderGet(t *testing.T) {
	v := exampleVerifier(t)
	raw := func(sig string) string {
		return "GET /test.txt HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com\r\nRange: bytes=0-9\r\n" +
			"x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\nx-amz-date: 20130524T000000Z\r\n" +
			"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=" + sig + "\r\n\r\n"
	}
	req, err := v.Authenticate(context.Background(), serverRequest(t, raw("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")))
	if err != nil {
		t.Fatalf("the documented GET was refused: %v", err)
	}
	if req.Principal.AccessKeyID != exampleID || req.Anonymous || req.Presigned || req.Region != "us-east-1" {
		t.Fatalf("request %+v", req)
	}
	if b, err := readAll(req.Body); err != nil || len(b) != 0 {
		t.Fatalf("empty body read as %q, %v", b, err)
	}
	_, err = v.Authenticate(context.Background(), serverRequest(t, strings.Replace(raw("f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"), "bytes=0-9", "bytes=0-8", 1)))
	if code(err) != CodeSignatureDoesNotMatch {
		t.Fatalf("a changed Range header: %v, want SignatureDoesNotMatch", err)
	}
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.CanonicalRequest, "range:bytes=0-8\n") || !strings.HasPrefix(e.StringToSign, "AWS4-HMAC-SHA256\n20130524T000000Z\n") {
		t.Fatalf("SignatureDoesNotMatch without the canonical request and string to sign: %+v", e)
	}
	if strings.Contains(err.Error(), exampleSecret) || strings.Contains(e.StringToSign+e.CanonicalRequest, exampleSecret) {
		t.Fatal("the error names the secret")
	}
}

// TestKATHeaderPut: PUT /test$file.text signed with Date and x-amz-date, the
// path's '$' percent-encoded, a body with its SHA-256.
func TestKATHeaderPut(t *testing.T) {
	v := exampleVerifier(t)
	raw := func(body string) string {
		return "PUT /test%24file.text HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com\r\nDate: Fri, 24 May 2013 00:00:00 GMT\r\n" +
			"x-amz-date: 20130524T000000Z\r\nx-amz-storage-class: REDUCED_REDUNDANCY\r\n" +
			"x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\r\n" +
			"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd\r\n" +
			fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body)) + body
	}
	req, err := v.Authenticate(context.Background(), serverRequest(t, raw("Welcome to Amazon S3.")))
	if err != nil {
		t.Fatalf("the documented PUT was refused: %v", err)
	}
	if b, err := readAll(req.Body); err != nil || string(b) != "Welcome to Amazon S3." {
		t.Fatalf("body %q, %v", b, err)
	}
	// Another body of the same length: the signature holds (it covers the
	// digest, not the body), the digest does not.
	req, err = v.Authenticate(context.Background(), serverRequest(t, raw("Welcome to Amazon S4.")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(req.Body); code(err) != CodeXAmzContentSHA256Mismatch {
		t.Fatalf("a body that does not match x-amz-content-sha256 read with %v", err)
	}
}

// TestKATPresigned: the documented presigned GET, valid for 86400 s.
func TestKATPresigned(t *testing.T) {
	v := exampleVerifier(t)
	const url = "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
	get := func(u string) error {
		_, err := v.Authenticate(context.Background(), serverRequest(t, "GET "+u+" HTTP/1.1\r\nHost: examplebucket.s3.amazonaws.com\r\n\r\n"))
		return err
	}
	if err := get(url); err != nil {
		t.Fatalf("the documented presigned URL was refused: %v", err)
	}
	if err := get(strings.Replace(url, "X-Amz-Expires=86400", "X-Amz-Expires=86401", 1)); code(err) != CodeSignatureDoesNotMatch {
		t.Fatalf("a tampered X-Amz-Expires: %v, want SignatureDoesNotMatch", err)
	}
	if err := get(url + "&extra=1"); code(err) != CodeSignatureDoesNotMatch {
		t.Fatalf("an added query parameter: %v, want SignatureDoesNotMatch", err)
	}
}

// exampleStreaming is the documented signed streaming PUT: 66560 bytes of
// 'a' in a 64 KiB chunk, a 1 KiB chunk and the empty last one.
func exampleStreaming(chunkSigs [3]string, data []byte) string {
	var body bytes.Buffer
	sizes := []int{65536, 1024, 0}
	off := 0
	for i, n := range sizes {
		fmt.Fprintf(&body, "%x;chunk-signature=%s\r\n", n, chunkSigs[i])
		body.Write(data[off : off+n])
		body.WriteString("\r\n")
		off += n
	}
	return "PUT /examplebucket/chunkObject.txt HTTP/1.1\r\nHost: s3.amazonaws.com\r\nx-amz-date: 20130524T000000Z\r\n" +
		"x-amz-storage-class: REDUCED_REDUNDANCY\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9\r\n" +
		"x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\nContent-Encoding: aws-chunked\r\nx-amz-decoded-content-length: 66560\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", body.Len()) + body.String()
}

var exampleChunkSigs = [3]string{
	"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
	"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
	"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
}

func TestKATStreaming(t *testing.T) {
	v := exampleVerifier(t)
	data := bytes.Repeat([]byte("a"), 66560)
	raw := exampleStreaming(exampleChunkSigs, data)
	if !strings.Contains(raw, "Content-Length: 66824\r\n") {
		t.Fatal("the example body is not the documented 66824 bytes")
	}
	req, err := v.Authenticate(context.Background(), serverRequest(t, raw))
	if err != nil {
		t.Fatalf("the documented streaming PUT was refused: %v", err)
	}
	if req.Body.Size() != 66560 {
		t.Fatalf("Size %d, want the decoded 66560", req.Body.Size())
	}
	got, err := readAll(req.Body)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("decoded %d bytes, %v; want the 66560 bytes of 'a'", len(got), err)
	}

	// Each chunk changed by one byte, and each signature swapped for
	// another, is refused before io.EOF.
	for _, at := range []int{10, 65536 + 10} {
		bad := bytes.Clone(data)
		bad[at] = 'b'
		req, err := v.Authenticate(context.Background(), serverRequest(t, exampleStreaming(exampleChunkSigs, bad)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := readAll(req.Body); code(err) != CodeSignatureDoesNotMatch {
			t.Errorf("byte %d changed: the body read with %v, want SignatureDoesNotMatch", at, err)
		}
	}
	swapped := [3]string{exampleChunkSigs[1], exampleChunkSigs[0], exampleChunkSigs[2]}
	req, err = v.Authenticate(context.Background(), serverRequest(t, exampleStreaming(swapped, data)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(req.Body); code(err) != CodeSignatureDoesNotMatch {
		t.Errorf("swapped chunk signatures read with %v", err)
	}
}
