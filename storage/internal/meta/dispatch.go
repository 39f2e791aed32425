package meta

import (
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// handler applies one decoded command inside the batch's transaction.
type handler func(a *applier, c record.Command) *record.Result

// handlers is the dispatch table from type byte to apply function, as
// consul's FSM keeps one from message type to command. It is filled in one
// place, below, one line per record.CommandType, and like record's type
// table it only grows: an entry in a log means the same thing forever.
var handlers [256]handler

// register binds the apply function of the commands of type t. Mistakes
// panic at start-up rather than at the first apply of such a command: a
// type registered twice, or a function whose command type is another.
func register[C record.Command](t record.CommandType, apply func(*applier, C) *record.Result) {
	if handlers[t] != nil {
		panic(fmt.Sprintf("meta: apply function for %v registered twice", t))
	}
	// Type methods have pointer receivers that never dereference them, so
	// a nil C reports the type its apply function takes.
	var zero C
	if got := zero.Type(); got != t {
		panic(fmt.Sprintf("meta: apply function for %v takes %v commands", t, got))
	}
	handlers[t] = func(a *applier, c record.Command) *record.Result { return apply(a, c.(C)) }
}

func init() {
	register(record.CmdCreateBucket, (*applier).createBucket)
	register(record.CmdDeleteBucket, (*applier).deleteBucket)
	register(record.CmdPutObject, (*applier).putObject)
	register(record.CmdAppendObject, (*applier).appendObject)
	register(record.CmdCopyObject, (*applier).copyObject)
	register(record.CmdDeleteObject, (*applier).deleteObject)
	register(record.CmdDeleteObjects, (*applier).deleteObjects)
	register(record.CmdCreateKey, (*applier).createKey)
	register(record.CmdSetGrants, (*applier).setGrants)
	register(record.CmdDeleteKey, (*applier).deleteKey)
	register(record.CmdUpdateReplicas, (*applier).updateReplicas)
	register(record.CmdCreateUpload, (*applier).createUpload)
	register(record.CmdPutPart, (*applier).putPart)
	register(record.CmdCompleteUpload, (*applier).completeUpload)
	register(record.CmdAbortUpload, (*applier).abortUpload)
	register(record.CmdAbortStaleUploads, (*applier).abortStaleUploads)
	register(record.CmdSetBucketACL, (*applier).setBucketACL)
	register(record.CmdSetObjectTagging, (*applier).setObjectTagging)
	register(record.CmdSetBucketTagging, (*applier).setBucketTagging)
	register(record.CmdSetBucketCors, (*applier).setBucketCors)
	register(record.CmdSetBucketLifecycle, (*applier).setBucketLifecycle)
	register(record.CmdExpireObjects, (*applier).expireObjects)
	register(record.CmdAbortLifecycleUploads, (*applier).abortLifecycleUploads)

	// Every command record can decode must have an apply function, or
	// Apply would crash on the first one instead of at start-up; and a
	// function for a type record does not know could never run.
	for t := range handlers {
		if ct := record.CommandType(t); ct.Known() != (handlers[t] != nil) {
			panic(fmt.Sprintf("meta: command type %v: decodable %v, apply function %v", ct, ct.Known(), handlers[t] != nil))
		}
	}
}
