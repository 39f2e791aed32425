package awsauth

import (
	"net/http"
	"strings"
)

// Authorization schemes and presign parameters of the AWS dialect.
const (
	algorithmV4   = "AWS4-HMAC-SHA256"
	schemeV4      = algorithmV4 + " "
	schemeV2      = "AWS "
	qAlgorithm    = "X-Amz-Algorithm"
	qCredential   = "X-Amz-Credential"
	qDate         = "X-Amz-Date"
	qExpires      = "X-Amz-Expires"
	qSignedHdrs   = "X-Amz-SignedHeaders"
	qSignature    = "X-Amz-Signature"
	qSecToken     = "X-Amz-Security-Token"
	qV2AccessKey  = "AWSAccessKeyId"
	qV2Signature  = "Signature"
	hAmzDate      = "X-Amz-Date"
	hContentSHA   = "X-Amz-Content-Sha256"
	hSecToken     = "X-Amz-Security-Token"
	hDecodedLen   = "X-Amz-Decoded-Content-Length"
	hTrailer      = "X-Amz-Trailer"
	hContentMD5   = "Content-Md5"
	iso8601Basic  = "20060102T150405Z"
	scopeDateFmt  = "20060102"
	terminator    = "aws4_request"
	serviceS3     = "s3"
	maxPresignAge = 604800 // seconds, seven days (S3's limit for X-Amz-Expires)
)

// IsAWS reports whether r is signed the AWS way: an Authorization header of
// SigV4 ("AWS4-HMAC-SHA256 …") or SigV2 ("AWS AK:sig"), or the query
// parameters of a SigV4 or SigV2 presigned URL. OSS requests ("OSS …",
// "OSS4-HMAC-SHA256 …", OSSAccessKeyId, x-oss-signature-version) are not.
func IsAWS(r *http.Request) bool {
	for _, a := range r.Header.Values("Authorization") {
		if strings.HasPrefix(a, schemeV4) || strings.HasPrefix(a, schemeV2) {
			return true
		}
	}
	if r.URL.RawQuery == "" { // most requests: no query map to build
		return false
	}
	q := r.URL.Query()
	if q.Has(qAlgorithm) || q.Has(qCredential) || q.Has(qSignature) {
		return true
	}
	return q.Has(qV2AccessKey) && q.Has(qV2Signature)
}
