package adminapi

import (
	"crypto/rand"
	"fmt"
)

// Access key formats. Every place that generates or checks a key pair (the
// admin API, kossd's own root and dev keys, the operator, test fakes) uses
// these, so a key made by one is accepted by all the others.
const (
	// AccessKeyIDPrefix starts every generated id, so a key's origin is
	// visible in logs and audit trails (where ids, never secrets, appear).
	AccessKeyIDPrefix = "KOSS"
	// generatedIDLength and generatedSecretLength are the random parts:
	// 40 secret characters of 62 symbols carry about 238 bits.
	generatedIDLength     = 20
	generatedSecretLength = 40
	// Ids use upper-case letters and digits (as OSS AccessKeyIds do);
	// secrets letters and digits, which every signature form and every
	// .env or shell file carries without quoting.
	idAlphabet     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// NewAccessKey generates a key pair with crypto/rand. The id is idPrefix
// (for example AccessKeyIDPrefix, or a longer prefix naming the key's kind)
// followed by 20 random characters.
func NewAccessKey(idPrefix string) (id, secret string, err error) {
	idPart, err := randomString(idAlphabet, generatedIDLength)
	if err != nil {
		return "", "", err
	}
	secret, err = randomString(secretAlphabet, generatedSecretLength)
	if err != nil {
		return "", "", err
	}
	return idPrefix + idPart, secret, nil
}

// randomString draws n symbols of alphabet uniformly (rejection sampling:
// bytes at or above the largest multiple of len(alphabet) are redrawn, so
// there is no modulo bias).
func randomString(alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("adminapi: generate key: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}

// ValidAccessKeyID reports whether id can name an access key: 1..128
// characters of [A-Za-z0-9._-], safe in every signature form (V4
// credentials split on "/", header parameters on ",").
func ValidAccessKeyID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range []byte(id) {
		if !isKeyIDChar(c) {
			return false
		}
	}
	return true
}

// isKeyIDChar reports whether c is in [A-Za-z0-9._-].
func isKeyIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// ValidAccessKeySecret reports whether s can be a secret: 8..256 printable
// ASCII characters without spaces.
func ValidAccessKeySecret(s string) bool {
	if len(s) < 8 || len(s) > 256 {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
