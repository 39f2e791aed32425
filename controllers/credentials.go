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
	"github.com/koss-io/koss/storage/adminapi"
)

// Prefixes of generated key ids: they make a key's kind visible in logs and audit trails,
// where ids (never secrets) may appear. The random parts and their alphabets are the
// engine's (adminapi.NewAccessKey), so every key the operator makes is one kossd accepts.
const (
	rootKeyIDPrefix   = adminapi.AccessKeyIDPrefix + "ROOT"
	accessKeyIDPrefix = adminapi.AccessKeyIDPrefix
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
	id, secret, err := adminapi.NewAccessKey(idPrefix)
	if err != nil {
		return keyPair{}, err
	}
	return keyPair{id: id, secret: secret}, nil
}
