// Package ossapi implements the Alibaba Cloud OSS REST protocol on top of an
// object.Layer: request routing (path style and virtual-host style),
// authentication and authorization, and the handlers that parse a request,
// call the Layer and encode the answer.
//
// The wire format itself — the XML documents, the OSS error codes and their
// statuses, the parsing of headers, query parameters and XML bodies into
// values — is package osswire, beside this one: pure functions with no
// Handler and no engine behind them. This package is what serves: the
// Handler and its Config, addressing (resolve.go: Host and path to bucket
// and key, by httpapi's virtual-host rule), routing (route.go),
// authentication and authorization (authz.go), the handlers, and the
// writing of responses and errors (handler.go).
//
// Below it, packages of their own that it calls: ossconfig serves the
// configuration subresources (ACLs, tags, CORS rules and preflights,
// lifecycle rules), ossbody prepares request bodies for the engine, and
// osserr translates engine errors into OSS errors.
//
// The package is a plain http.Handler. It deliberately does not route object
// paths through http.ServeMux, which would clean "//", "." and ".." out of
// object keys and answer with redirects.
//
// Handlers stay thin: parse, authenticate, authorize, call the Layer, encode.
// Every engine error is translated to an OSS error in exactly one table
// (package osserr). Object bodies are streamed in both directions and never held
// in memory; only small XML request bodies (DeleteMultipleObjects,
// CreateBucketConfiguration) are read whole, under a size cap. A request body
// of unknown length (Transfer-Encoding: chunked) is spooled to a temporary file
// in Config.SpoolDir so the engine always learns the size up front.
//
// Authorization: the root access key may do everything. Other keys need a
// grant on the bucket: read for GET/HEAD and listings, write for PUT, POST and
// DELETE of objects. Creating and deleting buckets is reserved to the root
// key. ListBuckets called with a non-root key lists only the buckets the key
// holds a grant on, so the v1 SDK's IsBucketExist (a prefix ListBuckets) works
// for such keys. Anonymous requests may read from buckets whose ACL is
// public-read or public-read-write, and write to public-read-write buckets;
// an object's own ACL (x-oss-object-acl), when set, takes precedence over the
// bucket's for reads of that object. Every refusal is 403 AccessDenied: OSS
// never answers 401, and the v2 SDK would retry one.
package ossapi
