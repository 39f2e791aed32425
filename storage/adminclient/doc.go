// Package adminclient is the typed Go client of kossd's admin API
// (storage/adminapi). The operator's controllers reach the storage engine
// only through Interface; New returns the HTTP implementation, and the fake
// subpackage an in-memory one for controller unit tests.
//
// Requests are signed with the Region's root key using the OSS V1 signature
// (HMAC-SHA1 over method, Content-MD5, Content-Type, Date, x-oss-* headers
// and the decoded request path). Request bodies carry Content-MD5, so the
// signature also covers them. The signer is written here against the
// standard library only, so that the package depends on nothing but
// adminapi.
//
// Error responses become *APIError values that unwrap to the adminapi
// sentinels: test them with errors.Is(err, adminapi.ErrNotFound) or
// IsNotFound(err).
package adminclient
