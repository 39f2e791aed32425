package osswire

import (
	"encoding/xml"
	"fmt"
	"net/http"
)

// Error is one OSS error response: the <Error> document and its status.
// The parsers here return *Error values for the problems they find; the
// dialect translates engine and auth errors into them in its error table.
type Error struct {
	Code    string
	Status  int
	Message string
	// EC is OSS's detailed error code ("0015-00000101"); empty when the value
	// OSS uses is not known.
	EC string
	// Extra holds additional elements of the <Error> document (Key,
	// BucketName, ArgumentName, StringToSign, ...), in order.
	Extra []ErrorElement
	// Header holds additional response headers (x-oss-next-append-position).
	Header http.Header
}

// ErrorElement is one extra <Name>Value</Name> element of an error document.
type ErrorElement struct {
	Name  string
	Value string
}

// Error implements error. The text keeps the "ossapi:" prefix it had before
// the type moved here, so that log lines stay the same.
func (e *Error) Error() string {
	return fmt.Sprintf("ossapi: %d %s: %s", e.Status, e.Code, e.Message)
}

// With returns a copy of e with an extra element appended.
func (e Error) With(name, value string) *Error {
	e.Extra = append(append([]ErrorElement(nil), e.Extra...), ErrorElement{name, value})
	return &e
}

// Msgf returns a copy of e with another message.
func (e Error) Msgf(format string, args ...any) *Error {
	e.Message = fmt.Sprintf(format, args...)
	return &e
}

