// Package bucketrules is the wire format of a bucket's rule documents in the
// OSS dialect: the CORS configuration (PutBucketCors, with the CORS headers
// of a preflight and of its answer) and the lifecycle configuration
// (PutBucketLifecycle). They are parsed here and judged by the engine
// (record.CheckCORS, record.CheckLifecycle); the errors are osswire's.
package bucketrules
