// Package httpapi is what every request to a kossd node shares before a
// dialect sees it: a request id, the access log, request metrics, request
// body accounting and a last line of defence against panics. The server
// (storage/server) builds one root handler with New and mounts the APIs
// under it as siblings: the OSS dialect (ossapi), the admin API
// (adminhttp), health and metrics, and the dialects still to come (S3,
// STS). None of them knows of the others.
//
// A handler learns and annotates its request through the Record that New
// attaches to it (RecordOf): the operation it routed to, the bucket and
// key, the access key that signed it, and the error it answered. The
// middleware writes one access-log line and one set of metric samples per
// request from that record when the response is done. Records are
// per-request values carried by the request's context, as request ids
// are in net/http middleware generally; nothing that decides a request's
// outcome (authentication, authorization) travels that way.
//
// The package also owns the one rule that tells the APIs apart by URL: a
// path-style request under "/-/" is never an object request (no bucket is
// named "-"), and "<bucket>.<domain>" names a bucket in virtual-host style
// (VirtualHostBucket), so "bucket.domain/-/healthz" is an object key.
package httpapi
