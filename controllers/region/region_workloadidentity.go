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

package region

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
)

// Workload identity: kossd has no Kubernetes client, so everything it needs to exchange a
// ServiceAccount token (STS AssumeRoleWithOIDC) is in one file the operator writes into
// the Region's <region>-workload-identity Secret and the pods mount: the cluster's issuer
// and signing keys, and the roles of the Region's AccessKeys with spec.workloadIdentity.
// The kubelet refreshes the mounted file when the Secret changes, and kossd reloads it, so
// a new AccessKey, a rotated key or a new signing key needs no restart.

// identityDocument is the identity file. Its JSON field names are the contract with kossd
// (storage/internal/workloadid); they never change.
type identityDocument struct {
	// Issuer is the tokens' iss claim, from the API server's discovery document.
	Issuer string `json:"issuer"`
	// Audience is the aud claim a token must carry (controllers.WorkloadIdentityAudience).
	Audience string `json:"audience"`
	// OIDCProviderArn is the provider the clients name (controllers.OIDCProviderArn).
	OIDCProviderArn string `json:"oidcProviderArn"`
	// JWKS is the API server's key set, embedded as served.
	JWKS json.RawMessage `json:"jwks"`
	// Roles are sorted by Arn, so that the file's bytes change only when its content does.
	Roles []identityRole `json:"roles"`
}

// identityRole is one AccessKey's workload identity.
type identityRole struct {
	Arn         string   `json:"arn"`
	AccessKeyID string   `json:"accessKeyId"`
	Subjects    []string `json:"subjects"`
	// MaxSessionSeconds is AccessKey.MaxSession.
	MaxSessionSeconds int64 `json:"maxSessionSeconds"`
}

// emptyJWKS is the key set of a file written before the issuer could ever be fetched: it
// verifies no token, which is the safe way to be unavailable.
var emptyJWKS = json.RawMessage(`{"keys":[]}`)

// eventWorkloadIdentityUnavailable is the reason of the Warning recorded on a Region while
// the cluster's ServiceAccount issuer cannot be fetched.
const eventWorkloadIdentityUnavailable = "WorkloadIdentityUnavailable"

// workloadIdentityRoles are the roles of the AccessKeys of a Region: those with
// spec.workloadIdentity, not being deleted, and issued (status.accessKeyId), since a role
// is the key it grants. Sorted by ARN, with sorted subjects.
func workloadIdentityRoles(keys []kossv1alpha1.AccessKey) []identityRole {
	roles := []identityRole{}
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
		roles = append(roles, identityRole{
			Arn:               controllers.WorkloadIdentityRoleArn(k),
			AccessKeyID:       k.Status.AccessKeyID,
			Subjects:          slices.Compact(subjects),
			MaxSessionSeconds: int64(k.MaxSession().Seconds()),
		})
	}
	slices.SortFunc(roles, func(a, b identityRole) int { return strings.Compare(a.Arn, b.Arn) })
	return roles
}

// identityFile is the identity file of a Region, indented for whoever reads the Secret.
func identityFile(region *kossv1alpha1.Region, issuer controllers.ServiceAccountIssuer, roles []identityRole) ([]byte, error) {
	jwks := issuer.JWKS
	if len(jwks) == 0 {
		jwks = emptyJWKS
	}
	if roles == nil {
		roles = []identityRole{}
	}
	return json.MarshalIndent(identityDocument{
		Issuer:          issuer.Issuer,
		Audience:        controllers.WorkloadIdentityAudience(region),
		OIDCProviderArn: controllers.OIDCProviderArn(region),
		JWKS:            jwks,
		Roles:           roles,
	}, "", "  ")
}

