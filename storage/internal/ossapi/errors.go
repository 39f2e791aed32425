package ossapi

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// apiError is one OSS error response: the <Error> document and its status.
// Handlers return *apiError values for problems they detect while parsing;
// engine and auth errors are translated by toAPIError through errorTable.
type apiError struct {
	Code    string
	Status  int
	Message string
	// EC is OSS's detailed error code ("0015-00000101"); empty when the value
	// OSS uses is not known.
	EC string
	// Extra holds additional elements of the <Error> document (Key,
	// BucketName, ArgumentName, StringToSign, ...), in order.
	Extra []xmlElem
	// Header holds additional response headers (x-oss-next-append-position).
	Header http.Header
}

// xmlElem is one extra <Name>Value</Name> element of an error document.
type xmlElem struct {
	Name  string
	Value string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("ossapi: %d %s: %s", e.Status, e.Code, e.Message)
}

// with returns a copy of e with an extra element appended.
func (e apiError) with(name, value string) *apiError {
	e.Extra = append(append([]xmlElem(nil), e.Extra...), xmlElem{name, value})
	return &e
}

// msg returns a copy of e with another message.
func (e apiError) msg(format string, args ...any) *apiError {
	e.Message = fmt.Sprintf(format, args...)
	return &e
}

// The errors handlers use directly. Messages and EC values follow OSS where
// they are known (see OSS-PROTOCOL.md §5); clients compare some of them.
var (
	errNoSuchBucket = apiError{Code: "NoSuchBucket", Status: http.StatusNotFound,
		Message: "The specified bucket does not exist.", EC: "0015-00000101"}
	errNoSuchKey = apiError{Code: "NoSuchKey", Status: http.StatusNotFound,
		Message: "The specified key does not exist.", EC: "0026-00000001"}
	errBucketAlreadyExists = apiError{Code: "BucketAlreadyExists", Status: http.StatusConflict,
		Message: "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
		EC:      "0015-00000104"}
	errBucketNotEmpty = apiError{Code: "BucketNotEmpty", Status: http.StatusConflict,
		Message: "The bucket has objects. Please delete them first.", EC: "0015-00000301"}
	errInvalidBucketName = apiError{Code: "InvalidBucketName", Status: http.StatusBadRequest,
		Message: "The specified bucket is not valid.", EC: "0015-00000001"}
	errInvalidObjectName = apiError{Code: "InvalidObjectName", Status: http.StatusBadRequest,
		Message: "The specified object is not valid.", EC: "0016-00000005"}
	errPositionNotEqual = apiError{Code: "PositionNotEqualToLength", Status: http.StatusConflict,
		Message: "Position is not equal to file length", EC: "0026-00000016"}
	errObjectNotAppendable = apiError{Code: "ObjectNotAppendable", Status: http.StatusConflict,
		Message: "The object is not appendable", EC: "0026-00000017"}
	errFileAlreadyExists = apiError{Code: "FileAlreadyExists", Status: http.StatusConflict,
		Message: "The object you specified already exists and can not be overwritten.", EC: "0026-00000002"}
	errInvalidDigest = apiError{Code: "InvalidDigest", Status: http.StatusBadRequest,
		Message: "The Content-MD5 you specified did not match what we received."}
	errIncompleteBody = apiError{Code: "IncompleteBody", Status: http.StatusBadRequest,
		Message: "You did not provide the number of bytes specified by the Content-Length HTTP header."}
	errEntityTooLarge = apiError{Code: "EntityTooLarge", Status: http.StatusBadRequest,
		Message: "Your proposed upload exceeds the maximum allowed size."}
	errInvalidArgument = apiError{Code: "InvalidArgument", Status: http.StatusBadRequest,
		Message: "Invalid argument."}
	errMetadataTooLarge = apiError{Code: "InvalidArgument", Status: http.StatusBadRequest,
		Message: "Your metadata headers exceed the maximum allowed metadata size."}
	errMissingArgument = apiError{Code: "MissingArgument", Status: http.StatusBadRequest,
		Message: "Missing Some Required Arguments."}
	errMalformedXML = apiError{Code: "MalformedXML", Status: http.StatusBadRequest,
		Message: "The XML you provided was not well-formed or did not validate against our published schema."}
	errMissingContentLength = apiError{Code: "MissingContentLength", Status: http.StatusLengthRequired,
		Message: "You must provide the Content-Length HTTP header.", EC: "0017-00000101"}
	errInvalidRange = apiError{Code: "InvalidRange", Status: http.StatusRequestedRangeNotSatisfiable,
		Message: "The requested range cannot be satisfied"}
	errPreconditionFailed = apiError{Code: "PreconditionFailed", Status: http.StatusPreconditionFailed,
		Message: "At least one of the pre-conditions you specified did not hold", EC: "0017-00001001"}
	errNotModified = apiError{Code: "NotModified", Status: http.StatusNotModified,
		Message: "Not Modified"}
	errNotImplementedHeader = apiError{Code: "NotImplemented", Status: http.StatusBadRequest,
		Message: "A header you provided implies functionality that is not implemented.", EC: "0017-00000245"}
	// errNotImplemented answers operations OSS has and kossd does not. It is
	// a 400, like OSS's own NotImplemented, rather than a 501: the v2 SDK
	// retries every status >= 500.
	errNotImplemented = apiError{Code: "NotImplemented", Status: http.StatusBadRequest,
		Message: "The operation you requested is not implemented by this server."}
	errMethodNotAllowed = apiError{Code: "MethodNotAllowed", Status: http.StatusMethodNotAllowed,
		Message: "The specified method is not allowed against this resource."}
	errAccessDenied = apiError{Code: "AccessDenied", Status: http.StatusForbidden,
		Message: "You have no right to access this object because of bucket acl."}
	errAnonymousDenied = apiError{Code: "AccessDenied", Status: http.StatusForbidden,
		Message: "You are denied by bucket referer policy or anonymous access is not allowed."}
	errInvalidAccessKeyID = apiError{Code: "InvalidAccessKeyId", Status: http.StatusForbidden,
		Message: "The OSS Access Key Id you provided does not exist in our records.", EC: "0002-00000902"}
	errSignatureDoesNotMatch = apiError{Code: "SignatureDoesNotMatch", Status: http.StatusForbidden,
		Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
		EC:      "0002-00000040"}
	errRequestTimeTooSkewed = apiError{Code: "RequestTimeTooSkewed", Status: http.StatusForbidden,
		Message: "The difference between the request time and the current time is too large.", EC: "0002-00000504"}
	errRequestExpired = apiError{Code: "AccessDenied", Status: http.StatusForbidden,
		Message: "Request has expired.", EC: "0002-00000069"}
	errInvalidAuthorization = apiError{Code: "InvalidArgument", Status: http.StatusBadRequest,
		Message: "Authorization header is invalid."}
	errContentSHA256Mismatch = apiError{Code: "InvalidDigest", Status: http.StatusBadRequest,
		Message: "The x-oss-content-sha256 you specified did not match what we received."}
	errServiceUnavailable = apiError{Code: "ServiceUnavailable", Status: http.StatusServiceUnavailable,
		Message: "Not enough storage nodes are available to serve the request; retry later."}
	errInternal = apiError{Code: "InternalError", Status: http.StatusInternalServerError,
		Message: "We encountered an internal error. Please try again."}
	errRequestCanceled = apiError{Code: "RequestTimeout", Status: http.StatusBadRequest,
		Message: "The request was canceled before it completed."}
	errNoSuchUpload = apiError{Code: "NoSuchUpload", Status: http.StatusNotFound,
		Message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."}
)

// errorTable is the one translation of the OSS edge: engine and auth
// sentinels to OSS errors. The first entry whose error matches with
// errors.Is wins, so an error that wraps a more specific cause (a body
// failure caused by a payload digest mismatch) is listed after it.
var errorTable = []struct {
	err error
	api *apiError
}{
	{object.ErrBucketNotFound, &errNoSuchBucket},
	{object.ErrBucketNotEmpty, &errBucketNotEmpty},
	{object.ErrBucketAlreadyExists, &errBucketAlreadyExists},
	{object.ErrInvalidBucketName, &errInvalidBucketName},
	{object.ErrObjectNotFound, &errNoSuchKey},
	{object.ErrInvalidObjectName, &errInvalidObjectName},
	{object.ErrPositionNotEqual, &errPositionNotEqual},
	{object.ErrObjectNotAppendable, &errObjectNotAppendable},
	{object.ErrObjectAlreadyExists, &errFileAlreadyExists},
	{object.ErrBadDigest, &errInvalidDigest},
	{object.ErrIncompleteBody, &errIncompleteBody},
	{object.ErrEntityTooLarge, &errEntityTooLarge},
	{object.ErrInvalidArgument, &errInvalidArgument},
	{object.ErrUnavailable, &errServiceUnavailable},
	{object.ErrChecksumMismatch, &errInternal},
	{object.ErrMetadataTooLarge, &errMetadataTooLarge},
	{object.ErrTooManyObjectsDelete, &errMalformedXML},
	{object.ErrPreconditionFailed, &errPreconditionFailed},
	{object.ErrKeyNotFound, &errInvalidAccessKeyID},
	{auth.ErrAnonymous, &errAnonymousDenied},
	{auth.ErrInvalidAccessKeyID, &errInvalidAccessKeyID},
	{auth.ErrSignatureMismatch, &errSignatureDoesNotMatch},
	{auth.ErrRequestTimeTooSkewed, &errRequestTimeTooSkewed},
	{auth.ErrRequestExpired, &errRequestExpired},
	{auth.ErrInvalidAuthorization, &errInvalidAuthorization},
	{auth.ErrContentSHA256Mismatch, &errContentSHA256Mismatch},
	{io.ErrUnexpectedEOF, &errIncompleteBody},
	{errBodyTooLong, &errIncompleteBody},
	{object.ErrBodyRead, &errIncompleteBody},
	{context.Canceled, &errRequestCanceled},
	{context.DeadlineExceeded, &errServiceUnavailable},
}

// toAPIError translates any error into the OSS error to send.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			out := *e.api
			decorate(&out, err)
			return &out
		}
	}
	return &errInternal
}

