// Package osswire is the OSS wire format: what Alibaba Cloud OSS requests
// and responses look like on the wire, as Go values, with nothing that
// serves them.
//
// It owns:
//
//   - the XML documents of requests and responses (ListBucketResult,
//     CreateBucketConfiguration, ...) and how they are written (MarshalXML,
//     ISOTime, URLEncode for encoding-type=url);
//   - the OSS error: the Error type (code, HTTP status, message, EC), the
//     codes kossd answers (ErrNoSuchKey, ...) and the <Error> document;
//   - the parsing of requests into values: the Range header, the conditional
//     headers and their evaluation against an object, Content-MD5,
//     x-oss-meta-* and the other stored headers, put options, the copy
//     source, listing parameters (max-keys, encoding-type, continuation
//     tokens), the DeleteMultipleObjects document with its control-character
//     references, and the bucket and object name rules;
//   - the headers that describe an object on GET and HEAD (SetObjectHeaders),
//     the response-* overrides and Content-Range;
//   - the query parameters that select an operation (Subresource), which
//     the dialect's router switches on;
//   - the names of OSS's headers and values (x-oss-*, ACLs), and the owner
//     id derived from the root key (DerivedOwnerID).
//
// Everything here is a pure function of its arguments: no Handler, no
// network, no call into the object layer. The package imports
// storage/internal/object only for the values a request turns into and a
// response is made from (object.Range, object.Metadata, object.Condition,
// object.PutOptions, object.ObjectInfo) and for the engine's limits and
// bucket name rule, which the wire format must agree with.
//
// The dialect, package ossapi (with the packages below it), keeps
// everything that serves: routing, authentication and authorization, the
// handlers, request bodies (ossbody), and the one table that translates the
// engine's errors into these codes (osserr: the edge translation belongs to
// the edge, not to the format).
//
// The wire format is a package of its own because it is what one checks
// against the OSS documentation and what the fuzz tests exercise, and it
// reads and tests without an engine. The S3 dialect will get a sibling wire
// package of its own (its XML and its codes differ); HTTP semantics both
// share, such as byte ranges and RFC 7232 preconditions, may move to a
// common package later.
package osswire
