// Package awsauth authenticates requests of the Amazon S3 dialect: AWS
// Signature Version 4 in the Authorization header and in presigned URLs (and
// the older Version 2 in both forms, sigv2.go, which signs no body), and the
// bodies those requests carry, raw or in aws-chunked framing, with their
// signed digest, chunk signatures and flexible checksums (package checksum).
//
// kossd serves the Alibaba OSS API and the S3 API on one endpoint with the
// same access keys; IsAWS tells the S3 requests apart, and the keys and
// temporary (STS) credentials are resolved by the OSS verifier's own rules
// (auth.Verifier.ResolveKey) so that no key has other rights in S3 than in OSS.
//
// Authenticate checks the signature and returns a Request whose Body replaces
// r.Body. The body's integrity can only be known once all of it has arrived
// (a digest, the last chunk signature, a trailing checksum), so Body never
// returns io.EOF unless everything held: the read that reaches the end fails
// instead. A handler that streams the body into storage and commits only on
// io.EOF therefore never commits a body the client did not send.
//
// Browser form uploads (POST Object, post.go) carry no signature of the HTTP
// request: ReadPostForm reads the multipart fields before the file,
// VerifyPostPolicy checks the signature over the base64 policy document, its
// expiration and each of its conditions against the fields, and
// PostRequest.Body enforces the policy's content-length-range and the form's
// checksum on the file, failing the last read as Body does.
//
// The aws-chunked framing decoder is package awschunked and the POST policy
// document's parsing and condition matching package postpolicy; this
// package maps their failures to S3 errors.
//
// Every failure is an *Error carrying the S3 error code and HTTP status,
// except a failed key lookup, which is returned wrapped so the handler
// answers 5xx. Secrets never appear in errors.
//
// The facts followed here (canonical request, scope, streaming and trailer
// signatures, header names, error codes) are those of the AWS S3 API
// reference: sig-v4-header-based-auth, sigv4-query-string-auth,
// sigv4-streaming, sigv4-streaming-trailers, RESTAuthentication (V2),
// sigv4-HTTPPOSTConstructPolicy and ErrorResponses, cross-checked
// against what aws-sdk-go-v2, minio-go and boto3 send (see the tests).
package awsauth
