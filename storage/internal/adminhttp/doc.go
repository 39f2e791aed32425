// Package adminhttp serves kossd's admin API (storage/adminapi) over HTTP:
// access keys with per-bucket grants, buckets with owners and statistics,
// and cluster status.
//
// Every request must be signed by the root access key (any signature scheme
// the auth package verifies; adminclient uses V1 over the request path) and
// is otherwise refused with 403 and code Unauthorized. A request body must
// match its Content-MD5 when one is sent, so that a signature over the
// headers also protects the body.
//
// Handlers stay thin: decode, validate, call object.Layer or object.KeyStore,
// encode. Engine errors are translated to admin error codes in one table
// (errors.go). Secrets are returned only in the response that creates a key
// and never logged.
package adminhttp