// The OSS errors kossd answers. Messages and EC values follow OSS where
// they are known (see OSS-PROTOCOL.md §5); clients compare some of them.
// They are shared values, never to be modified: With and Msgf return
// copies.
var (
	ErrNoSuchBucket = &Error{Code: "NoSuchBucket", Status: http.StatusNotFound,
		Message: "The specified bucket does not exist.", EC: "0015-00000101"}
	ErrNoSuchKey = &Error{Code: "NoSuchKey", Status: http.StatusNotFound,
		Message: "The specified key does not exist.", EC: "0026-00000001"}
	ErrBucketAlreadyExists = &Error{Code: "BucketAlreadyExists", Status: http.StatusConflict,
		Message: "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
		EC:      "0015-00000104"}
	ErrBucketNotEmpty = &Error{Code: "BucketNotEmpty", Status: http.StatusConflict,
		Message: "The bucket has objects. Please delete them first.", EC: "0015-00000301"}
	ErrInvalidBucketName = &Error{Code: "InvalidBucketName", Status: http.StatusBadRequest,
		Message: "The specified bucket is not valid.", EC: "0015-00000001"}
	ErrInvalidObjectName = &Error{Code: "InvalidObjectName", Status: http.StatusBadRequest,
		Message: "The specified object is not valid.", EC: "0016-00000005"}
	ErrPositionNotEqual = &Error{Code: "PositionNotEqualToLength", Status: http.StatusConflict,
		Message: "Position is not equal to file length", EC: "0026-00000016"}
	ErrObjectNotAppendable = &Error{Code: "ObjectNotAppendable", Status: http.StatusConflict,
		Message: "The object is not appendable", EC: "0026-00000017"}
	ErrFileAlreadyExists = &Error{Code: "FileAlreadyExists", Status: http.StatusConflict,
		Message: "The object you specified already exists and can not be overwritten.", EC: "0026-00000002"}
	ErrInvalidDigest = &Error{Code: "InvalidDigest", Status: http.StatusBadRequest,
		Message: "The Content-MD5 you specified did not match what we received."}
	ErrIncompleteBody = &Error{Code: "IncompleteBody", Status: http.StatusBadRequest,
		Message: "You did not provide the number of bytes specified by the Content-Length HTTP header."}
	ErrEntityTooLarge = &Error{Code: "EntityTooLarge", Status: http.StatusBadRequest,
		Message: "Your proposed upload exceeds the maximum allowed size."}
	ErrInvalidArgument = &Error{Code: "InvalidArgument", Status: http.StatusBadRequest,
		Message: "Invalid argument."}
	ErrMetadataTooLarge = &Error{Code: "InvalidArgument", Status: http.StatusBadRequest,
		Message: "Your metadata headers exceed the maximum allowed metadata size."}
	ErrMissingArgument = &Error{Code: "MissingArgument", Status: http.StatusBadRequest,
		Message: "Missing Some Required Arguments."}
	ErrMalformedXML = &Error{Code: "MalformedXML", Status: http.StatusBadRequest,
		Message: "The XML you provided was not well-formed or did not validate against our published schema."}
	ErrMissingContentLength = &Error{Code: "MissingContentLength", Status: http.StatusLengthRequired,
		Message: "You must provide the Content-Length HTTP header.", EC: "0017-00000101"}
	ErrInvalidRange = &Error{Code: "InvalidRange", Status: http.StatusRequestedRangeNotSatisfiable,
		Message: "The requested range cannot be satisfied"}
	ErrPreconditionFailed = &Error{Code: "PreconditionFailed", Status: http.StatusPreconditionFailed,
		Message: "At least one of the pre-conditions you specified did not hold", EC: "0017-00001001"}
	ErrNotModified = &Error{Code: "NotModified", Status: http.StatusNotModified,
		Message: "Not Modified"}
	ErrNotImplementedHeader = &Error{Code: "NotImplemented", Status: http.StatusBadRequest,
		Message: "A header you provided implies functionality that is not implemented.", EC: "0017-00000245"}
	// ErrNotImplemented answers operations OSS has and kossd does not. It is
	// a 400, like OSS's own NotImplemented, rather than a 501: the v2 SDK
	// retries every status >= 500.
	ErrNotImplemented = &Error{Code: "NotImplemented", Status: http.StatusBadRequest,
		Message: "The operation you requested is not implemented by this server."}
	ErrMethodNotAllowed = &Error{Code: "MethodNotAllowed", Status: http.StatusMethodNotAllowed,
		Message: "The specified method is not allowed against this resource."}
	ErrAccessDenied = &Error{Code: "AccessDenied", Status: http.StatusForbidden,
		Message: "You have no right to access this object because of bucket acl."}
	ErrAnonymousDenied = &Error{Code: "AccessDenied", Status: http.StatusForbidden,
		Message: "You are denied by bucket referer policy or anonymous access is not allowed."}
	ErrInvalidAccessKeyID = &Error{Code: "InvalidAccessKeyId", Status: http.StatusForbidden,
		Message: "The OSS Access Key Id you provided does not exist in our records.", EC: "0002-00000902"}
	ErrSignatureDoesNotMatch = &Error{Code: "SignatureDoesNotMatch", Status: http.StatusForbidden,
		Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
		EC:      "0002-00000040"}
	ErrRequestTimeTooSkewed = &Error{Code: "RequestTimeTooSkewed", Status: http.StatusForbidden,
		Message: "The difference between the request time and the current time is too large.", EC: "0002-00000504"}
	ErrRequestExpired = &Error{Code: "AccessDenied", Status: http.StatusForbidden,
		Message: "Request has expired.", EC: "0002-00000069"}
	ErrInvalidSecurityToken = &Error{Code: "InvalidSecurityToken", Status: http.StatusForbidden,
		Message: "The security token you provided is invalid.", EC: "0002-00000006"}
	ErrSecurityTokenExpired = &Error{Code: "SecurityTokenExpired", Status: http.StatusForbidden,
		Message: "The security token you provided has expired.", EC: "0002-00000007"}
	ErrInvalidAuthorization = &Error{Code: "InvalidArgument", Status: http.StatusBadRequest,
		Message: "Authorization header is invalid."}
	ErrContentSHA256Mismatch = &Error{Code: "InvalidDigest", Status: http.StatusBadRequest,
		Message: "The x-oss-content-sha256 you specified did not match what we received."}
	// ErrStorageFull has no OSS counterpart: OSS never runs out of disk.
	// 507 Insufficient Storage (RFC 4918) with MinIO's kind of code
	// (XMinioStorageFull): the SDKs show the code and message, the v2 SDK
	// retries it a few times like any 5xx, and the S3 dialect sends the
	// same code and status.
	ErrStorageFull = &Error{Code: "XKossStorageFull", Status: http.StatusInsufficientStorage,
		Message: "The node's disk is full (its free space is below the reserve it keeps for metadata); delete objects to free space, then retry."}
	ErrServiceUnavailable = &Error{Code: "ServiceUnavailable", Status: http.StatusServiceUnavailable,
		Message: "Not enough storage nodes are available to serve the request; retry later."}
	ErrInternal = &Error{Code: "InternalError", Status: http.StatusInternalServerError,
		Message: "We encountered an internal error. Please try again."}
	ErrRequestCanceled = &Error{Code: "RequestTimeout", Status: http.StatusBadRequest,
		Message: "The request was canceled before it completed."}
	ErrInvalidPart = &Error{Code: "InvalidPart", Status: http.StatusBadRequest,
		Message: "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag."}
	ErrInvalidPartOrder = &Error{Code: "InvalidPartOrder", Status: http.StatusBadRequest,
		Message: "The list of parts was not in ascending order. The parts list must be specified in order by part number.", EC: "0042-00000209"}
	ErrEntityTooSmall = &Error{Code: "EntityTooSmall", Status: http.StatusBadRequest,
		Message: "Your proposed upload is smaller than the minimum allowed size.", EC: "0042-00000213"}
	ErrInvalidPartNumber = &Error{Code: "InvalidArgument", Status: http.StatusBadRequest,
		Message: "Part number must be an integer between 1 and 10000, inclusive.", EC: "0017-00000220"}
	ErrCompleteAllWithBody = &Error{Code: "InvalidArgument", Status: http.StatusBadRequest,
		Message: "Should not speficy both complete all header and http body.", EC: "0042-00000216"}
	// ErrCallbackFailed is how kossd, which makes no callbacks, answers a
	// Complete with x-oss-callback: as OSS does when the callback fails,
	// with the object stored.
	ErrCallbackFailed = &Error{Code: "CallbackFailed", Status: http.StatusNonAuthoritativeInfo,
		Message: "Error status : 301.", EC: "0007-00000203"}
	ErrNoSuchUpload = &Error{Code: "NoSuchUpload", Status: http.StatusNotFound,
		Message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."}
)

// The answers to reads of bucket configurations kossd does not support:
// OSS's "no such configuration" errors.
var (
	ErrNoSuchLifecycle = &Error{Code: "NoSuchLifecycle", Status: http.StatusNotFound,
		Message: "No Row found in Lifecycle Table."}
	ErrNoSuchCORSConfiguration = &Error{Code: "NoSuchCORSConfiguration", Status: http.StatusNotFound,
		Message: "The CORS Configuration does not exist."}
	ErrNoSuchWebsiteConfiguration = &Error{Code: "NoSuchWebsiteConfiguration", Status: http.StatusNotFound,
		Message: "The specified bucket does not have a website configuration."}
	ErrNoSuchServerSideEncryptionRule = &Error{Code: "NoSuchServerSideEncryptionRule", Status: http.StatusNotFound,
		Message: "The server side encryption configuration was not found."}
	ErrNoSuchBucketPolicy = &Error{Code: "NoSuchBucketPolicy", Status: http.StatusNotFound,
		Message: "The bucket policy does not exist."}
	ErrNoSuchWORMConfiguration = &Error{Code: "NoSuchWORMConfiguration", Status: http.StatusNotFound,
		Message: "The WORM Configuration does not exist."}
	ErrNoSuchReplicationConfiguration = &Error{Code: "NoSuchReplicationConfiguration", Status: http.StatusNotFound,
		Message: "The specified bucket does not have a replication configuration."}
	ErrNoSuchInventory = &Error{Code: "NoSuchInventory", Status: http.StatusNotFound,
		Message: "The specified inventory does not exist."}
)

// errorDocument is the <Error> body.
type errorDocument struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
	Extra     []xmlExtra
	EC        string `xml:"EC,omitempty"`
}

// xmlExtra marshals one ErrorElement under its own element name.
type xmlExtra struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// Document is the <Error> body of e for a request (its id and its Host).
func (e *Error) Document(requestID, hostID string) []byte {
	doc := errorDocument{Code: e.Code, Message: e.Message, RequestID: requestID, HostID: hostID, EC: e.EC}
	for _, x := range e.Extra {
		doc.Extra = append(doc.Extra, xmlExtra{XMLName: xml.Name{Local: x.Name}, Value: x.Value})
	}
	return MarshalXML(doc)
}
