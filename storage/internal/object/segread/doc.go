// Package segread reads a byte range of an object from its segments: it
// cuts the range into the pieces of the segments it covers (Slice) and
// streams them in order (Reader), inline bytes from the record and blob
// bytes from the data store, which verifies every block as it goes.
//
// It exists so that the object layer's read path (package object's
// GetObject, and the MD5 of a sequential multipart upload, which reads its
// parts back) keeps to judging records, barriers and pins, while the
// mechanics of streaming many segments as one reader live in one small
// place.
//
// It may depend on the standard library and storage/internal/meta/record
// only, never on package object (which imports it). It knows nothing of
// pins or error sentinels: the caller hands it the function that releases
// the pins and the one that names a data-store failure.
package segread
