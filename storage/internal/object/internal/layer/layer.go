package layer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/koss-io/koss/storage/internal/object/bucketconfig"
)

// Sentinel errors of the object layer. The OSS HTTP layer maps each one to an
// OSS error code and HTTP status in exactly one table (ossapi/errors.go);
// callers test them with errors.Is.
var (
	ErrBucketNotFound      = errors.New("object: bucket not found")
	ErrBucketNotEmpty      = errors.New("object: bucket not empty")
	ErrBucketAlreadyExists = errors.New("object: bucket already exists")
	ErrInvalidBucketName   = errors.New("object: invalid bucket name")
	ErrObjectNotFound      = errors.New("object: object not found")
	ErrInvalidObjectName   = errors.New("object: invalid object name")
	ErrPositionNotEqual    = errors.New("object: position is not equal to object length")
	ErrObjectNotAppendable = errors.New("object: object is not appendable")
	ErrObjectAlreadyExists = errors.New("object: object already exists")
	ErrBadDigest           = errors.New("object: content-md5 does not match body")
	ErrIncompleteBody      = errors.New("object: request body shorter than content-length")
	// ErrBodyRead wraps the failure of reading a write's body (the client
	// went away, a signed payload digest did not match): the request's
	// fault, whatever layer met it.
	ErrBodyRead             = errors.New("object: reading the request body failed")
	ErrEntityTooLarge       = errors.New("object: object too large")
	ErrInvalidArgument      = errors.New("object: invalid argument")
	ErrUnavailable          = errors.New("object: not enough live nodes to serve the request")
	ErrChecksumMismatch     = errors.New("object: stored data failed its checksum")
	ErrMetadataTooLarge     = errors.New("object: user metadata too large")
	ErrTooManyObjectsDelete = errors.New("object: too many objects in one delete request")
	// ErrPreconditionFailed is returned by CopyObject when CopyOptions.Condition
	// does not hold for the source (OSS: 412 PreconditionFailed), and by
	// PutObject and CompleteUpload when the object's ETag is not the
	// IfMatch of their options.
	ErrPreconditionFailed = errors.New("object: precondition failed")
	// ErrInvalidTag is returned for tags outside OSS's limits (see
	// SetObjectTagging, SetBucketTagging).
	ErrInvalidTag = errors.New("object: invalid tag")
	// ErrNotSymlink is returned by GetSymlink for an object that is no
	// symlink.
	ErrNotSymlink = errors.New("object: not a symlink")
	// ErrSymlinkTargetNotFound is returned by reads that follow a symlink
	// whose target does not exist (or is itself a symlink: links are
	// followed one level only). It wraps ErrObjectNotFound.
	ErrSymlinkTargetNotFound = fmt.Errorf("%w: the symlink's target does not exist", ErrObjectNotFound)
)

// ErrStorageFull is returned by every write (PutObject, PostObject,
// AppendObject, UploadPart, CopyObject...) that this node cannot store
// because its disk is full or its free space is below the reserve kept for
// the metadata (blob.ErrNoSpace). Nothing of the write is visible. Reads
// and deletes keep working; deleting objects is how space is freed. In a
// Region a replica whose disk is full fails like any other: the client
// sees ErrStorageFull only when the write could not reach a quorum and
// this node's own disk was among the full ones.
var ErrStorageFull = errors.New("object: not enough free space on the node's disk")

// MaxDeleteObjects is the most keys one DeleteObjects call accepts.
const MaxDeleteObjects = 1000

// MaxObjectSize is the largest object, and the largest appendable object, OSS
// accepts (5 GiB).
const MaxObjectSize int64 = 5 << 30

// MaxUserMetadataSize bounds the total size of x-oss-meta-* names and values (8 KiB).
const MaxUserMetadataSize = 8 << 10

// Object types as OSS reports them in x-oss-object-type and ListObjects <Type>.
const (
	TypeNormal     = "Normal"
	TypeAppendable = "Appendable"
	TypeSymlink    = "Symlink"
)

