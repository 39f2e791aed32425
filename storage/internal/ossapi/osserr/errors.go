package osserr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/ossbody"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire"
)

// errorTable is the one translation of the OSS edge: engine and auth
// sentinels to OSS errors. The first entry whose error matches with
// errors.Is wins, so an error that wraps a more specific cause (a body
// failure caused by a payload digest mismatch) is listed after it.
var errorTable = []struct {
	err error
	api *osswire.Error
}{
	{object.ErrInvalidTag, osswire.ErrInvalidTag},
	{object.ErrNotSymlink, osswire.ErrNotSymlink},
	{object.ErrBucketNotFound, osswire.ErrNoSuchBucket},
	{object.ErrBucketNotEmpty, osswire.ErrBucketNotEmpty},
	{object.ErrBucketAlreadyExists, osswire.ErrBucketAlreadyExists},
	{object.ErrInvalidBucketName, osswire.ErrInvalidBucketName},
	{object.ErrObjectNotFound, osswire.ErrNoSuchKey},
	{object.ErrInvalidObjectName, osswire.ErrInvalidObjectName},
	{object.ErrPositionNotEqual, osswire.ErrPositionNotEqual},
	{object.ErrObjectNotAppendable, osswire.ErrObjectNotAppendable},
	{object.ErrObjectAlreadyExists, osswire.ErrFileAlreadyExists},
	{object.ErrBadDigest, osswire.ErrInvalidDigest},
	{object.ErrIncompleteBody, osswire.ErrIncompleteBody},
	{object.ErrEntityTooLarge, osswire.ErrEntityTooLarge},
	{object.ErrInvalidArgument, osswire.ErrInvalidArgument},
	{object.ErrStorageFull, osswire.ErrStorageFull},
	{object.ErrUnavailable, osswire.ErrServiceUnavailable},
	{object.ErrChecksumMismatch, osswire.ErrInternal},
	{object.ErrMetadataTooLarge, osswire.ErrMetadataTooLarge},
	{object.ErrTooManyObjectsDelete, osswire.ErrMalformedXML},
	{object.ErrPreconditionFailed, osswire.ErrPreconditionFailed},
	{object.ErrNoSuchUpload, osswire.ErrNoSuchUpload},
	{object.ErrInvalidPart, osswire.ErrInvalidPart},
	{object.ErrInvalidPartOrder, osswire.ErrInvalidPartOrder},
	{object.ErrEntityTooSmall, osswire.ErrEntityTooSmall},
	{object.ErrKeyNotFound, osswire.ErrInvalidAccessKeyID},
	{auth.ErrAnonymous, osswire.ErrAnonymousDenied},
	{auth.ErrInvalidAccessKeyID, osswire.ErrInvalidAccessKeyID},
	{auth.ErrSignatureMismatch, osswire.ErrSignatureDoesNotMatch},
	{auth.ErrRequestTimeTooSkewed, osswire.ErrRequestTimeTooSkewed},
	{auth.ErrRequestExpired, osswire.ErrRequestExpired},
	{auth.ErrInvalidSecurityToken, osswire.ErrInvalidSecurityToken},
	{auth.ErrSecurityTokenExpired, osswire.ErrSecurityTokenExpired},
	{auth.ErrInvalidAuthorization, osswire.ErrInvalidAuthorization},
	{auth.ErrContentSHA256Mismatch, osswire.ErrContentSHA256Mismatch},
	{io.ErrUnexpectedEOF, osswire.ErrIncompleteBody},
	{ossbody.ErrTooLong, osswire.ErrIncompleteBody},
	{object.ErrBodyRead, osswire.ErrIncompleteBody},
	{context.Canceled, osswire.ErrRequestCanceled},
	{context.DeadlineExceeded, osswire.ErrServiceUnavailable},
}

// From translates any error into the OSS error to send.
func From(err error) *osswire.Error {
	var ae *osswire.Error
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
	return osswire.ErrInternal
}

// decorate adds the details some errors carry to their OSS form.
func decorate(ae *osswire.Error, err error) {
	var pe *object.PositionError
	if errors.As(err, &pe) {
		ae.Header = http.Header{}
		ae.Header.Set(osswire.HeaderNextAppendPosition, strconv.FormatInt(pe.Length, 10))
	}
	var se *auth.SignatureError
	if errors.As(err, &se) {
		// What OSS returns so that clients can debug their signing; never
		// the secret.
		ae.Extra = append(ae.Extra,
			osswire.ErrorElement{Name: "StringToSign", Value: se.StringToSign},
			osswire.ErrorElement{Name: "StringToSignBytes", Value: hexBytes(se.StringToSign)},
			osswire.ErrorElement{Name: "SignatureProvided", Value: se.SignatureProvided},
			osswire.ErrorElement{Name: "OSSAccessKeyId", Value: se.AccessKeyID})
		if se.CanonicalRequest != "" {
			ae.Extra = append(ae.Extra, osswire.ErrorElement{Name: "CanonicalRequest", Value: se.CanonicalRequest})
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

// Bucket adds the bucket name to the errors about a bucket, as OSS does.
func Bucket(err error, bucket string) error {
	ae := From(err)
	switch ae.Code {
	case osswire.ErrNoSuchBucket.Code, osswire.ErrBucketNotEmpty.Code:
		return ae.With("BucketName", bucket)
	}
	return ae
}

// Object adds the bucket or key to the errors about them, as OSS does.
func Object(err error, bucket, key string) error {
	ae := From(err)
	switch ae.Code {
	case osswire.ErrNoSuchBucket.Code:
		return ae.With("BucketName", bucket)
	case osswire.ErrNoSuchKey.Code, osswire.ErrInvalidObjectName.Code, osswire.ErrFileAlreadyExists.Code:
		return ae.With("Key", key)
	}
	return ae
}
