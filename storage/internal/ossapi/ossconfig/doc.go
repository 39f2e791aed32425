// Package ossconfig serves the configuration subresources of the OSS
// dialect, what a bucket or an object carries besides its data: its ACL
// (?acl), its tags (?tagging), and a bucket's CORS rules (?cors, the
// preflight that OPTIONS asks, and the CORS headers of actual
// cross-origin requests) and lifecycle rules (?lifecycle). Each operation
// reads the request's document (packages osswire and osswire/bucketrules),
// turns it into the engine's configuration, which the S3 dialect shares
// (package object), stores it, or answers the stored one as OSS writes it.
//
// It is its own package because these operations are many and alike, and
// need of the handler only what a request resolved to (Request) and a
// narrow view of the object layer (Layer): package ossapi keeps routing,
// authentication, authorization and the writing of errors, and calls
// these as it calls its own handlers.
package ossconfig
