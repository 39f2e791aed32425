package auth

import "context"

// ResolvedKey is what ResolveKey finds for an access key id: the secret to
// check a signature with and the principal the key stands for.
type ResolvedKey struct {
	// Secret is the HMAC secret of the key (the session's own secret for a
	// temporary key). It must never appear in errors or logs.
	Secret string
	// Principal is who the key is, with its grants (for a temporary key the
	// intersection of the session's and the parent's grants).
	Principal Principal
	// Refused, when not nil, is the answer to give once the signature has
	// matched: the OSS verifier checks the signature first so a client
	// learns whether it signs right, then refuses a long-lived key that came
	// with a security token (it wraps ErrInvalidAccessKeyID).
	Refused error
}

// ResolveKey resolves an access key id and the request's security token (""
// without one) exactly as the OSS verifier does, so that another signature
// dialect (the S3 one in awsauth) accepts the same keys under the same rules:
//
//   - a temporary key ("STS.…") needs its token: without one the error wraps
//     ErrInvalidAccessKeyID;
//   - a token that does not open for the key wraps ErrInvalidSecurityToken,
//     an ended session wraps ErrSecurityTokenExpired, and a parent key that is
//     gone or has a new secret wraps ErrInvalidSecurityToken;
//   - a temporary key's grants are the session's intersected with its
//     parent's as they are now;
//   - a long-lived key with a token resolves, with Refused set;
//   - an unknown key wraps ErrInvalidAccessKeyID; any other error is the
//     key store's, wrapped, for the caller to answer 5xx.
func (v *Verifier) ResolveKey(ctx context.Context, accessKeyID, securityToken string) (ResolvedKey, error) {
	k, err := v.key(ctx, accessKeyID, securityToken)
	if err != nil {
		return ResolvedKey{}, err
	}
	return ResolvedKey{Secret: k.Secret, Principal: k.Principal, Refused: k.refused}, nil
}
