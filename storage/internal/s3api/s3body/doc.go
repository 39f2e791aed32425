// Package s3body prepares the body of an S3 write (PutObject, UploadPart,
// POST Object) for the engine so that no body reaches the engine's end
// before it was verified: its reader reads past a body's last byte so that
// awsauth checks the payload digest, Content-MD5 and x-amz-checksum-*
// there, and withholds those last bytes when a check fails, so nothing is
// stored. A body of unknown length, or whose checksum arrives in a trailer
// (known only after the body, too late for the engine, which takes it with
// the body), is spooled to a temporary file and verified first.
//
// It is its own package because this reader is the integrity boundary of
// the S3 dialect and depends only on io, awsauth's decoded body and the
// object layer's sentinels, not on the handler: package s3api passes it
// the request's body, size and spool directory (Prepare).
package s3body
