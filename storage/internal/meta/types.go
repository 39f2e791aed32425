package meta

import (
	"errors"
	"fmt"
)

// Object types, spelled as OSS reports them.
const (
	TypeNormal     = "Normal"
	TypeAppendable = "Appendable"
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
// GetObject fills them in from that table. Empty means the blob predates
// placement (or the node runs alone): it is wherever it was written.
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
	Bucket   string
	Key      string
	Size     int64
	ETag     string // quoted, as returned to clients
	MD5      []byte // nil for Appendable objects
	CRC64    uint64 // of the whole content
	Type     string
	MTime    int64 // unix nanoseconds, from the command
	Meta     Metadata
	Segments []Segment
}

// withoutData returns o with its inline bytes and replica lists dropped (for
// results and listings).
func (o Object) withoutData() Object {
	if len(o.Segments) == 0 {
		return o
	}
	segs := make([]Segment, len(o.Segments))
	for i, s := range o.Segments {
		s.Data = nil
		s.Replicas = nil
		segs[i] = s
	}
	o.Segments = segs
	return o
}

// AccessKey is a stored access key. Grants maps bucket names to access
// levels ("read", "write", "readwrite"); the state machine does not interpret
// them.
type AccessKey struct {
	ID      string
	Secret  string
	Grants  map[string]string
	Created int64 // unix nanoseconds, from the command
}

// Errors of the state machine: domain rejections of commands (carried in a
// Result) and not-found answers of reads.
var (
	ErrBucketNotFound     = errors.New("meta: bucket not found")
	ErrBucketExists       = errors.New("meta: bucket already exists")
	ErrBucketNotEmpty     = errors.New("meta: bucket not empty")
	ErrObjectNotFound     = errors.New("meta: object not found")
	ErrObjectExists       = errors.New("meta: object already exists")
	ErrNotAppendable      = errors.New("meta: object is not appendable")
	ErrPositionNotEqual   = errors.New("meta: position not equal to length")
	ErrPreconditionFailed = errors.New("meta: precondition failed")
	ErrKeyNotFound        = errors.New("meta: access key not found")
	ErrKeyConflict        = errors.New("meta: access key exists with another secret")
	ErrInvalidArgument    = errors.New("meta: invalid command argument")
	ErrClosed             = errors.New("meta: state machine closed")
)

// Code is a command's outcome. Codes (not error values) are what a Result
// carries, so that a result can cross the wire when a follower forwards a
// command to the leader.
type Code uint8

// Outcomes of commands. The numbers are part of the forwarding protocol:
// append new ones, never renumber.
const (
	CodeOK Code = iota
	CodeBucketNotFound
	CodeBucketExists
	CodeBucketNotEmpty
	CodeObjectNotFound
	CodeObjectExists
	CodeNotAppendable
	CodePositionNotEqual
	CodePreconditionFailed
	CodeKeyNotFound
	CodeKeyConflict
	// CodeInvalidArgument rejects a well-formed command whose values the
	// state machine cannot store (empty key, sizes that do not add up...).
	CodeInvalidArgument
	// CodeSkipped is the result of a log entry at or below the applied index
	// (a replay after restart); nobody waits for it.
	CodeSkipped
)

var codeErrs = map[Code]error{
	CodeBucketNotFound:     ErrBucketNotFound,
	CodeBucketExists:       ErrBucketExists,
	CodeBucketNotEmpty:     ErrBucketNotEmpty,
	CodeObjectNotFound:     ErrObjectNotFound,
	CodeObjectExists:       ErrObjectExists,
	CodeNotAppendable:      ErrNotAppendable,
	CodePositionNotEqual:   ErrPositionNotEqual,
	CodePreconditionFailed: ErrPreconditionFailed,
	CodeKeyNotFound:        ErrKeyNotFound,
	CodeKeyConflict:        ErrKeyConflict,
	CodeInvalidArgument:    ErrInvalidArgument,
}

// Err returns the sentinel error of c, or nil for CodeOK and CodeSkipped.
func (c Code) Err() error {
	if c == CodeOK || c == CodeSkipped {
		return nil
	}
	if err, ok := codeErrs[c]; ok {
		return err
	}
	return fmt.Errorf("meta: unknown result code %d", c)
}

// Result is what Apply returns for each command.
type Result struct {
	Code Code
	// Object is the record written by PutObject, AppendObject and
	// CopyObject, without inline data.
	Object *Object `json:",omitempty"`
	// Length is the object's current length when AppendObject is rejected
	// with CodePositionNotEqual.
	Length int64 `json:",omitempty"`
	// Bucket is the bucket record after CreateBucket.
	Bucket *Bucket `json:",omitempty"`
	// Key is the key after CreateKey and SetGrants.
	Key *AccessKey `json:",omitempty"`
}

// Err returns the result's domain error, or nil.
func (r *Result) Err() error { return r.Code.Err() }

func reject(c Code) *Result { return &Result{Code: c} }
