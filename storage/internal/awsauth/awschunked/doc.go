// Package awschunked decodes the aws-chunked framing of S3 streaming
// uploads (sigv4-streaming, sigv4-streaming-trailers): hex-sized chunks,
// each with an optional chunk-signature, then optional trailer headers and
// a trailer signature. Read returns io.EOF only after the last chunk and
// the trailer were read and checked and the decoded length is the declared
// one.
//
// It is its own package because the framing is a wire format independent of
// how signatures are derived: the chunk and trailer signatures are checked
// through the small Checker interface, which package awsauth implements
// with its chained SigV4 signer, and failures are FramingError and
// IncompleteError, which awsauth turns into its InvalidRequest and
// IncompleteBody errors.
package awschunked
