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
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// ErrMissingDependency is returned by a reconciler's SetupWithManager when an injected field
// is unset (cluster-api checks its dependencies before it registers anything).
var ErrMissingDependency = errors.New("missing dependency")

// Phase is one step of a reconcile pass over a scope S. A phase that cannot run because an
// earlier one did not set what it needs returns at once with an empty result (cluster-api's
// convention: each scope field says which phase sets it).
type Phase[S any] func(ctx context.Context, s S) (ctrl.Result, error)

// RunPhases runs every phase in order and joins their errors. Later phases still run after
// an error: they check the scope for what they need, so independent work (e.g. the
// PodDisruptionBudget when the admin API is down) still happens.
//
// Results are merged with the lowest-non-zero-RequeueAfter rule only while no phase has
// failed, and a failed pass returns an empty result with the joined error, as cluster-api's
// doReconcile does: controller-runtime ignores RequeueAfter next to an error (and warns),
// requeueing with its rate limiter's back-off instead, so a result returned beside an error
// would only promise a poll that never happens.
func RunPhases[S any](ctx context.Context, s S, phases ...Phase[S]) (ctrl.Result, error) {
	var res ctrl.Result
	var errs []error
	for _, p := range phases {
		r, err := p(ctx, s)
		if err != nil {
			errs = append(errs, err)
		}
		if len(errs) > 0 {
			continue
		}
		res = lowestNonZeroResult(res, r)
	}
	if len(errs) > 0 {
		return ctrl.Result{}, errors.Join(errs...)
	}
	return res, nil
}

// lowestNonZeroResult merges two results: the sooner non-zero RequeueAfter wins
// (cluster-api util.LowestNonZeroResult).
func lowestNonZeroResult(a, b ctrl.Result) ctrl.Result {
	switch {
	case a.RequeueAfter == 0:
		return b
	case b.RequeueAfter == 0:
		return a
	case a.RequeueAfter < b.RequeueAfter:
		return a
	}
	return b
}

// EnsureFinalizer adds finalizer to obj when it is missing, with a patch that fails rather
// than overwrite another writer's finalizers (optimistic lock). It reports whether it added
// one; obj is updated in place.
func EnsureFinalizer(ctx context.Context, c client.Client, obj client.Object, finalizer string) (bool, error) {
	if controllerutil.ContainsFinalizer(obj, finalizer) || !obj.GetDeletionTimestamp().IsZero() {
		return false, nil
	}
	before := obj.DeepCopyObject().(client.Object)
	controllerutil.AddFinalizer(obj, finalizer)
	if err := c.Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return false, fmt.Errorf("add finalizer %s: %w", finalizer, err)
	}
	return true, nil
}

// RemoveFinalizer drops finalizer from obj (optimistic lock, as EnsureFinalizer). A missing
// object is fine: it is gone already.
func RemoveFinalizer(ctx context.Context, c client.Client, obj client.Object, finalizer string) error {
	if !controllerutil.ContainsFinalizer(obj, finalizer) {
		return nil
	}
	before := obj.DeepCopyObject().(client.Object)
	controllerutil.RemoveFinalizer(obj, finalizer)
	if err := c.Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("remove finalizer %s: %w", finalizer, err))
	}
	return nil
}

// PatchStatus writes obj's status with one merge patch against before (the object as read at
// the start of the pass), and only when the status differs: a steady state makes no writes,
// so the object's resourceVersion stays put. beforeStatus and afterStatus are the two status
// values to compare. A deleted object is fine (its finalizer was just removed).
func PatchStatus(ctx context.Context, c client.Client, before, obj client.Object, beforeStatus, afterStatus any) error {
	if equality.Semantic.DeepEqual(beforeStatus, afterStatus) {
		return nil
	}
	if err := c.Status().Patch(ctx, obj, client.MergeFrom(before)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("patch status: %w", err)
	}
	return nil
}

// GetOrNil reads the object named key into a new T; nil when it does not exist. It reads the
// cache first and, on a miss, live (the API server): the cache lags behind writes and holds
// only the Secrets the operator labels, and acting on a miss it has not caught up with would
// make an object twice (a second root key, a second key pair, a Region started over). A nil
// live trusts the cache's miss, for kinds it holds in full and that are never made on a miss
// (Regions, Namespaces). Callers wrap the error with what they read.
func GetOrNil[T any, PT interface {
	*T
	client.Object
}](ctx context.Context, cache, live client.Reader, key types.NamespacedName) (PT, error) {
	obj := PT(new(T))
	err := cache.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) && live != nil {
		err = live.Get(ctx, key, obj)
	}
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return obj, nil
}

// ApplyOwned writes an owned object with server-side apply as the operator's field owner,
// forcing ownership of conflicting fields: the operator is their only rightful owner, and
// a hand edit of them is drift to undo.
func ApplyOwned(ctx context.Context, c client.Client, obj runtime.ApplyConfiguration) error {
	return c.Apply(ctx, obj, client.FieldOwner(FieldOwner), client.ForceOwnership)
}

// SetCondition sets a condition with the object's generation; meta.SetStatusCondition keeps
// lastTransitionTime while the status stays the same.
func SetCondition(conditions *[]metav1.Condition, generation int64, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(conditions, metav1.Condition{
		Type:               typ,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: generation,
	})
}

// maxListedNames bounds the names a condition message lists.
const maxListedNames = 10

// ListNames joins names for a condition message, at most ten of them.
func ListNames(names []string) string {
	if len(names) <= maxListedNames {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxListedNames], ", "), len(names)-maxListedNames)
}
