// Package multipart implements the multipart uploads of the object layer
// (layer.Multipart): creating, uploading parts to, completing, aborting
// and listing uploads, the MD5 of sequential uploads, and the loop that
// aborts the uploads nobody completes.
//
// A part is written like the data of PutObject (inline up to
// InlineThreshold, else a blob through the data store, three copies in a
// Region) and committed with PutPart; Complete is one metadata command
// that makes the parts the object's segments, so no byte is copied and no
// partial object is ever visible: before Complete commits the key shows
// the old object (or none), after it the whole new one.
//
// It may depend on the standard library, storage/internal/meta/record,
// storage/internal/background, object/internal/layer (the contract it
// implements) and object/segread, never on package object (which embeds
// it in its Store). Everything it does to the state machine and the data
// store goes through its narrow Store interface, which package object
// implements: the barriers, read views, data path and error table stay
// object's.
package multipart
