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
	RootKeyIDPrefix   = adminapi.AccessKeyIDPrefix + "ROOT"
	AccessKeyIDPrefix = adminapi.AccessKeyIDPrefix
)

// KeyPair is an AccessKeyId and its AccessKeySecret. Its fields are unexported and its
// String and GoString methods hide the secret, so a KeyPair can never leak through a log
// line (structured or not) or an error; only Secret gives the secret, for a Secret's data.
type KeyPair struct {
	id     string
	secret string
}

// NewKeyPair generates a key pair with crypto/rand; idPrefix tells root keys from others.
func NewKeyPair(idPrefix string) (KeyPair, error) {
	id, secret, err := adminapi.NewAccessKey(idPrefix)
	if err != nil {
		return KeyPair{}, err
	}
	return KeyPair{id: id, secret: secret}, nil
}

// KeyPairOf is the pair read back from a Secret; ok is false when either half is missing.
func KeyPairOf(id, secret string) (_ KeyPair, ok bool) {
	return KeyPair{id: id, secret: secret}, id != "" && secret != ""
}

// ID is the AccessKeyId.
func (k KeyPair) ID() string { return k.id }

// Secret is the AccessKeySecret. Write it only into a Secret's data or a registration.
func (k KeyPair) Secret() string { return k.secret }

// String implements fmt.Stringer without the secret.
func (k KeyPair) String() string { return "KeyPair{id:" + k.id + "}" }

// GoString implements fmt.GoStringer without the secret (%#v).
func (k KeyPair) GoString() string { return k.String() }
