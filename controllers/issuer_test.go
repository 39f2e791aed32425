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
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
)

// fakeIssuer serves the two issuer discovery documents and counts the requests.
type fakeIssuer struct {
	mu       sync.Mutex
	issuer   string
	jwks     string
	status   int
	requests int
}

func (f *fakeIssuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	if f.status != 0 {
		w.WriteHeader(f.status)
		return
	}
	switch r.URL.Path {
	case "/prefix/.well-known/openid-configuration":
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": f.issuer, "jwks_uri": "https://10.0.0.1:6443/openid/v1/jwks"})
	case "/prefix/openid/v1/jwks":
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write([]byte(f.jwks))
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fakeIssuer) set(fn func(f *fakeIssuer)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeIssuer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// TestIssuerFetcher: the fetcher asks the API server of its rest.Config (with the config's
// path prefix), caches for the refresh interval, keeps the last good issuer through
// failures, retries them sooner, and recovers.
func TestIssuerFetcher(t *testing.T) {
	fake := &fakeIssuer{issuer: "https://kubernetes.default.svc.cluster.local", jwks: `{"keys": [{"kty":"RSA","kid":"a","n":"x","e":"AQAB"}]}`}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	f, err := controllers.NewIssuerFetcher(&rest.Config{Host: srv.URL + "/prefix"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Now = func() time.Time { return now }
	ctx := context.Background()

	got, err := f.ServiceAccountIssuer(ctx)
	if err != nil {
		t.Fatalf("first fetch: %v", err)
	}
	if got.Issuer != "https://kubernetes.default.svc.cluster.local" || string(got.JWKS) != `{"keys":[{"kty":"RSA","kid":"a","n":"x","e":"AQAB"}]}` {
		t.Fatalf("got %q %s", got.Issuer, got.JWKS)
	}
	if n := fake.count(); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}

	now = now.Add(controllers.DefaultIssuerRefresh - time.Second)
	if _, err := f.ServiceAccountIssuer(ctx); err != nil || fake.count() != 2 {
		t.Fatalf("within the refresh interval: err %v, %d requests, want the cached value", err, fake.count())
	}

	fake.set(func(f *fakeIssuer) { f.status = http.StatusForbidden })
	now = now.Add(time.Second)
	got, err = f.ServiceAccountIssuer(ctx)
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Fatalf("failing fetch: err %v, want the 403", err)
	}
	if got.Issuer != "https://kubernetes.default.svc.cluster.local" {
		t.Fatalf("failing fetch returned %q, want the last good issuer", got.Issuer)
	}
	n := fake.count()
	now = now.Add(controllers.DefaultIssuerRetry - time.Second)
	if _, err := f.ServiceAccountIssuer(ctx); err == nil || fake.count() != n {
		t.Fatalf("before the retry: err %v, %d requests (was %d), want the cached error", err, fake.count(), n)
	}

	fake.set(func(f *fakeIssuer) { f.status, f.jwks = 0, `{"keys":[]}` })
	now = now.Add(time.Second)
	got, err = f.ServiceAccountIssuer(ctx)
	if err != nil || string(got.JWKS) != `{"keys":[]}` {
		t.Fatalf("after recovery: %s, %v", got.JWKS, err)
	}
}

func TestIssuerFetcherRefusesBadDocuments(t *testing.T) {
	tests := map[string]struct{ issuer, jwks string }{
		"no issuer":      {issuer: "", jwks: `{"keys":[]}`},
		"no keys":        {issuer: "https://issuer", jwks: `{}`},
		"JWKS not JSON":  {issuer: "https://issuer", jwks: `<html>`},
		"JWKS not a set": {issuer: "https://issuer", jwks: `[1,2]`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(&fakeIssuer{issuer: tc.issuer, jwks: tc.jwks})
			defer srv.Close()
			f, err := controllers.NewIssuerFetcher(&rest.Config{Host: srv.URL + "/prefix"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.ServiceAccountIssuer(context.Background())
			if err == nil || got.Known() {
				t.Fatalf("got %+v, %v; want an error and no issuer", got, err)
			}
		})
	}
}

func TestWorkloadIdentityNames(t *testing.T) {
	region := &kossv1alpha1.Region{}
	region.Namespace, region.Name = "storage", "eu"
	key := &kossv1alpha1.AccessKey{}
	key.Namespace, key.Name = "team", "app"
	tests := map[string]struct{ got, want string }{
		"role":           {controllers.WorkloadIdentityRoleArn(key), "acs:ram::koss:role/team/app"},
		"provider":       {controllers.OIDCProviderArn(region), "acs:ram::koss:oidc-provider/storage/eu"},
		"audience":       {controllers.WorkloadIdentityAudience(region), "koss.io/storage/eu"},
		"subject":        {controllers.ServiceAccountSubject("team", "worker"), "system:serviceaccount:team:worker"},
		"Secret":         {controllers.WorkloadIdentitySecretName(region), "eu-workload-identity"},
		"ConfigMap":      {controllers.WorkloadIdentityConfigMapName(key), "app-identity"},
		"STS endpoint":   {controllers.RegionInternalHost(region), "eu.storage.svc.cluster.local:9000"},
		"the token file": {controllers.WorkloadIdentityTokenFile, "/var/run/secrets/koss.io/sts/token"},
	}
	for name, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", name, tc.got, tc.want)
		}
	}
}
