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

package identityfile

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
)

// document is the identity file. Its JSON field names are the contract with kossd
// (storage/internal/workloadid); they never change.
type document struct {
	// Issuer is the tokens' iss claim, from the API server's discovery document.
	Issuer string `json:"issuer"`
	// Audience is the aud claim a token must carry (controllers.WorkloadIdentityAudience).
	Audience string `json:"audience"`
	// OIDCProviderArn is the provider the clients name (controllers.OIDCProviderArn).
	OIDCProviderArn string `json:"oidcProviderArn"`
	// JWKS is the API server's key set, embedded as served.
	JWKS json.RawMessage `json:"jwks"`
	// Roles are sorted by Arn, so that the file's bytes change only when its content does.
	Roles []role `json:"roles"`
}

// role is one AccessKey's workload identity.
type role struct {
	Arn         string   `json:"arn"`
	AccessKeyID string   `json:"accessKeyId"`
	Subjects    []string `json:"subjects"`
	// MaxSessionSeconds is AccessKey.MaxSession.
	MaxSessionSeconds int64 `json:"maxSessionSeconds"`
}

// emptyJWKS is the key set of a file written before the issuer could ever be fetched: it
// verifies no token, which is the safe way to be unavailable.
var emptyJWKS = json.RawMessage(`{"keys":[]}`)

// Build is the identity file of a Region: the issuer, and the role of each AccessKey of
// keys that has one (roles).
func Build(region *kossv1alpha1.Region, issuer controllers.ServiceAccountIssuer, keys []kossv1alpha1.AccessKey) ([]byte, error) {
	return render(region, issuer, roles(keys))
}

// roles are the roles of the AccessKeys of a Region: those with spec.workloadIdentity, not
// being deleted, and issued (status.accessKeyId), since a role is the key it grants. Sorted
// by ARN, with sorted subjects.
func roles(keys []kossv1alpha1.AccessKey) []role {
	out := []role{}
	for i := range keys {
		k := &keys[i]
		if k.Spec.WorkloadIdentity == nil || !k.DeletionTimestamp.IsZero() || k.Status.AccessKeyID == "" {
			continue
		}
		subjects := make([]string, 0, len(k.Spec.WorkloadIdentity.ServiceAccounts))
		for _, sa := range k.Spec.WorkloadIdentity.ServiceAccounts {
			subjects = append(subjects, controllers.ServiceAccountSubject(k.Namespace, sa))
		}
		slices.Sort(subjects)
		out = append(out, role{
			Arn:               controllers.WorkloadIdentityRoleArn(k),
			AccessKeyID:       k.Status.AccessKeyID,
			Subjects:          slices.Compact(subjects),
			MaxSessionSeconds: int64(k.MaxSession().Seconds()),
		})
	}
	slices.SortFunc(out, func(a, b role) int { return strings.Compare(a.Arn, b.Arn) })
	return out
}

// render is the identity file of a Region, indented for whoever reads the Secret.
func render(region *kossv1alpha1.Region, issuer controllers.ServiceAccountIssuer, roles []role) ([]byte, error) {
	jwks := issuer.JWKS
	if len(jwks) == 0 {
		jwks = emptyJWKS
	}
	if roles == nil {
		roles = []role{}
	}
	return json.MarshalIndent(document{
		Issuer:          issuer.Issuer,
		Audience:        controllers.WorkloadIdentityAudience(region),
		OIDCProviderArn: controllers.OIDCProviderArn(region),
		JWKS:            jwks,
		Roles:           roles,
	}, "", "  ")
}

// Issuer reads the issuer back from an identity Secret: the last one the operator
// published survives a restart of the manager during which the API server does not answer.
func Issuer(secret *corev1.Secret) controllers.ServiceAccountIssuer {
	if secret == nil {
		return controllers.ServiceAccountIssuer{}
	}
	var doc document
	if err := json.Unmarshal(secret.Data[controllers.WorkloadIdentityFileKey], &doc); err != nil {
		return controllers.ServiceAccountIssuer{}
	}
	// Compacted as the fetcher returns it: the file is indented.
	var jwks bytes.Buffer
	if err := json.Compact(&jwks, doc.JWKS); err != nil {
		return controllers.ServiceAccountIssuer{}
	}
	return controllers.ServiceAccountIssuer{Issuer: doc.Issuer, JWKS: jwks.Bytes()}
}
