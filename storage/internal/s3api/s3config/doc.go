// Package s3config serves the configuration subresources of the S3
// dialect, what a bucket or an object carries besides its data: its ACL
// (?acl), its tags (?tagging), a bucket's CORS rules (?cors, and the CORS
// headers of actual cross-origin requests) and lifecycle rules
// (?lifecycle), and a bucket's fixed location and versioning (?location,
// ?versioning). Each operation reads the request's document (package
// s3wire), turns it into the engine's configuration, which the OSS
// dialect shares (package object), and stores it, or answers the stored
// one as S3 writes it.
//
// It is its own package because these operations are many and alike, and
// need of the handler only what a request resolved to (Request) and a
// narrow view of the object layer (Layer): package s3api keeps routing,
// authentication, authorization and the writing of errors, and calls
// these as it calls its own handlers.
package s3config
