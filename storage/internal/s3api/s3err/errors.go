package s3err

import (
	"context"
	"errors"
	"io"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/awsauth"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/s3api/s3body"
	"github.com/koss-io/koss/storage/internal/s3api/s3wire"
)

// errorTable is the one translation of the S3 edge: engine and auth
// sentinels to S3 errors. The first entry that matches with errors.Is
// wins, so a wrapper of a more specific cause is listed after it.
var errorTable = []struct {
	err error
	api *s3wire.Error
}{
	{object.ErrInvalidTag, s3wire.ErrInvalidTag},
	{object.ErrBucketNotFound, s3wire.ErrNoSuchBucket},
	{object.ErrBucketNotEmpty, s3wire.ErrBucketNotEmpty},
	{object.ErrBucketAlreadyExists, s3wire.ErrBucketAlreadyExists},
	{object.ErrInvalidBucketName, s3wire.ErrInvalidBucketName},
	{object.ErrObjectNotFound, s3wire.ErrNoSuchKey},
	{object.ErrInvalidObjectName, s3wire.ErrInvalidArgument},
	{object.ErrObjectNotAppendable, s3wire.ErrInvalidRequest},
	// ForbidOverwrite is If-None-Match: * in this dialect.
	{object.ErrObjectAlreadyExists, s3wire.ErrPreconditionFailed},
	{object.ErrBadDigest, s3wire.ErrBadDigest},
	{s3body.ErrChecksumMismatch, s3wire.ErrBadDigest},
	{object.ErrIncompleteBody, s3wire.ErrIncompleteBody},
	{object.ErrEntityTooLarge, s3wire.ErrEntityTooLarge},
	{object.ErrInvalidArgument, s3wire.ErrInvalidArgument},
	{object.ErrStorageFull, s3wire.ErrStorageFull},
	{object.ErrUnavailable, s3wire.ErrSlowDown},
	{object.ErrChecksumMismatch, s3wire.ErrInternal},
	{object.ErrMetadataTooLarge, s3wire.ErrMetadataTooLarge},
	{object.ErrTooManyObjectsDelete, s3wire.ErrMalformedXML},
	{object.ErrPreconditionFailed, s3wire.ErrPreconditionFailed},
	{object.ErrNoSuchUpload, s3wire.ErrNoSuchUpload},
	{object.ErrInvalidPart, s3wire.ErrInvalidPart},
	{object.ErrInvalidPartOrder, s3wire.ErrInvalidPartOrder},
	{object.ErrEntityTooSmall, s3wire.ErrEntityTooSmall},
	{object.ErrKeyNotFound, s3wire.ErrInvalidAccessKeyID},
	{auth.ErrInvalidAccessKeyID, s3wire.ErrInvalidAccessKeyID},
	{auth.ErrSignatureMismatch, s3wire.ErrSignatureDoesNotMatch},
	{auth.ErrRequestTimeTooSkewed, s3wire.ErrRequestTimeTooSkewed},
	{auth.ErrContentSHA256Mismatch, s3wire.ErrContentSHA256Mismatch},
	{io.ErrUnexpectedEOF, s3wire.ErrIncompleteBody},
	{object.ErrBodyRead, s3wire.ErrIncompleteBody},
	{context.Canceled, s3wire.ErrRequestCanceled},
	{context.DeadlineExceeded, s3wire.ErrSlowDown},
}

// From translates any error into the S3 error to send.
func From(err error) *s3wire.Error {
	var ae *s3wire.Error
	if errors.As(err, &ae) {
		return ae
	}
	// awsauth's own verdicts already carry S3's code and status (and, for
	// a bad signature, what the client needs to debug its signing).
	var aw *awsauth.Error
	if errors.As(err, &aw) {
		out := &s3wire.Error{Code: aw.Code, Status: aw.Status, Message: aw.Message}
		if aw.StringToSign != "" {
			out.Extra = append(out.Extra, s3wire.Element{Name: "StringToSign", Value: aw.StringToSign})
		}
		if aw.CanonicalRequest != "" {
			out.Extra = append(out.Extra, s3wire.Element{Name: "CanonicalRequest", Value: aw.CanonicalRequest})
		}
		return out
	}
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			return e.api
		}
	}
	return s3wire.ErrInternal
}

// Bucket adds the bucket name to the errors about a bucket.
func Bucket(err error, bucket string) error {
	ae := From(err)
	switch ae.Code {
	case s3wire.ErrNoSuchBucket.Code, s3wire.ErrBucketNotEmpty.Code, s3wire.ErrBucketAlreadyExists.Code:
		return ae.With("BucketName", bucket)
	}
	return ae
}

// Object adds the bucket or key to the errors about them.
func Object(err error, bucket, key string) error {
	ae := From(err)
	switch ae.Code {
	case s3wire.ErrNoSuchBucket.Code:
		return ae.With("BucketName", bucket)
	case s3wire.ErrNoSuchKey.Code:
		return ae.With("Key", key)
	}
	return ae
}

// Upload adds the upload id to NoSuchUpload.
func Upload(err error, bucket, key, uploadID string) error {
	ae := From(err)
	if ae.Code == s3wire.ErrNoSuchUpload.Code {
		return ae.With("UploadId", uploadID)
	}
	return Object(err, bucket, key)
}
