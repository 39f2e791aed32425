package auth

import (
	"errors"
	"fmt"
)

// Sentinel errors of Verify. Every error Verify returns wraps exactly one of
// them (or is an error of the KeyLookup, passed through wrapped), so the
// HTTP layer maps them with errors.Is to OSS error codes.
var (
	// ErrAnonymous means the request carries no credentials at all (no
	// Authorization header, no signature query parameters): the caller
	// decides (public bucket) or answers 403 AccessDenied.
	ErrAnonymous = errors.New("auth: anonymous request")

	// ErrInvalidAccessKeyID means the access key id is unknown: 403
	// InvalidAccessKeyId. KeyLookup implementations return it (or wrap it).
	ErrInvalidAccessKeyID = errors.New("auth: the access key id does not exist")

	// ErrSignatureMismatch means the signature is wrong: 403
	// SignatureDoesNotMatch. It is always carried by a *SignatureError.
	ErrSignatureMismatch = errors.New("auth: signature does not match")

	// ErrRequestTimeTooSkewed means a header-signed request's time is more
	// than Config.MaxSkew away from the server clock (or a V4 presigned URL
	// was signed that far in the future): 403 RequestTimeTooSkewed.
	ErrRequestTimeTooSkewed = errors.New("auth: request time too skewed")

	// ErrRequestExpired means a presigned URL has expired: 403 AccessDenied
	// "Request has expired.".
	ErrRequestExpired = errors.New("auth: request has expired")

	// ErrInvalidAuthorization means the credentials are malformed: a bad
	// Authorization header or presign parameters (e.g. x-oss-expires outside
	// 1..604800), an unsupported algorithm or product, a missing or malformed
	// Date/x-oss-date, a repeated query parameter in a signed request, or
	// both an Authorization header and presign parameters: 400
	// InvalidArgument.
	ErrInvalidAuthorization = errors.New("auth: invalid authorization")

	// ErrInvalidSecurityToken means a request's security token is not one
	// this Region issued for its access key id, or its parent key is gone or
	// has another secret now: 403 InvalidSecurityToken.
	ErrInvalidSecurityToken = errors.New("auth: the security token is invalid")

	// ErrSecurityTokenExpired means a temporary key's session has ended:
	// 403 SecurityTokenExpired.
	ErrSecurityTokenExpired = errors.New("auth: the security token has expired")

	// ErrContentSHA256Mismatch is returned by the reader of
	// Result.PayloadReader when the body does not hash to the signed
	// x-oss-content-sha256: 400 InvalidDigest.
	ErrContentSHA256Mismatch = errors.New("auth: body does not match x-oss-content-sha256")
)

// SignatureError reports a signature mismatch with what OSS puts in its
// SignatureDoesNotMatch response body (<StringToSign>, <SignatureProvided>,
// <OSSAccessKeyId>; V4 also the canonical request) so that clients can debug
// their signing. It never carries the secret. errors.Is(err,
// ErrSignatureMismatch) holds for it.
type SignatureError struct {
	// AccessKeyID is the access key id the request claimed.
	AccessKeyID string
	// StringToSign is the string the server signed. When both forms of a
	// repeated header were tried it is the first (v1 SDK) form.
	StringToSign string
	// CanonicalRequest is the V4 canonical request ("" for V1 and OSS2).
	CanonicalRequest string
	// SignatureProvided is the signature the request carried.
	SignatureProvided string
}

// Error implements error.
func (e *SignatureError) Error() string {
	return fmt.Sprintf("%v (access key id %q)", ErrSignatureMismatch, e.AccessKeyID)
}

// Unwrap makes errors.Is(err, ErrSignatureMismatch) true.
func (e *SignatureError) Unwrap() error { return ErrSignatureMismatch }

// invalid wraps ErrInvalidAuthorization with a reason.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidAuthorization, fmt.Sprintf(format, args...))
}
