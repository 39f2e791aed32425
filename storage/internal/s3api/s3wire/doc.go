// Package s3wire is the Amazon S3 REST dialect on the wire: its error table
// (codes, statuses, the <Error> document), its XML documents (in the
// http://s3.amazonaws.com/doc/2006-03-01/ namespace), its header names and
// the parsing of request parameters (metadata, ranges, preconditions, copy
// sources, listings, part numbers).
//
// It knows nothing of HTTP handling, authentication or the storage engine
// beyond the object package's types: package s3api composes these pieces
// into operations. Keeping the wire format apart lets it be tested on its
// own and keeps the handlers about behaviour.
//
// S3 differs from the OSS dialect (ossapi/osswire) in many small ways that
// clients check: lower-case ETags, `x-amz-*` header names, the namespace on
// every document, 501 for unsupported operations, standard Range handling
// (an unsatisfiable range is 416, never ignored), STANDARD as the storage
// class. The facts come from the S3 API reference and the SDKs' behaviour
// (see notes/multipart-s3.md §3).
package s3wire
