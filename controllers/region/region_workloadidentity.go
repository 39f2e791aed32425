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
	"context"
	"fmt"

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
	"github.com/koss-io/koss/controllers/region/identityfile"
)

// Workload identity: kossd has no Kubernetes client, so everything it needs to exchange a
// ServiceAccount token (STS AssumeRoleWithOIDC) is in one file the operator writes into
// the Region's <region>-workload-identity Secret and the pods mount: the cluster's issuer
// and signing keys, and the roles of the Region's AccessKeys with spec.workloadIdentity.
// The kubelet refreshes the mounted file when the Secret changes, and kossd reloads it, so
// a new AccessKey, a rotated key or a new signing key needs no restart.

// eventWorkloadIdentityUnavailable is the reason of the Warning recorded on a Region while
// the cluster's ServiceAccount issuer cannot be fetched.
const eventWorkloadIdentityUnavailable = "WorkloadIdentityUnavailable"

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
		issuer = identityfile.Issuer(secret)
	}
	var res ctrl.Result
	if fetchErr != nil {
		r.Recorder.Eventf(s.region, nil, corev1.EventTypeWarning, eventWorkloadIdentityUnavailable, "FetchIssuer",
			"Cannot read the cluster's ServiceAccount issuer from the API server, so new signing keys do not reach the Region "+
				"and tokens signed with them are refused: %s", fetchErr)
		res.RequeueAfter = controllers.DefaultIssuerRetry
	}
	file, err := identityfile.Build(s.region, issuer, keys.Items)
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
