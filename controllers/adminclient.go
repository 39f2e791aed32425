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
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

// Errors of the admin client factory.
var (
	// ErrRootKeyInvalid means a Region's root-key Secret lacks the key id or secret.
	ErrRootKeyInvalid = errors.New("root-key Secret has no accessKeyId or accessKeySecret")
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

// HTTPAdminClientFactory makes adminclient.New clients for a Region's client Service, the
// way the operator reaches kossd inside a cluster.
type HTTPAdminClientFactory struct {
	// Endpoint returns the base URL of a Region's admin API. Nil means the Region's internal
	// endpoint (RegionInternalEndpoint); tests set it to reach kossd on loopback.
	Endpoint func(region *kossv1alpha1.Region) (string, error)
	// HTTPClient sends the requests. Nil means a client with a 10 s timeout, short enough
	// that an unreachable Region never holds a reconcile worker for long.
	HTTPClient *http.Client
}

var _ AdminClientFactory = (*HTTPAdminClientFactory)(nil)

// defaultAdminHTTPClient is shared by every client the factory makes, so connections to a
// Region are reused across reconciles.
var defaultAdminHTTPClient = &http.Client{Timeout: 10 * time.Second}

// ForRegion implements AdminClientFactory.
func (f *HTTPAdminClientFactory) ForRegion(_ context.Context, region *kossv1alpha1.Region, rootKey *corev1.Secret) (adminclient.Interface, error) {
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
	hc := f.HTTPClient
	if hc == nil {
		hc = defaultAdminHTTPClient
	}
	return adminclient.New(endpoint, id, secret, adminclient.WithHTTPClient(hc), adminclient.WithUserAgent(FieldOwner))
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
