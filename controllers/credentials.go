/*
Copyright 2026 The koss Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controllers

import (
	"crypto/rand"
	"fmt"
)

// Alphabets and lengths of generated key pairs. Ids use upper-case letters and digits (as
// OSS AccessKeyIds do); secrets use letters and digits, which every signature form and
// every .env or shell file carries without quoting. 40 characters of 62 symbols are about
// 238 bits.
const (
	keyIDAlphabet     = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	keySecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	keyIDLength       = 20
	keySecretLength   = 40

	// rootKeyIDPrefix and accessKeyIDPrefix make a key's kind visible in logs and audit
	// trails, where ids (never secrets) may appear.
	rootKeyIDPrefix   = "KOSSROOT"
	accessKeyIDPrefix = "KOSS"
)

// keyPair is a generated AccessKeyId and AccessKeySecret. Its String method hides the
// secret, so a keyPair can never leak through a log line or an error.
type keyPair struct {
	id     string
	secret string
}

// String implements fmt.Stringer without the secret.
func (k keyPair) String() string { return "keyPair{id:" + k.id + "}" }

// GoString implements fmt.GoStringer without the secret (%#v).
func (k keyPair) GoString() string { return k.String() }

// newKeyPair generates a key pair with crypto/rand; idPrefix tells root keys from others.
func newKeyPair(idPrefix string) (keyPair, error) {
	id, err := randomString(keyIDAlphabet, keyIDLength)
	if err != nil {
		return keyPair{}, err
	}
	secret, err := randomString(keySecretAlphabet, keySecretLength)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{id: idPrefix + id, secret: secret}, nil
}

// randomString draws n symbols of alphabet uniformly (rejection sampling, no modulo bias).
func randomString(alphabet string, n int) (string, error) {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("generate key: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out), nil
}