// Layer is the object storage engine as the HTTP layers see it. Every method
// is safe for concurrent use. Reads are linearizable: once a write method has
// returned nil, every later call on any node observes it. A write that returns
// an error may or may not have taken effect (the caller cannot know, as with a
// timeout), but no reader ever observes a partially written object.
type Layer interface {
	// CreateBucket creates a bucket. Creating a bucket that already exists
	// with the same opts.Owner is not an error (OSS: the same account
	// re-creating its own bucket gets 200); with another owner it fails with
	// ErrBucketAlreadyExists and changes nothing.
	CreateBucket(ctx context.Context, name string, opts BucketOptions) error
	// DeleteBucket deletes an empty bucket; ErrBucketNotEmpty otherwise.
	DeleteBucket(ctx context.Context, name string) error
	// SetBucketACL replaces a bucket's canned ACL ("private",
	// "public-read" or "public-read-write"; anything else, "" included, is
	// ErrInvalidArgument); ErrBucketNotFound when there is no such bucket.
	// Authorization reads the new value from the next request on.
	SetBucketACL(ctx context.Context, bucket, acl string) error
	// GetBucket returns a bucket's info with its object count and size, or
	// ErrBucketNotFound.
	GetBucket(ctx context.Context, name string) (BucketInfo, error)
	// ListBuckets lists buckets in name order.
	ListBuckets(ctx context.Context, opts ListBucketsOptions) (ListBucketsResult, error)

	// PutObject stores body (exactly size bytes) as the whole new content of
	// bucket/key, replacing any existing object atomically. The body is read
	// once. When opts.ContentMD5 is set the MD5 of the body must equal it, or
	// ErrBadDigest is returned and nothing changes. opts.ForbidOverwrite and
	// opts.IfMatch are judged atomically with the write.
	PutObject(ctx context.Context, bucket, key string, body io.Reader, size int64, opts PutOptions) (ObjectInfo, error)
	// AppendObject appends body to an Appendable object whose current length
	// equals position, or creates one when position is 0 and the key does not
	// exist. The position check is atomic with the append: of two appenders at
	// the same position exactly one wins, the other gets ErrPositionNotEqual
	// wrapped in a *PositionError carrying the current length. opts.Metadata
	// is the new object's; an append to an existing object keeps its
	// metadata except the ACL, which a non-empty opts.Metadata.ACL replaces
	// (OSS: x-oss-object-acl applies on every append).
	AppendObject(ctx context.Context, bucket, key string, position int64, body io.Reader, size int64, opts PutOptions) (ObjectInfo, error)
	// GetObject returns the object's info and a reader of the bytes sel
	// picks from the record it reads (the whole object when sel is nil or
	// returns a nil Range), so that a range or a condition is judged
	// against the very version whose bytes are returned. The reader
	// verifies checksums as it goes and fails with ErrChecksumMismatch
	// rather than return corrupt bytes it cannot repair. GetObject returns
	// a nil ReadCloser whenever err != nil; otherwise the caller must close
	// it.
	//
	// GetObject does not follow a symlink: it reads the link's own,
	// content-less record (Type TypeSymlink, no bytes).
	GetObject(ctx context.Context, bucket, key string, sel Selector) (ObjectInfo, io.ReadCloser, error)
	// GetObjectFollow is GetObject through a symlink: it reads the
	// target (one level: a target that is missing or itself a symlink is
	// ErrSymlinkTargetNotFound) and returns the target's info with Type
	// TypeSymlink and SymlinkTarget set, as OSS reports a read through a
	// link. It is a separate method so that only a caller that also
	// authorizes the target (OSS checks both ACLs) reads through links.
	GetObjectFollow(ctx context.Context, bucket, key string, sel Selector) (ObjectInfo, io.ReadCloser, error)
	// HeadObject returns the object's info. A symlink is not followed:
	// its own record comes back (Type TypeSymlink, SymlinkTarget set),
	// which is what authorization and tagging judge.
	HeadObject(ctx context.Context, bucket, key string) (ObjectInfo, error)
	// StatObject is HeadObject with a symlink followed as
	// GetObjectFollow follows it.
	StatObject(ctx context.Context, bucket, key string) (ObjectInfo, error)
	// SetObjectTagging replaces an existing object's tags (nil removes
	// them): ErrInvalidTag for tags outside OSS's limits, ErrObjectNotFound
	// when there is no object. Content, metadata, ETag and LastModified
	// stay.
	SetObjectTagging(ctx context.Context, bucket, key string, tags map[string]string) error
	// SetBucketTagging replaces a bucket's tags (nil removes them):
	// ErrInvalidTag, ErrBucketNotFound.
	SetBucketTagging(ctx context.Context, bucket string, tags map[string]string) error
	// SetBucketCors replaces a bucket's CORS configuration (nil removes
	// it; package bucketconfig): ErrInvalidArgument for one outside OSS's limits
	// (CheckCORS), ErrBucketNotFound. GetBucket reads it back.
	SetBucketCors(ctx context.Context, bucket string, cfg *bucketconfig.CORSConfiguration) error
	// SetBucketLifecycle replaces a bucket's lifecycle configuration (nil
	// removes it; package bucketconfig), giving rules without an ID one:
	// ErrInvalidArgument for one outside OSS's limits (CheckLifecycle),
	// ErrBucketNotFound. GetBucket reads it back.
	SetBucketLifecycle(ctx context.Context, bucket string, cfg *bucketconfig.LifecycleConfiguration) error
	// PutSymlink stores a symlink bucket/key to target (a key of the same
	// bucket, which need not exist), replacing any object there; opts
	// give its metadata (ACL, storage class, user metadata), tags and
	// ForbidOverwrite. A symlink has no content.
	PutSymlink(ctx context.Context, bucket, key, target string, opts PutOptions) (ObjectInfo, error)
	// GetSymlink returns a symlink's own info (SymlinkTarget set), or
	// ErrNotSymlink for another object, ErrObjectNotFound for none.
	GetSymlink(ctx context.Context, bucket, key string) (ObjectInfo, error)
	// CopyObject makes dst a copy of src without copying data (blobs are
	// immutable and shared). Copying an object onto itself with
	// opts.ReplaceMetadata changes its metadata only.
	CopyObject(ctx context.Context, src, dst ObjectRef, opts CopyOptions) (ObjectInfo, error)
	// DeleteObject deletes an object; deleting a missing key is not an error.
	DeleteObject(ctx context.Context, bucket, key string) error
	// DeleteObjects deletes many keys of one bucket in one atomic step and
	// reports every key (missing keys count as deleted).
	DeleteObjects(ctx context.Context, bucket string, keys []string) ([]DeletedObject, error)
	// ListObjects lists a bucket's objects in UTF-8 byte order.
	ListObjects(ctx context.Context, bucket string, opts ListOptions) (ListResult, error)
	// Multipart uploads (multipart.go).
	Multipart
}

