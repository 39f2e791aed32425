package stored

import "github.com/koss-io/koss/storage/internal/meta/record/internal/config"

// Object types, spelled as OSS reports them.
const (
	TypeNormal     = "Normal"
	TypeAppendable = "Appendable"
	// TypeMultipart is an object made by CompleteUpload; its segments are
	// the parts' data.
	TypeMultipart = "Multipart"
	// TypeSymlink is a symbolic link (OSS PutSymlink): no content, no
	// segments, SymlinkTarget names a key of the same bucket.
	TypeSymlink = "Symlink"
)

// Bucket is a bucket record with its counters, which Apply keeps current so
// that stats are O(1).
type Bucket struct {
	Name         string
	Created      int64 // unix nanoseconds, from the command
	ACL          string
	StorageClass string
	Owner        string
	Objects      int64
	Bytes        int64
	// Tags are the bucket's tags (OSS PutBucketTags); nil when none.
	// Record version 2.
	Tags map[string]string
	// CORS is the bucket's CORS configuration (OSS PutBucketCors), nil
	// when none; never one without rules. Record version 3.
	CORS *config.CORS
	// Lifecycle is the bucket's lifecycle configuration (OSS
	// PutBucketLifecycle), nil when none; never one without rules.
	// Record version 4.
	Lifecycle *config.Lifecycle
}

// Metadata is what a client stores with an object besides its bytes.
type Metadata struct {
	ContentType        string
	CacheControl       string
	ContentDisposition string
	ContentEncoding    string
	ContentLanguage    string
	Expires            string
	ACL                string
	StorageClass       string
	User               map[string]string
}

// Segment is one contiguous piece of an object's content: either inline
// (Blob == "", the bytes in Data) or a whole blob. Normal objects have at
// most one segment; Appendable objects gain one per append (adjacent inline
// segments are merged).
//
// Replicas are the ids of the nodes that hold the blob. In a command that
// adds a blob (PutObject, AppendObject) they are where the writer stored
// it; the state machine keeps them once per blob in its placement table
// (see Placement), not in the object record, because copies share blobs.
// The state machine's GetObject fills them in from that table. Empty means
// the blob predates placement (or the node runs alone): it is wherever it
// was written.
type Segment struct {
	Blob     string
	Size     int64
	CRC64    uint64 // of this segment's bytes; reads of inline data check it
	Data     []byte
	Replicas []string
}

// Inline reports whether the segment's bytes live in the record itself.
func (s Segment) Inline() bool { return s.Blob == "" }

// Object is an object record. Bucket and Key are filled in by reads; they are
// the record's bbolt key, not part of its value.
type Object struct {
	Bucket string
	Key    string
	Size   int64
	ETag   string // quoted, as returned to clients
	MD5    []byte // nil for Appendable objects
	CRC64  uint64 // of the whole content
	Type   string
	MTime  int64 // unix nanoseconds, from the command
	Meta   Metadata
	// Checksum is the S3 flexible checksum the client sent (or, for a
	// multipart object, the one the dialect computed at Complete); zero
	// when none. Copies keep it; appends clear it.
	Checksum Checksum
	// PartSizes are the sizes of a multipart object's parts in order
	// (S3's GET ?partNumber= and x-amz-mp-parts-count); nil for other
	// objects and for multipart objects completed by older code.
	PartSizes []int64
	// PartChecksums are the base64 values of a multipart object's part
	// checksums in part order, all of Checksum's algorithm (S3's GET
	// ?partNumber= with x-amz-checksum-mode, GetObjectAttributes' parts);
	// nil when the object has no checksum, when a part lacked one of that
	// algorithm, and for objects completed by older code. Kept and cleared
	// with PartSizes.
	PartChecksums []string
	// Tags are the object's tags (x-oss-tagging, PutObjectTagging); nil
	// when none. SymlinkTarget is the key a TypeSymlink object points to,
	// "" for every other type. Both need record version 4.
	Tags          map[string]string
	SymlinkTarget string
	Segments      []Segment
}

// Checksum is an S3 flexible checksum of some content, as the client sent
// it; the S3 dialect verified it before it reached a command. The state
// machine stores it and never interprets it, so new algorithms need no
// change here.
type Checksum struct {
	Algorithm string // "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"; "" = none
	Value     string // base64; a composite multipart value ends in "-N"
	Type      string // "FULL_OBJECT" or "COMPOSITE"
}

// IsZero reports whether c is no checksum at all.
func (c Checksum) IsZero() bool { return c == Checksum{} }

// Valid reports whether c can be stored: a value or a type only with an
// algorithm.
func (c Checksum) Valid() bool { return c.Algorithm != "" || (c.Value == "" && c.Type == "") }

// AccessKey is a stored access key. Grants maps bucket names to access
// levels ("read", "write", "readwrite"); the state machine does not interpret
// them.
type AccessKey struct {
	ID      string
	Secret  string
	Grants  map[string]string
	Created int64 // unix nanoseconds, from the command
}

// ReplicationFactor is how many nodes should hold each blob.
const ReplicationFactor = 3

// Placement is where one blob is stored: the state machine's placement
// table holds one per referenced blob that was written with a replica list.
// Blob is the record's key, not part of its value.
type Placement struct {
	Blob     string
	Size     int64
	CRC64    uint64
	Replicas []string // node ids
}

// UnderReplicated reports whether fewer than ReplicationFactor nodes hold
// the blob.
func (p Placement) UnderReplicated() bool { return len(p.Replicas) < ReplicationFactor }
