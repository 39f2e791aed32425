package layer

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// Errors of multipart uploads.
var (
	ErrNoSuchUpload     = errors.New("object: no such multipart upload")
	ErrInvalidPart      = errors.New("object: a listed part is missing or its ETag does not match")
	ErrInvalidPartOrder = errors.New("object: parts are not listed in ascending order")
	ErrEntityTooSmall   = errors.New("object: a part other than the last is smaller than the minimum part size")
)

// Limits of multipart uploads, as OSS has them.
const (
	MinPartNumber = record.MinPartNumber
	MaxPartNumber = record.MaxPartNumber
	MinPartSize   = record.MinPartSize
	MaxPartSize   = record.MaxPartSize
	// MaxListUploads is the default and the cap of max-uploads and max-parts.
	MaxListUploads = 1000
)

// TypeMultipart is the type of an object made by CompleteUpload.
const TypeMultipart = record.TypeMultipart

// Multipart is the multipart upload part of the Layer.
type Multipart interface {
	// CreateUpload opens an upload for bucket/key; opts.Metadata and
	// opts.ForbidOverwrite are the completed object's, opts.Checksum's
	// Algorithm and Type the upload's declared checksum (its Value is
	// dropped). opts.IfMatch is refused: it belongs to Complete.
	CreateUpload(ctx context.Context, bucket, key string, opts PutOptions) (UploadInfo, error)
	// UploadPart stores body (exactly size bytes) as part number of the
	// upload, replacing a part with that number. opts.ContentMD5, when
	// set, must match (ErrBadDigest); opts.Checksum is stored with the part.
	UploadPart(ctx context.Context, bucket, key, uploadID string, number int, body io.Reader, size int64, opts PartOptions) (PartInfo, error)
	// CompleteUpload makes the listed parts (every part with
	// opts.All; none, an empty object, for an empty list) the object
	// bucket/key, with opts.Checksum as its checksum, the parts' sizes as
	// its PartSizes and, when every part has a checksum of opts.Checksum's
	// algorithm, their values as its PartChecksums. opts.ForbidOverwrite
	// and opts.IfMatch are judged
	// atomically with the commit.
	CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []CompletePart, opts CompleteOptions) (ObjectInfo, error)
	// AbortUpload drops an upload and its parts.
	AbortUpload(ctx context.Context, bucket, key, uploadID string) error
	// ListUploads lists a bucket's uploads in progress in (key, id) order.
	ListUploads(ctx context.Context, bucket string, opts ListUploadsOptions) (ListUploadsResult, error)
	// ListParts lists an upload's parts in number order, after
	// marker, at most max (0: MaxListUploads).
	ListParts(ctx context.Context, bucket, key, uploadID string, marker, max int) (ListPartsResult, error)
}

// UploadInfo describes an upload in progress.
type UploadInfo struct {
	Bucket, Key, UploadID string
	Initiated             time.Time
	Metadata              Metadata
	// Checksum is what CreateUpload declared: Algorithm and Type, no Value.
	Checksum Checksum
}

// PartOptions are the inputs of UploadPart besides the body.
type PartOptions struct {
	// ContentMD5 is the raw 16-byte MD5 the client sent, or nil.
	ContentMD5 []byte
	// Checksum is the part's S3 checksum (verified by the dialect), stored
	// with the part and returned by ListParts; zero for none.
	Checksum Checksum
}

// PartInfo describes an uploaded part.
type PartInfo struct {
	Number       int
	Size         int64
	ETag         string
	MD5          []byte
	CRC64        uint64
	LastModified time.Time
	Checksum     Checksum
}

// CompletePart is one entry of a Complete request.
type CompletePart struct {
	Number int
	ETag   string
}

// CompleteOptions are the inputs of CompleteUpload besides the part list.
type CompleteOptions struct {
	// All completes with every uploaded part (x-oss-complete-all: yes).
	All bool
	// ForbidOverwrite adds to the one given at CreateUpload.
	ForbidOverwrite bool
	// ACL, when set, replaces the object ACL given at CreateUpload.
	ACL string
	// Checksum is the completed object's checksum, computed by the dialect
	// from the parts' checksums; zero for none.
	Checksum Checksum
	// IfMatch completes only over an existing object with that ETag, as
	// PutOptions.IfMatch does for PutObject.
	IfMatch string
}

// ListUploadsOptions select uploads as ListMultipartUploads does.
type ListUploadsOptions struct {
	Prefix, Delimiter, KeyMarker, UploadIDMarker string
	MaxUploads                                   int
}

// ListUploadsResult is one page of uploads. The next markers are set only
// when IsTruncated.
type ListUploadsResult struct {
	Uploads                           []UploadInfo
	CommonPrefixes                    []string
	IsTruncated                       bool
	NextKeyMarker, NextUploadIDMarker string
}

// ListPartsResult is one page of parts.
type ListPartsResult struct {
	Parts       []PartInfo
	IsTruncated bool
	NextMarker  int
}
