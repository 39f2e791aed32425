package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPreflightIsOSS: every OPTIONS goes to the OSS dialect, which
// answers CORS preflights, even with the x-amz headers or the AWS
// signature that would send another method to S3's.
func TestPreflightIsOSS(t *testing.T) {
	amz := func(method string) *http.Request {
		r := httptest.NewRequest(method, "/bkt/obj", nil)
		r.Header.Set("X-Amz-Date", "20250101T000000Z")
		return r
	}
	signed := func(method string) *http.Request {
		r := httptest.NewRequest(method, "/bkt/obj", nil)
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20250101/us-east-1/s3/aws4_request, "+
			"SignedHeaders=host;x-amz-date, Signature=00")
		return r
	}
	for _, method := range []string{http.MethodGet, http.MethodPut} {
		if !isS3(amz(method)) || !isS3(signed(method)) {
			t.Fatalf("%s with x-amz headers or an AWS signature is not S3's", method)
		}
	}
	if isS3(amz(http.MethodOptions)) || isS3(signed(http.MethodOptions)) {
		t.Error("an OPTIONS went to the S3 dialect")
	}
}
