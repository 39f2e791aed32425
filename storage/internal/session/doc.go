// Package session makes and opens temporary credentials (OSS's STS keys): an access key id starting "STS.",
// a secret, and a security token the client sends with every request
// (x-oss-security-token, or security-token in a V1/OSS2 presigned URL).
//
// Issuing one writes nothing: the token is the session itself, sealed with
// AES-256-GCM under a key every node of the Region derives from the root
// secret (HKDF-SHA256), so any node verifies it without a lookup and
// without a replicated write per session. What the token carries (the
// session's secret, its parent key, the parent's secret fingerprint, the
// session's grants, its expiry) is readable only by the Region. The GCM
// additional data is the session's access key id, so a token answers for
// one id only.
//
// A session is checked on every request, at request time: its expiry
// against the verifier's clock (never in Apply), its parent key against the
// key store (deleting the parent, or giving it a new secret, revokes its
// sessions at once), and its rights are the intersection of the grants
// sealed in the token and the parent's grants now, so narrowing a key
// narrows its live sessions too. Changing the root secret revokes every
// session.
//
// Package auth checks them on every request (expiry at request time, the
// parent key still there with the same secret, rights the intersection of
// the session's and the parent's); this package only seals and opens.
package session
