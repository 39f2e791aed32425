// Package bucketconfig holds the configuration documents a bucket carries
// besides its ACL and tags: its CORS rules (PutBucketCors) and its
// lifecycle rules (PutBucketLifecycle), as the object layer's callers see
// them, with their checks, their CORS matching and their conversion to and
// from the records the metadata state machine stores.
//
// It exists so that the object layer (package object) keeps to storing
// and reading, while what a configuration means lives in one small place
// the HTTP dialects can read. Package object re-exports these types under
// their old names (object.CORSConfiguration is bucketconfig.CORSConfiguration),
// so callers may use either.
//
// It is a leaf: it may depend on the standard library and on
// storage/internal/meta/record only, never on package object (which
// imports it) nor on anything that serves requests. Its checks return the
// plain cause; package object wraps it in its ErrInvalidArgument.
package bucketconfig
