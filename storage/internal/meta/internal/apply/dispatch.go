package apply

import (
	"fmt"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// handler applies one decoded command inside the batch's transaction.
type handler func(a *Applier, c record.Command) *record.Result

// handlers is the dispatch table from type byte to apply function, as
// consul's FSM keeps one from message type to command. It is filled in one
// place, below, one line per record.CommandType, and like record's type
// table it only grows: an entry in a log means the same thing forever.
var handlers [256]handler

// register binds the apply function of the commands of type t. Mistakes
// panic at start-up rather than at the first apply of such a command: a
// type registered twice, or a function whose command type is another.
func register[C record.Command](t record.CommandType, apply func(*Applier, C) *record.Result) {
	if handlers[t] != nil {
		panic(fmt.Sprintf("meta: apply function for %v registered twice", t))
	}
	// Type methods have pointer receivers that never dereference them, so
	// a nil C reports the type its apply function takes.
	var zero C
	if got := zero.Type(); got != t {
		panic(fmt.Sprintf("meta: apply function for %v takes %v commands", t, got))
	}
	handlers[t] = func(a *Applier, c record.Command) *record.Result { return apply(a, c.(C)) }
}

func init() {
	register(record.CmdCreateBucket, (*Applier).createBucket)
	register(record.CmdDeleteBucket, (*Applier).deleteBucket)
	register(record.CmdPutObject, (*Applier).putObject)
	register(record.CmdAppendObject, (*Applier).appendObject)
	register(record.CmdCopyObject, (*Applier).copyObject)
	register(record.CmdDeleteObject, (*Applier).deleteObject)
	register(record.CmdDeleteObjects, (*Applier).deleteObjects)
	register(record.CmdCreateKey, (*Applier).createKey)
	register(record.CmdSetGrants, (*Applier).setGrants)
	register(record.CmdDeleteKey, (*Applier).deleteKey)
	register(record.CmdUpdateReplicas, (*Applier).updateReplicas)
	register(record.CmdCreateUpload, (*Applier).createUpload)
	register(record.CmdPutPart, (*Applier).putPart)
	register(record.CmdCompleteUpload, (*Applier).completeUpload)
	register(record.CmdAbortUpload, (*Applier).abortUpload)
	register(record.CmdAbortStaleUploads, (*Applier).abortStaleUploads)
	register(record.CmdSetBucketACL, (*Applier).setBucketACL)
	register(record.CmdSetObjectTagging, (*Applier).setObjectTagging)
	register(record.CmdSetBucketTagging, (*Applier).setBucketTagging)
	register(record.CmdSetBucketCors, (*Applier).setBucketCors)
	register(record.CmdSetBucketLifecycle, (*Applier).setBucketLifecycle)
	register(record.CmdExpireObjects, (*Applier).expireObjects)
	register(record.CmdAbortLifecycleUploads, (*Applier).abortLifecycleUploads)

	// Every command record can decode must have an apply function, or
	// Apply would crash on the first one instead of at start-up; and a
	// function for a type record does not know could never run.
	for t := range handlers {
		if ct := record.CommandType(t); ct.Known() != (handlers[t] != nil) {
			panic(fmt.Sprintf("meta: command type %v: decodable %v, apply function %v", ct, ct.Known(), handlers[t] != nil))
		}
	}
}
