// Package ossbody prepares the request bodies of the OSS dialect for the
// engine: an upload body (PutObject, AppendObject, UploadPart) of known
// size, spooled to a temporary file when it arrives chunked, never held in
// memory, and read to its end so that a signed payload's digest is checked
// before the engine takes the body as complete; and a small XML body read
// whole under a size cap and checked against its Content-MD5.
//
// It is its own package because these readers are the integrity boundary
// of the OSS dialect and depend only on io, net/http's request and the
// object layer's limits and sentinels, not on the handler: package ossapi
// passes it the request, the body as authentication wrapped it and the
// spool directory (Prepare, ReadXML).
package ossbody