// decorate adds the details some errors carry to their OSS form.
func decorate(ae *apiError, err error) {
	var pe *object.PositionError
	if errors.As(err, &pe) {
		ae.Header = http.Header{}
		ae.Header.Set(hdrNextAppendPosition, strconv.FormatInt(pe.Length, 10))
	}
	var se *auth.SignatureError
	if errors.As(err, &se) {
		// What OSS returns so that clients can debug their signing; never
		// the secret.
		ae.Extra = append(ae.Extra,
			xmlElem{"StringToSign", se.StringToSign},
			xmlElem{"StringToSignBytes", hexBytes(se.StringToSign)},
			xmlElem{"SignatureProvided", se.SignatureProvided},
			xmlElem{"OSSAccessKeyId", se.AccessKeyID})
		if se.CanonicalRequest != "" {
			ae.Extra = append(ae.Extra, xmlElem{"CanonicalRequest", se.CanonicalRequest})
		}
	}
}

// hexBytes renders s as space-separated upper-case hex bytes, like OSS's
// <StringToSignBytes>.
func hexBytes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%02X ", s[i])
	}
	return strings.TrimSuffix(b.String(), " ")
}

// isAnonymous reports whether a Verify error only says that the request
// carries no credentials.
func isAnonymous(err error) bool { return errors.Is(err, auth.ErrAnonymous) }

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

// xmlExtra marshals one xmlElem under its own element name.
type xmlExtra struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

func (e *apiError) document(requestID, hostID string) []byte {
	doc := errorDocument{Code: e.Code, Message: e.Message, RequestID: requestID, HostID: hostID, EC: e.EC}
	for _, x := range e.Extra {
		doc.Extra = append(doc.Extra, xmlExtra{XMLName: xml.Name{Local: x.Name}, Value: x.Value})
	}
	return osswire.MarshalXML(doc)
}
