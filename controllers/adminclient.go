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
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

// Errors of the admin client factory.
var (
	// ErrRootKeyInvalid means a Region's root-key Secret lacks the key id or secret.
	ErrRootKeyInvalid = errors.New("root-key Secret has no accessKeyId or accessKeySecret")
	// ErrCABundleInvalid means a Region's CA bundle (ca.crt) holds no PEM certificate.
	ErrCABundleInvalid = errors.New("CA bundle holds no PEM certificate")
)

// AdminClientFactory gives the reconcilers the admin API client of a Region. It is injected
// so that tests can point the operator at a kossd running outside the cluster.
type AdminClientFactory interface {
	// ForRegion returns a client of region's admin API that signs with the root key held by
	// rootKey (the Region's root-key Secret). It does not contact the Region.
	ForRegion(ctx context.Context, region *kossv1alpha1.Region, rootKey *corev1.Secret) (adminclient.Interface, error)
}

// AdminClientFactoryFunc adapts a function to AdminClientFactory.
type AdminClientFactoryFunc func(ctx context.Context, region *kossv1alpha1.Region, rootKey *corev1.Secret) (adminclient.Interface, error)

// ForRegion implements AdminClientFactory.
func (f AdminClientFactoryFunc) ForRegion(ctx context.Context, region *kossv1alpha1.Region, rootKey *corev1.Secret) (adminclient.Interface, error) {
	return f(ctx, region, rootKey)
}

// CAAdminClientFactory is an AdminClientFactory that can also be told which CA a TLS
// Region's certificate chains to. NewRegionAdminClient gives it the Region's CA bundle;
// a factory that does not implement it (a test double reaching kossd over plain HTTP) is
// called through ForRegion alone.
type CAAdminClientFactory interface {
	AdminClientFactory
	// ForRegionWithCA is ForRegion with caPEM as the only roots the client trusts for
	// the Region's https endpoint; an empty caPEM means the system's roots.
	ForRegionWithCA(ctx context.Context, region *kossv1alpha1.Region, rootKey *corev1.Secret, caPEM []byte) (adminclient.Interface, error)
}

// NewRegionAdminClient is factory's client of region's admin API, trusting the Region's
// CA (RegionCABundle) when the Region serves TLS and the factory takes a CA. Every
// reconciler makes its admin clients through it (directly or through AdminClientFor), so
// the operator never talks to a TLS Region without verifying its certificate.
func NewRegionAdminClient(ctx context.Context, cache, live client.Reader, factory AdminClientFactory, region *kossv1alpha1.Region, rootKey *corev1.Secret) (adminclient.Interface, error) {
	f, ok := factory.(CAAdminClientFactory)
	if !ok || !region.Spec.TLS.Enabled() {
		return factory.ForRegion(ctx, region, rootKey)
	}
	ca, err := RegionCABundle(ctx, cache, live, region)
	if err != nil {
		return nil, err
	}
	return f.ForRegionWithCA(ctx, region, rootKey, ca)
}

// HTTPAdminClientFactory makes adminclient.New clients for a Region's client Service, the
// way the operator reaches kossd inside a cluster. For a TLS Region given its CA
// (ForRegionWithCA) the client trusts that CA alone and verifies the server's name
// against the endpoint's host (the Service's DNS name, which the certificate carries).
type HTTPAdminClientFactory struct {
	// Endpoint returns the base URL of a Region's admin API. Nil means the Region's internal
	// endpoint (RegionInternalEndpoint); tests set it to reach kossd on loopback.
	Endpoint func(region *kossv1alpha1.Region) (string, error)
	// HTTPClient sends the requests. Nil means a client with a 10 s timeout, short enough
	// that an unreachable Region never holds a reconcile worker for long.
	HTTPClient *http.Client

	// mu guards tlsClients: one HTTP client per TLS Region, kept while its CA bundle stays
	// the same, so connections are reused across reconciles as with defaultAdminHTTPClient.
	mu         sync.Mutex
	tlsClients map[string]tlsClient
}

// tlsClient is the HTTP client of one TLS Region and the CA bundle it trusts.
type tlsClient struct {
	caPEM  []byte
	client *http.Client
}

var _ CAAdminClientFactory = (*HTTPAdminClientFactory)(nil)

// defaultAdminHTTPClient is shared by every client the factory makes, so connections to a
// Region are reused across reconciles.
var defaultAdminHTTPClient = &http.Client{Timeout: 10 * time.Second}

