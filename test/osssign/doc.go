// Package osssign signs plain net/http requests with OSS signature V1
// (HMAC-SHA1), written from the protocol description and independent of
// kossd's own verifier and of the SDKs, so tests and benchmarks can speak OSS
// without an SDK in the way (to send what SDKs refuse to send, or to measure
// the server rather than the client's checksumming).
package osssign
