// Package lifecycle carries out buckets' lifecycle rules: the pass that
// finds the objects an enabled rule expires and the multipart uploads it
// aborts, and the loop that runs a pass on the Region's leader every
// interval.
//
// It exists because this is a leader's background job over the object
// layer, not part of storing and reading objects: it reads what every
// client can read (buckets, objects, uploads) and proposes two commands,
// record.ExpireObjects and record.AbortLifecycleUploads, that the state
// machine re-checks when it applies them (an object written again since
// the pass saw it, a rule removed meanwhile, are left alone). A follower
// never deletes on its own; the leader's commands do it everywhere.
//
// It works over Store, the narrow interface defined here of what a pass
// needs, which package object implements for its *object.Store (and
// exposes as Store.RunLifecycle, StartLifecycle and LifecycleCounts). It
// may depend on the standard library, storage/internal/meta/record and
// storage/internal/background only, never on package object (which
// imports it): errors of the object layer pass through unchanged, and
// Store.BucketGone says which of them mean a bucket deleted since the
// listing.
package lifecycle