// ForRegion implements AdminClientFactory: an https endpoint is verified against the
// system's roots (use ForRegionWithCA for a Region's own CA).
func (f *HTTPAdminClientFactory) ForRegion(ctx context.Context, region *kossv1alpha1.Region, rootKey *corev1.Secret) (adminclient.Interface, error) {
	return f.ForRegionWithCA(ctx, region, rootKey, nil)
}

// ForRegionWithCA implements CAAdminClientFactory.
func (f *HTTPAdminClientFactory) ForRegionWithCA(_ context.Context, region *kossv1alpha1.Region, rootKey *corev1.Secret, caPEM []byte) (adminclient.Interface, error) {
	id, secret, err := RootCredentials(rootKey)
	if err != nil {
		return nil, err
	}
	endpoint := RegionInternalEndpoint(region)
	if f.Endpoint != nil {
		if endpoint, err = f.Endpoint(region); err != nil {
			return nil, fmt.Errorf("endpoint of Region %s/%s: %w", region.Namespace, region.Name, err)
		}
	}
	hc, err := f.httpClient(region, caPEM)
	if err != nil {
		return nil, err
	}
	return adminclient.New(endpoint, id, secret, adminclient.WithHTTPClient(hc), adminclient.WithUserAgent(FieldOwner))
}

// httpClient is the HTTP client for region: the configured (or default) one without a CA,
// else one whose TLS trusts caPEM alone, made once per Region and CA bundle.
func (f *HTTPAdminClientFactory) httpClient(region *kossv1alpha1.Region, caPEM []byte) (*http.Client, error) {
	base := f.HTTPClient
	if base == nil {
		base = defaultAdminHTTPClient
	}
	if len(caPEM) == 0 {
		return base, nil
	}
	key := RegionKey(region.Namespace, region.Name)
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.tlsClients[key]; ok && bytes.Equal(c.caPEM, caPEM) {
		return c.client, nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("CA of Region %s/%s: %w", region.Namespace, region.Name, ErrCABundleInvalid)
	}
	var tr *http.Transport
	if t, ok := base.Transport.(*http.Transport); ok {
		tr = t.Clone()
	} else {
		tr = http.DefaultTransport.(*http.Transport).Clone()
	}
	// No InsecureSkipVerify, no ServerName: crypto/tls checks the chain against the
	// Region's CA and the certificate's names against the endpoint's host.
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	c := &http.Client{Transport: tr, Timeout: base.Timeout}
	if f.tlsClients == nil {
		f.tlsClients = map[string]tlsClient{}
	}
	if old, ok := f.tlsClients[key]; ok {
		old.client.CloseIdleConnections() // the CA changed: connections verified by the old one go
	}
	f.tlsClients[key] = tlsClient{caPEM: bytes.Clone(caPEM), client: c}
	return c, nil
}

// RootCredentials reads the key pair of a root-key Secret.
func RootCredentials(s *corev1.Secret) (id, secret string, err error) {
	if s == nil {
		return "", "", ErrRootKeyInvalid
	}
	id, secret = string(s.Data[SecretKeyAccessKeyID]), string(s.Data[SecretKeyAccessKeySecret])
	if id == "" || secret == "" {
		return "", "", fmt.Errorf("secret %s/%s: %w", s.Namespace, s.Name, ErrRootKeyInvalid)
	}
	return id, secret, nil
}

// EngineUnreachable reports whether err means the admin API could not be reached or could
// not serve (no answer, or 502/503/504): a condition that passes by itself, so the caller
// retries with back-off and reports KossdUnreachable. Refusals (not found, conflicts,
// invalid arguments) are answers, not unreachability, and so are the reconcilers' own errors
// about an answer (a bucket owned elsewhere wraps adminapi.ErrBucketAlreadyExists).
func EngineUnreachable(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *adminclient.APIError
	if errors.As(err, &apiErr) {
		return errors.Is(err, adminapi.ErrUnavailable)
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, adminapi.ErrBucketAlreadyExists)
}

// EngineErrorMessage is the user-facing text of an admin API error. It leaves out what
// changes on every attempt (request ids), so that repeating the same failure does not
// rewrite the status each time. A nil error reads "no answer".
func EngineErrorMessage(err error) string {
	if err == nil {
		return "no answer"
	}
	var apiErr *adminclient.APIError
	if errors.As(err, &apiErr) {
		if apiErr.Message != "" {
			return fmt.Sprintf("%s (%d): %s", apiErr.Code, apiErr.StatusCode, apiErr.Message)
		}
		return fmt.Sprintf("%s (%d)", apiErr.Code, apiErr.StatusCode)
	}
	return err.Error()
}
