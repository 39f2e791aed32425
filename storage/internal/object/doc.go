// Package object implements the object layer of kossd: buckets, objects and
// access keys on top of the blob store and the metadata state machine.
//
// A write streams the body once into immutable blobs (fsynced before anything
// refers to them), then proposes one metadata command that makes the new
// version visible atomically. A crash between the two leaves only an
// unreferenced blob, which the sweeper removes; it never leaves a partial
// object visible.
package object
