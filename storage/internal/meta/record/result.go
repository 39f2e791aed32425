package record

import (
	"errors"
	"fmt"
)

// Errors of the state machine: domain rejections of commands (carried in a
// Result as a Code) and the not-found answers of its reads. Their texts keep
// the "meta:" prefix they were born with: they are the state machine's
// answers, whichever package spells them.
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
	ErrNoSuchUpload       = errors.New("meta: no such multipart upload")
	ErrInvalidPart        = errors.New("meta: a listed part is missing or its ETag does not match")
	ErrInvalidPartOrder   = errors.New("meta: parts not listed in ascending order")
	ErrEntityTooSmall     = errors.New("meta: a part other than the last is smaller than the minimum part size")
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
	// Rejections of the multipart commands.
	CodeNoSuchUpload
	CodeInvalidPart
	CodeInvalidPartOrder
	CodeEntityTooSmall
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
	CodeNoSuchUpload:       ErrNoSuchUpload,
	CodeInvalidPart:        ErrInvalidPart,
	CodeInvalidPartOrder:   ErrInvalidPartOrder,
	CodeEntityTooSmall:     ErrEntityTooSmall,
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
	// with CodePositionNotEqual, and the number of uploads
	// AbortStaleUploads aborted.
	Length int64 `json:",omitempty"`
	// Bucket is the bucket record after CreateBucket.
	Bucket *Bucket `json:",omitempty"`
	// Key is the key after CreateKey and SetGrants.
	Key *AccessKey `json:",omitempty"`
}

// Err returns the result's domain error, or nil.
func (r *Result) Err() error { return r.Code.Err() }
