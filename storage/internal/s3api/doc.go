// Package s3api serves the Amazon S3 REST dialect on kossd's one endpoint,
// beside the OSS dialect (package ossapi): the same buckets and objects
// (package object), the same access keys and grants, the same virtual-host
// resolution and access-log record, with S3's header names, XML documents
// and error codes (package s3wire).
//
// A request reaches this handler when it is signed the AWS way (SigV4 or
// SigV2 header, presigned query: awsauth.IsAWS), when it is a POST Object
// form, or, unsigned, when it carries x-amz-* headers or X-Amz-* query
// parameters (the server's dispatch rule, storage/server). Package awsauth
// verifies signatures and decodes the body framings the SDKs use
// (aws-chunked with chunk signatures or trailing checksums); this package
// routes (route.go), authorizes (authz.go: root, grants, public ACLs for
// anonymous access, as ossapi does), and runs the operation on the object
// layer (bucket.go, object.go, copy.go, list.go, multipart.go, post.go,
// attributes.go; the configuration subresources, ACLs, tags, CORS and
// lifecycle rules, in package s3config).
//
// Integrity: no body reaches the engine's end before it was verified. The
// reader the engine gets (package s3body) reads past a body's last byte so that
// awsauth checks the payload digest, Content-MD5 and x-amz-checksum-* there,
// and withholds those last bytes when a check fails, so nothing is stored.
// A checksum arriving in a trailer is known only after the body, too late
// for the engine, which takes it with the body: such bodies are spooled and
// verified first. Only verified checksums are stored, and only stored ones
// returned (package s3sum); multipart uploads get COMPOSITE checksums, or for
// the CRCs FULL_OBJECT ones combined from the parts' (checksum.Combine).
// A copy is a single-part object with a FULL_OBJECT checksum: the
// source's when it has one of the asked-for algorithm, else computed from
// the source's bytes (s3sum). Errors are translated by package s3err.
//
// Why a dialect of its own rather than options of ossapi: almost every
// detail clients check differs (ETag case, 501 vs 400, Range semantics,
// error documents, metadata header names, conditional writes), and tools
// such as rclone, restic, Velero and the AWS CLI speak only S3.
package s3api