// BucketOptions are the settable properties of a bucket.
type BucketOptions struct {
	ACL          string // private (default), public-read, public-read-write
	StorageClass string // Standard (default), IA, Archive, ColdArchive, DeepColdArchive
	// Owner identifies who created the bucket: "" for buckets made through
	// the OSS API, an opaque tag (e.g. the Kubernetes Bucket object's
	// namespace/name/uid) for buckets made through the admin API. It is how
	// the operator refuses to take over a bucket another object owns.
	Owner string
}

// BucketInfo describes a bucket.
type BucketInfo struct {
	Name         string
	Created      time.Time
	ACL          string
	StorageClass string
	Owner        string
	// Objects and Bytes are the bucket's size, kept by the state machine
	// as objects come and go.
	Objects int64
	Bytes   int64
	// Tags are the bucket's tags, nil when none.
	Tags map[string]string
	// CORS is the bucket's CORS configuration, nil when none.
	CORS *bucketconfig.CORSConfiguration
	// Lifecycle is the bucket's lifecycle configuration, nil when none.
	Lifecycle *bucketconfig.LifecycleConfiguration
}

// ListBucketsOptions selects buckets: names with Prefix, strictly after Marker,
// at most MaxKeys (1..1000) of them.
type ListBucketsOptions struct {
	Prefix  string
	Marker  string
	MaxKeys int
}

// ListBucketsResult is one page of buckets.
type ListBucketsResult struct {
	Buckets     []BucketInfo
	IsTruncated bool
	NextMarker  string
}

// ObjectRef names an object.
type ObjectRef struct {
	Bucket string
	Key    string
}

// Metadata is what a client stores with an object besides its bytes.
type Metadata struct {
	ContentType        string
	CacheControl       string
	ContentDisposition string
	ContentEncoding    string
	ContentLanguage    string
	Expires            string            // stored and returned verbatim
	ACL                string            // x-oss-object-acl, "" when none was set
	StorageClass       string            // "" means Standard
	User               map[string]string // x-oss-meta-* with lower-case names, without the prefix
}

// PutOptions are the inputs of PutObject and AppendObject besides the body.
type PutOptions struct {
	Metadata Metadata
	// ContentMD5 is the raw 16-byte MD5 the client sent in Content-MD5, or nil.
	ContentMD5 []byte
	// ForbidOverwrite fails the write with ErrObjectAlreadyExists when the
	// key exists (S3: If-None-Match: *).
	ForbidOverwrite bool
	// IfMatch (PutObject only; S3 If-Match) writes only when the current
	// object's ETag equals it, quotes and case ignored: otherwise
	// ErrPreconditionFailed, or ErrObjectNotFound when there is no object.
	// The state machine judges it atomically with the write, so of writers
	// racing with the same IfMatch at most one succeeds.
	IfMatch string
	// Checksum (PutObject) is stored with the object and returned in its
	// ObjectInfo; CreateUpload keeps its Algorithm and Type as the upload's
	// declared checksum (UploadInfo.Checksum). AppendObject ignores it.
	Checksum Checksum
	// Sequential (CreateUpload only) makes an upload that takes parts in
	// ascending order and gives its object the MD5 of the whole content.
	Sequential bool
	// Tags are the new object's tags (x-oss-tagging): PutObject, the
	// append that creates an object (later appends keep the object's),
	// CreateUpload (the completed object gets them), PutSymlink.
	// ErrInvalidTag outside OSS's limits.
	Tags map[string]string
}

