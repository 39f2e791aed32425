package s3wire

import (
	"encoding/xml"
	"fmt"
	"net/http"
)

// Error is one S3 error response: the code, its HTTP status, the message
// and the extra elements some codes carry (BucketName, Key, UploadId,
// ArgumentName, StringToSign...). Parsers here return *Error values; the
// handler translates engine and auth errors into them in one table.
type Error struct {
	Code    string
	Status  int
	Message string
	// Extra holds additional elements of the <Error> document, in order.
	Extra []Element
	// Header holds additional response headers (ETag on 304).
	Header http.Header
}

// Element is one extra <Name>Value</Name> element of an error document.
type Element struct {
	Name  string
	Value string
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("s3api: %d %s: %s", e.Status, e.Code, e.Message)
}

// With returns a copy of e with an extra element appended.
func (e Error) With(name, value string) *Error {
	e.Extra = append(append([]Element(nil), e.Extra...), Element{name, value})
	return &e
}

// Msgf returns a copy of e with another message.
func (e Error) Msgf(format string, args ...any) *Error {
	e.Message = fmt.Sprintf(format, args...)
	return &e
}

func newErr(code string, status int, msg string) *Error {
	return &Error{Code: code, Status: status, Message: msg}
}

// The S3 errors kossd answers, with the statuses of the S3 error table
// (docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). They are
// shared values, never to be modified: With and Msgf return copies.
var (
	ErrAccessDenied                 = newErr("AccessDenied", http.StatusForbidden, "Access Denied")
	ErrAuthorizationHeaderMalformed = newErr("AuthorizationHeaderMalformed", http.StatusBadRequest, "The authorization header is malformed.")
	ErrBadDigest                    = newErr("BadDigest", http.StatusBadRequest, "The Content-MD5 or checksum you specified did not match what was received.")
	ErrBucketAlreadyExists          = newErr("BucketAlreadyExists", http.StatusConflict, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
	ErrBucketAlreadyOwnedByYou      = newErr("BucketAlreadyOwnedByYou", http.StatusConflict, "Your previous request to create the named bucket succeeded and you already own it.")
	ErrBucketNotEmpty               = newErr("BucketNotEmpty", http.StatusConflict, "The bucket you tried to delete is not empty.")
	ErrEntityTooLarge               = newErr("EntityTooLarge", http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed object size.")
	ErrEntityTooSmall               = newErr("EntityTooSmall", http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed object size.")
	ErrIncompleteBody               = newErr("IncompleteBody", http.StatusBadRequest, "You did not provide the number of bytes specified by the Content-Length HTTP header.")
	ErrInternal                     = newErr("InternalError", http.StatusInternalServerError, "We encountered an internal error. Please try again.")
	ErrInvalidAccessKeyID           = newErr("InvalidAccessKeyId", http.StatusForbidden, "The AWS access key Id you provided does not exist in our records.")
	ErrInvalidArgument              = newErr("InvalidArgument", http.StatusBadRequest, "Invalid Argument")
	ErrInvalidBucketName            = newErr("InvalidBucketName", http.StatusBadRequest, "The specified bucket is not valid.")
	ErrInvalidDigest                = newErr("InvalidDigest", http.StatusBadRequest, "The Content-MD5 you specified is not valid.")
	ErrInvalidPart                  = newErr("InvalidPart", http.StatusBadRequest, "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag or checksum may not match the part's.")
	ErrInvalidPartOrder             = newErr("InvalidPartOrder", http.StatusBadRequest, "The list of parts was not in ascending order. Parts must be ordered by part number.")
	ErrInvalidRange                 = newErr("InvalidRange", http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable")
	ErrInvalidRequest               = newErr("InvalidRequest", http.StatusBadRequest, "Invalid Request")
	ErrInvalidStorageClass          = newErr("InvalidStorageClass", http.StatusBadRequest, "The storage class you specified is not valid.")
	ErrKeyTooLong                   = newErr("KeyTooLongError", http.StatusBadRequest, "Your key is too long.")
	ErrMalformedXML                 = newErr("MalformedXML", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema.")
	ErrMetadataTooLarge             = newErr("MetadataTooLarge", http.StatusBadRequest, "Your metadata headers exceed the maximum allowed metadata size.")
	ErrMethodNotAllowed             = newErr("MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource.")
	ErrMissingContentLength         = newErr("MissingContentLength", http.StatusLengthRequired, "You must provide the Content-Length HTTP header.")
	ErrNoSuchBucket                 = newErr("NoSuchBucket", http.StatusNotFound, "The specified bucket does not exist.")
	ErrNoSuchKey                    = newErr("NoSuchKey", http.StatusNotFound, "The specified key does not exist.")
	ErrNoSuchUpload                 = newErr("NoSuchUpload", http.StatusNotFound, "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed.")
	// ErrNoSuchVersion answers a version id other than "null": kossd
	// keeps only the current version.
	ErrNoSuchVersion         = newErr("NoSuchVersion", http.StatusNotFound, "The specified version does not exist.")
	ErrNotImplemented        = newErr("NotImplemented", http.StatusNotImplemented, "A header or operation you provided implies functionality that is not implemented.")
	ErrNotModified           = newErr("NotModified", http.StatusNotModified, "Not Modified")
	ErrPreconditionFailed    = newErr("PreconditionFailed", http.StatusPreconditionFailed, "At least one of the preconditions you specified did not hold.")
	ErrRequestTimeTooSkewed  = newErr("RequestTimeTooSkewed", http.StatusForbidden, "The difference between the request time and the server's time is too large.")
	ErrSignatureDoesNotMatch = newErr("SignatureDoesNotMatch", http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	// ErrStorageFull is kossd's, not S3's: 507 as MinIO's XMinioStorageFull
	// (the AWS SDKs do not retry 507; see osswire.ErrStorageFull).
	ErrStorageFull           = newErr("XKossStorageFull", http.StatusInsufficientStorage, "The node's disk is full (its free space is below the reserve it keeps for metadata); delete objects to free space, then retry.")
	ErrSlowDown              = newErr("SlowDown", http.StatusServiceUnavailable, "Please reduce your request rate.")
	ErrContentSHA256Mismatch = newErr("XAmzContentSHA256Mismatch", http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	ErrRequestCanceled       = newErr("RequestCanceled", 499, "The client closed the request.")
)

// errorDocument is the <Error> body. S3 error documents carry no namespace.
type errorDocument struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Extra     []xmlExtra
	Resource  string `xml:"Resource"`
	RequestID string `xml:"RequestId"`
	HostID    string `xml:"HostId"`
}

// xmlExtra marshals one Element under its own element name.
type xmlExtra struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

// Document is the <Error> body of e for a request: the resource it
// addressed (its path), its id and its host id.
func (e *Error) Document(resource, requestID, hostID string) []byte {
	doc := errorDocument{Code: e.Code, Message: e.Message, Resource: resource, RequestID: requestID, HostID: hostID}
	for _, x := range e.Extra {
		doc.Extra = append(doc.Extra, xmlExtra{XMLName: xml.Name{Local: x.Name}, Value: x.Value})
	}
	return MarshalXML(doc)
}
