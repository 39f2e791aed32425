// Package etag holds the ETag rules shared by the state machine (package
// meta), its records (package record) and the object layer: how an MD5
// becomes an ETag, how a completed multipart upload's ETag is formed, and
// when two ETags name the same version. It is its own package so that these
// pure string rules, which several layers must agree on byte for byte, live
// in one small place with no dependency on the record types.
package etag
