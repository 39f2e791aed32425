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
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

// RegionCABundle is the PEM bundle that a client of a TLS Region trusts: ca.crt of the
// pods' Secret (<region>-tls: the operator's CA, or the issuer's CA that cert-manager puts
// there), else ca.crt of the operator's CA Secret (<region>-ca). It is nil when the Region
// serves plain HTTP, and nil when neither Secret holds a CA yet (the certificate is still
// being issued, or a cert-manager issuer chains to a public root, which clients already
// trust). Both Secrets carry the operator's labels, so the manager's cache holds them; a
// miss is confirmed live (see GetOrNil).
func RegionCABundle(ctx context.Context, cache, live client.Reader, region *kossv1alpha1.Region) ([]byte, error) {
	if !region.Spec.TLS.Enabled() {
		return nil, nil
	}
	for _, name := range []string{RegionTLSSecretName(region), RegionCASecretName(region)} {
		key := types.NamespacedName{Namespace: region.Namespace, Name: name}
		s, err := GetOrNil[corev1.Secret](ctx, cache, live, key)
		if err != nil {
			return nil, fmt.Errorf("get CA of Region %s/%s from Secret %s: %w", region.Namespace, region.Name, name, err)
		}
		if s != nil && len(s.Data[SecretKeyCACert]) > 0 {
			return s.Data[SecretKeyCACert], nil
		}
	}
	return nil, nil
}
