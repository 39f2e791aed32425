// Package pki issues the X.509 certificates of a Region: a self-signed CA
// and the leaf certificates it signs (serving, client, or both), PEM
// encoded, with ECDSA P-256 keys. It uses crypto/x509 only and knows
// nothing of Kubernetes or of kossd, so the operator issues with it and
// the storage tests make their CAs with it.
//
// Lifetimes are the caller's choice; NeedsRenewal tells when a leaf should
// be replaced, so that a new one is in place well before the old expires.
package pki