// Checksum is an S3 flexible checksum of content, as the client sent it
// (already verified by the dialect). The object layer stores and returns
// it and never computes one.
type Checksum struct {
	Algorithm string // "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"; "" = none
	Value     string // base64; a composite multipart value ends in "-N"
	Type      string // "FULL_OBJECT" or "COMPOSITE"
}

// IsZero reports whether c is no checksum.
func (c Checksum) IsZero() bool { return c == Checksum{} }

// CopyOptions are the inputs of CopyObject. The copy keeps the source's
// Checksum, PartSizes and PartChecksums (its bytes are the same) whether or not it
// replaces the metadata.
type CopyOptions struct {
	// ReplaceMetadata takes Metadata from these options (x-oss-metadata-directive:
	// REPLACE) instead of copying it from the source.
	ReplaceMetadata bool
	Metadata        Metadata
	ForbidOverwrite bool
	// Condition is checked against the source, atomically with the copy.
	Condition Condition
	// ReplaceTags gives the copy Tags (x-oss-tagging-directive: Replace;
	// nil Tags: none) instead of the source's.
	ReplaceTags bool
	Tags        map[string]string
}

// Condition holds conditional request headers, evaluated against an object.
type Condition struct {
	IfMatch           string
	IfNoneMatch       string
	IfModifiedSince   *time.Time
	IfUnmodifiedSince *time.Time
}

// Range is a resolved byte range [Start, Start+Length) of an object.
type Range struct {
	Start  int64
	Length int64
}

// Selector decides, from the record of the object a read found, which of
// its bytes the read returns: a nil Range for all of them. An error ends
// the read with that error before any data is opened (a condition that
// does not hold, a range the object cannot satisfy). A selector may run
// more than once in one read, each time with a newer record, when the
// object changes under the read.
type Selector func(ObjectInfo) (*Range, error)

// Fixed returns a Selector that picks rng whatever the record says (nil:
// the whole object); a range the object cannot hold fails the read with
// ErrInvalidArgument.
func Fixed(rng *Range) Selector {
	return func(ObjectInfo) (*Range, error) { return rng, nil }
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Bucket       string
	Key          string
	Size         int64
	ETag         string // quoted, upper-case hex, e.g. "D41D8CD98F00B204E9800998ECF8427E"
	MD5          []byte // raw MD5 of the content; nil for Appendable objects
	CRC64        uint64 // CRC-64/ECMA of the whole content
	Type         string // TypeNormal, TypeAppendable or TypeMultipart
	LastModified time.Time
	Metadata     Metadata
	// Checksum is the S3 checksum stored with the object, zero when none
	// (ListObjects carries it too).
	Checksum Checksum
	// PartSizes are a multipart object's part sizes in order (S3 GET
	// ?partNumber= and x-amz-mp-parts-count); nil for other objects and
	// for multipart objects completed before part sizes were kept.
	PartSizes []int64
	// PartChecksums are the base64 values of a multipart object's part
	// checksums in part order, of Checksum's algorithm (S3 GET
	// ?partNumber= with x-amz-checksum-mode, GetObjectAttributes' parts);
	// nil unless the object has a checksum and every part had one of its
	// algorithm, and for objects completed before they were kept. When set
	// it has one value per PartSizes entry.
	PartChecksums []string
	// Tags are the object's tags, nil when none.
	Tags map[string]string
	// SymlinkTarget is the key a symlink points to: set for a symlink's
	// own info (HeadObject, GetSymlink, ListObjects) and for a read that
	// followed one (GetObject, StatObject), "" otherwise.
	SymlinkTarget string
}

// DeletedObject reports one key of a DeleteObjects call.
type DeletedObject struct {
	Key string
	Err error // nil when deleted (or absent)
}

// ListOptions selects objects of a bucket: keys with Prefix, strictly after
// Marker, rolled up at Delimiter into common prefixes, at most MaxKeys
// (1..1000) entries (objects plus prefixes).
type ListOptions struct {
	Prefix    string
	Delimiter string
	Marker    string
	MaxKeys   int
}

// ListResult is one page of a listing. NextMarker is the last key or common
// prefix returned, set only when IsTruncated.
type ListResult struct {
	Objects        []ObjectInfo
	CommonPrefixes []string
	IsTruncated    bool
	NextMarker     string
}

// PositionError is returned by AppendObject when the position is wrong; it
// wraps ErrPositionNotEqual and carries the object's current length so the
// client can be told where to append next.
type PositionError struct {
	Length int64
}

func (e *PositionError) Error() string { return ErrPositionNotEqual.Error() }

// Unwrap makes errors.Is(err, ErrPositionNotEqual) hold.
func (e *PositionError) Unwrap() error { return ErrPositionNotEqual }
