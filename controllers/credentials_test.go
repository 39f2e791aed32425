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

package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

func TestNewKeyPair(t *testing.T) {
	tests := map[string]struct {
		// prefix is the id prefix.
		prefix string
	}{
		"a root key":    {controllers.RootKeyIDPrefix},
		"an access key": {controllers.AccessKeyIDPrefix},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			seen := map[string]bool{}
			for range 50 {
				k, err := controllers.NewKeyPair(tc.prefix)
				if err != nil {
					t.Fatal(err)
				}
				// The engine must accept every key the operator makes.
				if !strings.HasPrefix(k.ID(), tc.prefix) || !adminapi.ValidAccessKeyID(k.ID()) {
					t.Errorf("id %q", k.ID())
				}
				if len(k.Secret()) < 32 || !adminapi.ValidAccessKeySecret(k.Secret()) {
					t.Errorf("secret of length %d is too short or invalid", len(k.Secret()))
				}
				if seen[k.ID()] || seen[k.Secret()] {
					t.Errorf("a repeated key")
				}
				seen[k.ID()], seen[k.Secret()] = true, true
			}
		})
	}
}

func TestKeyPairNeverPrintsItsSecret(t *testing.T) {
	pair, err := controllers.NewKeyPair(controllers.AccessKeyIDPrefix)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(verb, pair); strings.Contains(out, pair.Secret()) || !strings.Contains(out, pair.ID()) {
			t.Errorf("%s prints %q", verb, out)
		}
	}
}

func TestEngineUnreachable(t *testing.T) {
	tests := map[string]struct {
		err  error
		want bool
	}{
		"no error":                            {nil, false},
		"connection refused":                  {fmt.Errorf("adminclient: GET /x: %w", controllertest.ErrConnRefused), true},
		"503 from the API":                    {&adminclient.APIError{StatusCode: 503, Code: adminapi.CodeUnavailable}, true},
		"not found is an answer":              {&adminclient.APIError{StatusCode: 404, Code: adminapi.CodeNotFound}, false},
		"a conflict is an answer":             {fmt.Errorf("x: %w", &adminclient.APIError{StatusCode: 409, Code: adminapi.CodeBucketAlreadyExists}), false},
		"an internal error is an answer":      {&adminclient.APIError{StatusCode: 500, Code: adminapi.CodeInternal}, false},
		"a cancelled pass is not":             {fmt.Errorf("x: %w", errors.Join(controllertest.ErrConnRefused, context.Canceled)), false},
		"a name owned elsewhere is an answer": {fmt.Errorf("bucket x: %w", fmt.Errorf("bucket belongs to another owner: %w", adminapi.ErrBucketAlreadyExists)), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := controllers.EngineUnreachable(tc.err); got != tc.want {
				t.Errorf("EngineUnreachable(%v) = %v", tc.err, got)
			}
		})
	}
}
