// Package workloadidtest is a token issuer for tests of workload
// identity: an RSA and an ECDSA signing key with their JWKS, tokens shaped
// like Kubernetes service-account tokens, and trust files naming them, as
// the operator writes them.
package workloadidtest
