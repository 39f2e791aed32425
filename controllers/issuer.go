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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
)

// Paths of the API server's ServiceAccount issuer discovery (KEP-1393), and the RBAC the
// manager needs for them (the +kubebuilder:rbac:urls marker of the Region reconciler).
const (
	oidcDiscoveryPath = "/.well-known/openid-configuration"
	oidcJWKSPath      = "/openid/v1/jwks"
)

// Intervals of IssuerFetcher.
const (
	// DefaultIssuerRefresh is how long a fetched issuer is used before it is fetched again:
	// the API server adds a signing key to its JWKS before it signs with it, so a new key
	// reaches kossd well before the tokens signed with it do.
	DefaultIssuerRefresh = 5 * time.Minute
	// DefaultIssuerRetry is how long after a failed fetch the next one is tried.
	DefaultIssuerRetry = 30 * time.Second
	// issuerFetchTimeout bounds one fetch of both documents.
	issuerFetchTimeout = 10 * time.Second
	// maxIssuerDocument bounds the size of either document.
	maxIssuerDocument = 1 << 20
)

// ServiceAccountIssuer is what kossd needs to verify the cluster's ServiceAccount tokens
// offline: the issuer (the tokens' iss claim) and the keys that sign them. None of it is
// secret.
type ServiceAccountIssuer struct {
	// Issuer is the discovery document's issuer.
	Issuer string
	// JWKS is the API server's JSON Web Key Set, as served (compacted).
	JWKS json.RawMessage
}

// Known reports whether the issuer was fetched at least once.
func (i ServiceAccountIssuer) Known() bool { return i.Issuer != "" }

// IssuerSource gives the cluster's ServiceAccount issuer. An implementation may cache; when
// it cannot reach the API server it returns the last issuer it knew (zero when none) with
// the error. It is safe for concurrent use.
type IssuerSource interface {
	ServiceAccountIssuer(ctx context.Context) (ServiceAccountIssuer, error)
}

// IssuerFetcher is the IssuerSource of the API server the manager talks to. It asks that
// API server itself, with the manager's credentials, and never the discovery document's
// jwks_uri: that names the issuer's in-cluster address, which the manager may not resolve
// (it runs outside the cluster in development) and which could be another server.
type IssuerFetcher struct {
	client *http.Client
	base   *url.URL
	// Refresh and Retry are the refresh interval after a good and after a failed fetch;
	// zero means DefaultIssuerRefresh and DefaultIssuerRetry.
	Refresh, Retry time.Duration
	// Now is the fetcher's clock; nil means time.Now.
	Now func() time.Time

	mu     sync.Mutex
	last   ServiceAccountIssuer
	err    error
	next   time.Time
	failed bool
}

// NewIssuerFetcher returns a fetcher that reaches the API server of cfg with cfg's
// credentials and TLS settings.
func NewIssuerFetcher(cfg *rest.Config) (*IssuerFetcher, error) {
	if cfg == nil {
		return nil, fmt.Errorf("issuer fetcher: no rest.Config: %w", ErrMissingDependency)
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("issuer fetcher: %w", err)
	}
	base, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("issuer fetcher: %w", err)
	}
	return &IssuerFetcher{client: client, base: base}, nil
}

// ServiceAccountIssuer returns the cached issuer, fetching it first when it is due. A failed
// fetch keeps the last good issuer, returned with the error until a fetch succeeds; it is
// logged once, when fetching starts failing, and again when it recovers.
func (f *IssuerFetcher) ServiceAccountIssuer(ctx context.Context) (ServiceAccountIssuer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if now.Before(f.next) {
		return f.last, f.err
	}
	log := ctrl.LoggerFrom(ctx)
	got, err := f.fetch(ctx)
	if err != nil {
		if !f.failed {
			log.Error(err, "Fetching the ServiceAccount issuer failed; workload identity keeps the last known keys", "lastIssuer", f.last.Issuer)
		}
		f.failed, f.err = true, err
		f.next = now.Add(durationOr(f.Retry, DefaultIssuerRetry))
		return f.last, f.err
	}
	if f.failed {
		log.Info("Fetching the ServiceAccount issuer works again", "issuer", got.Issuer)
	}
	f.last, f.err, f.failed = got, nil, false
	f.next = now.Add(durationOr(f.Refresh, DefaultIssuerRefresh))
	return f.last, nil
}

func (f *IssuerFetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func durationOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// fetch reads the discovery document and the JWKS.
func (f *IssuerFetcher) fetch(ctx context.Context) (ServiceAccountIssuer, error) {
	ctx, cancel := context.WithTimeout(ctx, issuerFetchTimeout)
	defer cancel()
	body, err := f.get(ctx, oidcDiscoveryPath)
	if err != nil {
		return ServiceAccountIssuer{}, err
	}
	var discovery struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(body, &discovery); err != nil {
		return ServiceAccountIssuer{}, fmt.Errorf("parse %s: %w", oidcDiscoveryPath, err)
	}
	if discovery.Issuer == "" {
		return ServiceAccountIssuer{}, fmt.Errorf("%s names no issuer", oidcDiscoveryPath)
	}
	body, err = f.get(ctx, oidcJWKSPath)
	if err != nil {
		return ServiceAccountIssuer{}, err
	}
	var keys struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &keys); err != nil {
		return ServiceAccountIssuer{}, fmt.Errorf("parse %s: %w", oidcJWKSPath, err)
	}
	if keys.Keys == nil {
		return ServiceAccountIssuer{}, fmt.Errorf("%s has no keys", oidcJWKSPath)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, body); err != nil {
		return ServiceAccountIssuer{}, fmt.Errorf("parse %s: %w", oidcJWKSPath, err)
	}
	return ServiceAccountIssuer{Issuer: discovery.Issuer, JWKS: compact.Bytes()}, nil
}

// errIssuerStatus is an unexpected HTTP status from the API server: 404 when issuer
// discovery is off, 403 without the RBAC for it.
var errIssuerStatus = errors.New("unexpected status")

func (f *IssuerFetcher) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base.JoinPath(path).String(), nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIssuerDocument+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %w %s", path, errIssuerStatus, resp.Status)
	}
	if len(body) > maxIssuerDocument {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", path, maxIssuerDocument)
	}
	return body, nil
}
