// Package s3api serves the Amazon S3 REST dialect on kossd's one endpoint,
// beside the OSS dialect (package ossapi): the same buckets and objects
// (package object), the same access keys and grants, the same virtual-host
// resolution and access-log record, with S3's header names, XML documents
// and error codes (package s3wire).
//
// A request reaches this handler when it is signed the AWS way (SigV4
// header or presigned query: awsauth.IsAWS), or, unsigned, when it carries
// x-amz-* headers or X-Amz-* query parameters (the server's dispatch rule).
// Package awsauth verifies signatures and decodes the body framings the
// SDKs use (aws-chunked with chunk signatures or trailing checksums); this
// package routes, authorizes (root, grants, public ACLs for anonymous
// access), checks client checksums before anything is stored, and runs the
// operation on the object layer.
//
// Why a dialect of its own rather than options of ossapi: almost every
// detail clients check differs (ETag case, 501 vs 400, Range semantics,
// error documents, metadata header names, conditional writes), and tools
// such as rclone, restic, Velero and the AWS CLI speak only S3.
package s3api
