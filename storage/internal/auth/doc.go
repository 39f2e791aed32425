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
// The canonical forms follow the project's OSS protocol notes
// (OSS-PROTOCOL.md, sections 3 and 4) and are checked against both official
// Go SDKs. Choices that matter to callers:
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
//     forms are accepted. The HTTP layer should therefore read signed
//     headers with Header.Get (the first value).
//   - Header forms must carry a time within Config.MaxSkew of the server
//     clock (15 min by default): x-oss-date, else Date. Presigned V1 and OSS2
//     URLs are checked against Expires only; V4 URLs against x-oss-date +
//     x-oss-expires, and a V4 signing time more than MaxSkew in the future is
//     refused. A V4 credential scope must name product "oss" and the day of
//     the request time; any region is accepted and reported in Result.
//   - In V1 and OSS2 the date position of the string to sign is the Date
//     header, else x-oss-date (ali-oss sends only x-oss-date).
//   - V4 requests may sign the body: when x-oss-content-sha256 holds a hex
//     digest, Result.PayloadSHA256 returns it and Result.PayloadReader checks
//     the body against it while it streams.
//
// Signatures are compared in constant time (hmac.Equal). The secret never
// appears in an error or in a SignatureError, and this package logs nothing.
//
// The signing helpers (SignV1, SignRequestV1, PresignV1, SignRequestV4,
// PresignV4) are written separately from the verification code, from the
// same specification, so that tests built with them catch verification bugs
// instead of mirroring them; kossd's tools use them to sign requests.
package auth