// issuerFromSecret reads the issuer back from an identity Secret: the last one the operator
// published survives a restart of the manager during which the API server does not answer.
func issuerFromSecret(secret *corev1.Secret) controllers.ServiceAccountIssuer {
	if secret == nil {
		return controllers.ServiceAccountIssuer{}
	}
	var doc identityDocument
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

// desiredWorkloadIdentitySecret is a Region's identity Secret. It holds no secret: the
// issuer's public keys and which ServiceAccount may use which key id. It is a Secret rather
// than a ConfigMap so that who may read it is governed like the Region's other files.
func desiredWorkloadIdentitySecret(region *kossv1alpha1.Region, file []byte) *corev1ac.SecretApplyConfiguration {
	return corev1ac.Secret(controllers.WorkloadIdentitySecretName(region), region.Namespace).
		WithLabels(labelsFor(region, componentWorkloadIdentity)).
		WithOwnerReferences(regionOwnerReference(region)).
		WithType(corev1.SecretTypeOpaque).
		WithData(map[string][]byte{controllers.WorkloadIdentityFileKey: file})
}

// reconcileWorkloadIdentity writes the Region's identity file. An issuer that cannot be
// fetched never fails the pass: the file keeps the last known issuer and keys (from the
// fetcher, or else from the Secret itself), its roles still follow the AccessKeys, and a
// Warning event says why tokens may be refused.
func (r *Reconciler) reconcileWorkloadIdentity(ctx context.Context, s *regionScope) (ctrl.Result, error) {
	var keys kossv1alpha1.AccessKeyList
	if err := r.Client.List(ctx, &keys, client.MatchingFields{controllers.AccessKeyRegionIndex: controllers.RegionKey(s.region.Namespace, s.region.Name)}); err != nil {
		return ctrl.Result{}, fmt.Errorf("list AccessKeys of the Region: %w", err)
	}
	var issuer controllers.ServiceAccountIssuer
	var fetchErr error
	if r.Issuer != nil {
		issuer, fetchErr = r.Issuer.ServiceAccountIssuer(ctx)
	}
	if !issuer.Known() {
		name := types.NamespacedName{Namespace: s.region.Namespace, Name: controllers.WorkloadIdentitySecretName(s.region)}
		secret, err := controllers.GetOrNil[corev1.Secret](ctx, r.Client, r.APIReader, name)
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("get Secret %s: %w", name, err)
		}
		issuer = issuerFromSecret(secret)
	}
	var res ctrl.Result
	if fetchErr != nil {
		r.Recorder.Eventf(s.region, nil, corev1.EventTypeWarning, eventWorkloadIdentityUnavailable, "FetchIssuer",
			"Cannot read the cluster's ServiceAccount issuer from the API server, so new signing keys do not reach the Region "+
				"and tokens signed with them are refused: %s", fetchErr)
		res.RequeueAfter = controllers.DefaultIssuerRetry
	}
	file, err := identityFile(s.region, issuer, workloadIdentityRoles(keys.Items))
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("identity file: %w", err)
	}
	if err := r.apply(ctx, desiredWorkloadIdentitySecret(s.region, file)); err != nil {
		return ctrl.Result{}, fmt.Errorf("apply workload identity Secret: %w", err)
	}
	return res, nil
}

// accessKeyToRegion maps an AccessKey to its Region, whose identity file lists the roles of
// its AccessKeys.
func (r *Reconciler) accessKeyToRegion(_ context.Context, obj client.Object) []reconcile.Request {
	k, ok := obj.(*kossv1alpha1.AccessKey)
	if !ok {
		return nil
	}
	return []reconcile.Request{{NamespacedName: k.Spec.RegionRef.NamespacedName(k.Namespace)}}
}

// accessKeyRoleChanged passes the AccessKey events that may change a role: an AccessKey
// with spec.workloadIdentity appearing or going, and a change of its spec (generation),
// its key id or its deletion. Other AccessKeys, and their other status changes (conditions,
// rotation times), do not concern the Region.
func accessKeyRoleChanged() predicate.Funcs {
	hasIdentity := func(obj client.Object) bool {
		k, ok := obj.(*kossv1alpha1.AccessKey)
		return ok && k.Spec.WorkloadIdentity != nil
	}
	return predicate.Funcs{
		CreateFunc:  func(e event.CreateEvent) bool { return hasIdentity(e.Object) },
		DeleteFunc:  func(e event.DeleteEvent) bool { return hasIdentity(e.Object) },
		GenericFunc: func(e event.GenericEvent) bool { return hasIdentity(e.Object) },
		UpdateFunc: func(e event.UpdateEvent) bool {
			oldKey, ok1 := e.ObjectOld.(*kossv1alpha1.AccessKey)
			newKey, ok2 := e.ObjectNew.(*kossv1alpha1.AccessKey)
			if !ok1 || !ok2 || (oldKey.Spec.WorkloadIdentity == nil && newKey.Spec.WorkloadIdentity == nil) {
				return false
			}
			return oldKey.Generation != newKey.Generation ||
				oldKey.Status.AccessKeyID != newKey.Status.AccessKeyID ||
				oldKey.DeletionTimestamp.IsZero() != newKey.DeletionTimestamp.IsZero()
		},
	}
}
