package object

import "github.com/koss-io/koss/storage/internal/object/internal/layer"

// The object layer's contract (the Layer and KeyStore interfaces, their
// values, sentinels, names and limits) is defined in package
// internal/layer, which the object layer's subpackages share it with. The
// names below are aliases, not new types, and the same error values, so
// that every importer keeps writing object.Layer and object.ObjectInfo;
// see package layer for each one's documentation.
type (
	// Layer is the object storage engine as the HTTP layers see it.
	Layer = layer.Layer
	// Multipart is the multipart upload part of the Layer.
	Multipart = layer.Multipart
	// KeyStore keeps access keys in the replicated metadata.
	KeyStore = layer.KeyStore

	// BucketOptions are the settable properties of a bucket.
	BucketOptions = layer.BucketOptions
	// BucketInfo describes a bucket.
	BucketInfo = layer.BucketInfo
	// ListBucketsOptions selects buckets.
	ListBucketsOptions = layer.ListBucketsOptions
	// ListBucketsResult is one page of buckets.
	ListBucketsResult = layer.ListBucketsResult
	// ObjectRef names an object.
	ObjectRef = layer.ObjectRef
	// Metadata is what a client stores with an object besides its bytes.
	Metadata = layer.Metadata
	// PutOptions are the inputs of PutObject and AppendObject besides the body.
	PutOptions = layer.PutOptions
	// Checksum is an S3 flexible checksum of content.
	Checksum = layer.Checksum
	// CopyOptions are the inputs of CopyObject.
	CopyOptions = layer.CopyOptions
	// Condition holds conditional request headers.
	Condition = layer.Condition
	// Range is a resolved byte range of an object.
	Range = layer.Range
	// Selector decides which bytes of the object a read found it returns.
	Selector = layer.Selector
	// ObjectInfo describes a stored object.
	ObjectInfo = layer.ObjectInfo
	// DeletedObject reports one key of a DeleteObjects call.
	DeletedObject = layer.DeletedObject
	// ListOptions selects objects of a bucket.
	ListOptions = layer.ListOptions
	// ListResult is one page of a listing.
	ListResult = layer.ListResult
	// PositionError is returned by AppendObject when the position is wrong.
	PositionError = layer.PositionError

	// Access is what a grant allows on one bucket.
	Access = layer.Access
	// AccessKey is a non-root credential with per-bucket grants.
	AccessKey = layer.AccessKey

	// UploadInfo describes an upload in progress.
	UploadInfo = layer.UploadInfo
	// PartOptions are the inputs of UploadPart besides the body.
	PartOptions = layer.PartOptions
	// PartInfo describes an uploaded part.
	PartInfo = layer.PartInfo
	// CompletePart is one entry of a Complete request.
	CompletePart = layer.CompletePart
	// CompleteOptions are the inputs of CompleteUpload besides the part list.
	CompleteOptions = layer.CompleteOptions
	// ListUploadsOptions select uploads.
	ListUploadsOptions = layer.ListUploadsOptions
	// ListUploadsResult is one page of uploads.
	ListUploadsResult = layer.ListUploadsResult
	// ListPartsResult is one page of parts.
	ListPartsResult = layer.ListPartsResult
)

// Sentinel errors of the object layer (package layer).
var (
	ErrBucketNotFound        = layer.ErrBucketNotFound
	ErrBucketNotEmpty        = layer.ErrBucketNotEmpty
	ErrBucketAlreadyExists   = layer.ErrBucketAlreadyExists
	ErrInvalidBucketName     = layer.ErrInvalidBucketName
	ErrObjectNotFound        = layer.ErrObjectNotFound
	ErrInvalidObjectName     = layer.ErrInvalidObjectName
	ErrPositionNotEqual      = layer.ErrPositionNotEqual
	ErrObjectNotAppendable   = layer.ErrObjectNotAppendable
	ErrObjectAlreadyExists   = layer.ErrObjectAlreadyExists
	ErrBadDigest             = layer.ErrBadDigest
	ErrIncompleteBody        = layer.ErrIncompleteBody
	ErrBodyRead              = layer.ErrBodyRead
	ErrEntityTooLarge        = layer.ErrEntityTooLarge
	ErrInvalidArgument       = layer.ErrInvalidArgument
	ErrUnavailable           = layer.ErrUnavailable
	ErrChecksumMismatch      = layer.ErrChecksumMismatch
	ErrMetadataTooLarge      = layer.ErrMetadataTooLarge
	ErrTooManyObjectsDelete  = layer.ErrTooManyObjectsDelete
	ErrPreconditionFailed    = layer.ErrPreconditionFailed
	ErrInvalidTag            = layer.ErrInvalidTag
	ErrNotSymlink            = layer.ErrNotSymlink
	ErrSymlinkTargetNotFound = layer.ErrSymlinkTargetNotFound
	ErrStorageFull           = layer.ErrStorageFull
	ErrKeyNotFound           = layer.ErrKeyNotFound
	ErrKeyConflict           = layer.ErrKeyConflict
	ErrNoSuchUpload          = layer.ErrNoSuchUpload
	ErrInvalidPart           = layer.ErrInvalidPart
	ErrInvalidPartOrder      = layer.ErrInvalidPartOrder
	ErrEntityTooSmall        = layer.ErrEntityTooSmall
)

// Limits, object types and grant levels (package layer).
const (
	MaxDeleteObjects    = layer.MaxDeleteObjects
	MaxObjectSize       = layer.MaxObjectSize
	MaxUserMetadataSize = layer.MaxUserMetadataSize
	MaxKeyLength        = layer.MaxKeyLength
	MinPartNumber       = layer.MinPartNumber
	MaxPartNumber       = layer.MaxPartNumber
	MinPartSize         = layer.MinPartSize
	MaxPartSize         = layer.MaxPartSize
	MaxListUploads      = layer.MaxListUploads

	TypeNormal     = layer.TypeNormal
	TypeAppendable = layer.TypeAppendable
	TypeSymlink    = layer.TypeSymlink
	TypeMultipart  = layer.TypeMultipart

	AccessRead      = layer.AccessRead
	AccessWrite     = layer.AccessWrite
	AccessReadWrite = layer.AccessReadWrite
)

// Fixed returns a Selector that picks rng whatever the record says (nil:
// the whole object).
func Fixed(rng *Range) Selector { return layer.Fixed(rng) }

// AccessOf is the grant that allows reading, writing, both, or (""),
// nothing.
func AccessOf(read, write bool) Access { return layer.AccessOf(read, write) }

// ValidBucketName returns nil if name is a valid OSS bucket name, or an
// error wrapping ErrInvalidBucketName.
func ValidBucketName(name string) error { return layer.ValidBucketName(name) }

// ValidObjectKey returns nil if key is a valid OSS object key, or an
// error wrapping ErrInvalidObjectName.
func ValidObjectKey(key string) error { return layer.ValidObjectKey(key) }
