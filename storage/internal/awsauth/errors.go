package awsauth

import (
	"fmt"
	"net/http"
)

// Error is an authentication or body failure as S3 reports it.
type Error struct {
	// Code is the S3 error code, e.g. "SignatureDoesNotMatch".
	Code string
	// Status is the HTTP status S3 answers with for Code.
	Status int
	// Message is the human-readable message of the <Error> body.
	Message string
	// StringToSign and CanonicalRequest are what the server signed, for a
	// SignatureDoesNotMatch answer (S3 returns them so clients can debug
	// their signing); empty otherwise. They never contain a secret.
	StringToSign, CanonicalRequest string

	cause error
}

// Error implements error.
func (e *Error) Error() string { return "awsauth: " + e.Code + ": " + e.Message }

// Unwrap returns the I/O error behind an IncompleteBody, if any.
func (e *Error) Unwrap() error { return e.cause }

// S3 error codes this package returns.
const (
	CodeSignatureDoesNotMatch         = "SignatureDoesNotMatch"
	CodeInvalidAccessKeyID            = "InvalidAccessKeyId"
	CodeAccessDenied                  = "AccessDenied"
	CodeRequestTimeTooSkewed          = "RequestTimeTooSkewed"
	CodeAuthorizationHeaderMalformed  = "AuthorizationHeaderMalformed"
	CodeAuthorizationQueryParamsError = "AuthorizationQueryParametersError"
	CodeXAmzContentSHA256Mismatch     = "XAmzContentSHA256Mismatch"
	CodeBadDigest                     = "BadDigest"
	CodeInvalidDigest                 = "InvalidDigest"
	CodeIncompleteBody                = "IncompleteBody"
	CodeInvalidArgument               = "InvalidArgument"
	CodeInvalidRequest                = "InvalidRequest"
	CodeMissingContentLength          = "MissingContentLength"
	CodeInvalidToken                  = "InvalidToken"
	CodeExpiredToken                  = "ExpiredToken"
	// POST Object (browser form uploads).
	CodeInvalidPolicyDocument        = "InvalidPolicyDocument"
	CodeEntityTooLarge               = "EntityTooLarge"
	CodeEntityTooSmall               = "EntityTooSmall"
	CodeMalformedPOSTRequest         = "MalformedPOSTRequest"
	CodeMaxPostPreDataLengthExceeded = "MaxPostPreDataLengthExceededError"
)

func newError(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

func errSignature(sts, cr string) *Error {
	return &Error{Code: CodeSignatureDoesNotMatch, Status: http.StatusForbidden,
		Message:      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
		StringToSign: sts, CanonicalRequest: cr}
}

func errHeaderMalformed(format string, args ...any) *Error {
	return newError(CodeAuthorizationHeaderMalformed, http.StatusBadRequest, "The authorization header is malformed; "+format, args...)
}

func errQueryMalformed(format string, args ...any) *Error {
	return newError(CodeAuthorizationQueryParamsError, http.StatusBadRequest, format, args...)
}

func errInvalidRequest(format string, args ...any) *Error {
	return newError(CodeInvalidRequest, http.StatusBadRequest, format, args...)
}

func errInvalidArgument(format string, args ...any) *Error {
	return newError(CodeInvalidArgument, http.StatusBadRequest, format, args...)
}

func errAccessDenied(format string, args ...any) *Error {
	return newError(CodeAccessDenied, http.StatusForbidden, format, args...)
}

func errIncompleteBody(cause error) *Error {
	e := newError(CodeIncompleteBody, http.StatusBadRequest, "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	e.cause = cause
	return e
}

func errBadDigest(what string) *Error {
	return newError(CodeBadDigest, http.StatusBadRequest, "The %s you specified did not match the calculated checksum.", what)
}

// clip shortens client-supplied text quoted in a message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
