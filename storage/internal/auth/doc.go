// Package auth authenticates OSS requests for kossd: it verifies request
// signatures the way Alibaba Cloud OSS does, so that the official OSS SDKs
// (and anything else that signs like them) work unchanged against kossd.
//
// Supported schemes, each in header form (Authorization) and presigned-URL
// form (query parameters):
//
//   - V1: "OSS <ak>:<sig>", HMAC-SHA1; presigned OSSAccessKeyId/Expires/Signature.
//   - OSS2 ("V2" of the v1 SDK): "OSS2 AccessKeyId:...,Signature:...", HMAC-SHA256;
//     presigned x-oss-signature-version=OSS2.
//   - V4: "OSS4-HMAC-SHA256 Credential=...,Signature=...", a derived-key
//     HMAC-SHA256; presigned x-oss-signature-version=OSS4-HMAC-SHA256.
//
// The canonical forms follow /work/shared/OSS-PROTOCOL.md sections 3 and 4. A
// few choices matter to callers:
//
//   - The canonical resource always contains the bucket, so Verify takes the
//     request's resolved bucket and decoded key from the caller whatever the
//     URL style (path, virtual host, CNAME).
//   - Query strings are decoded with form semantics ('+' is a space), exactly
//     as net/url.ParseQuery decodes them, so the parameters that were signed
//     are the ones the HTTP layer acts on. A signed request that repeats a
//     query parameter name is refused (no SDK sends one, and it would make
//     "which value was signed" ambiguous).
//   - Where the two SDKs canonicalise a repeated header differently (the v1
//     SDK signs the first value, the v2 SDK the comma-joined values) both
//     forms are tried.
//   - Header forms must carry a time within Config.MaxSkew of the server
//     clock (15 min by default); presigned URLs are checked against their
//     expiry only (V4 additionally refuses a signing time further in the
//     future than MaxSkew).
//   - V4 requests may sign the body: when x-oss-content-sha256 holds a hex
//     digest, Result.PayloadSHA256 returns it and Result.PayloadReader checks
//     the body against it while it streams.
//
// Signatures are compared in constant time (hmac.Equal). The secret never
// appears in an error, a log line or a SignatureError.
//
// The signing helpers (SignV1, SignRequestV1, PresignV1, SignRequestV4,
// PresignV4) are written separately from the verification code, from the
// same specification, so that tests built with them can catch verification
// bugs instead of mirroring them; kossd tools use them to sign requests.
package auth
