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

package bucket

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

// DefaultRefreshInterval is how often a Ready Bucket's object count and bytes are refreshed
// from its Region.
const DefaultRefreshInterval = 60 * time.Second

// ErrOwnedElsewhere means the bucket name exists in the Region under another owner.
var ErrOwnedElsewhere = fmt.Errorf("bucket belongs to another owner: %w", adminapi.ErrBucketAlreadyExists)

// Reconciler reconciles a Bucket into a bucket of its Region.
type Reconciler struct {
	// Client reads from the manager's cache and writes to the API server.
	Client client.Client
	// APIReader reads from the API server directly (a Region's root-key Secret the cache
	// has not seen yet).
	APIReader client.Reader
	// AdminClients gives the admin API client of a Region.
	AdminClients controllers.AdminClientFactory
	// Recorder records Events on Buckets.
	Recorder events.EventRecorder
	// RefreshInterval is how often a Ready Bucket's statistics are refreshed; zero means
	// DefaultRefreshInterval.
	RefreshInterval time.Duration
}

// bucketScope is the state of one reconcile pass of a Bucket.
type bucketScope struct {
	// bucket is the object being reconciled; its status is written once, at the end.
	bucket *kossv1alpha1.Bucket
	// before is bucket as read, after the finalizer was ensured.
	before *kossv1alpha1.Bucket
	// admin is the Region's admin API client. It is set by reconcileRegion when the
	// Region may be used (and by reconcileDelete when it exists).
	admin adminclient.Interface
	// observed collects what the phases saw, for setBucketStatus: region and
	// regionEndpoint are set by reconcileRegion, claimedBy by reconcileClaim, bucket and
	// engineErr by reconcileBucket (or reconcileDelete), config and configRejected by
	// reconcileConfig.
	observed bucketObservation
	// gone is true once the finalizer was removed: the object may no longer exist.
	gone bool
}

// +kubebuilder:rbac:groups=koss.io,resources=buckets,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=koss.io,resources=buckets/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=koss.io,resources=buckets/finalizers,verbs=update
// +kubebuilder:rbac:groups=koss.io,resources=regions,verbs=get;list;watch
// +kubebuilder:rbac:groups=core,resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=core,resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile makes the bucket exist in its Region for this Bucket, or deletes or retains it
// when the Bucket is being deleted.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, reterr error) {
	bucket := &kossv1alpha1.Bucket{}
	if err := r.Client.Get(ctx, req.NamespacedName, bucket); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// The For predicate drops metadata-only events, so the pass goes on after adding the
	// finalizer instead of waiting for the update (see region.Reconciler.Reconcile).
	if _, err := controllers.EnsureFinalizer(ctx, r.Client, bucket, kossv1alpha1.BucketFinalizer); err != nil {
		return ctrl.Result{}, err
	}
	s := &bucketScope{bucket: bucket, before: bucket.DeepCopy()}
	defer func() {
		reterr = errors.Join(reterr, r.patchStatus(ctx, s, reterr))
		if reterr != nil {
			res = ctrl.Result{} // a failed status write fails the pass: no requeue interval beside it (RunPhases)
		}
	}()

	if !bucket.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, s)
	}
	return controllers.RunPhases(ctx, s,
		r.reconcileRegion,
		r.reconcileClaim,
		r.reconcileBucket,
	)
}

// patchStatus writes the status derived from the pass when it changed.
func (r *Reconciler) patchStatus(ctx context.Context, s *bucketScope, reterr error) error {
	if s.gone {
		return nil
	}
	setBucketStatus(s.bucket, s.observed)
	if reterr == nil {
		s.bucket.Status.ObservedGeneration = s.bucket.Generation
	}
	return controllers.PatchStatus(ctx, r.Client, s.before, s.bucket, s.before.Status, s.bucket.Status)
}

// reconcileRegion checks that the Bucket may use its Region and gets the Region's admin
// client.
func (r *Reconciler) reconcileRegion(ctx context.Context, s *bucketScope) (ctrl.Result, error) {
	b := s.bucket
	region, use, err := controllers.UseRegion(ctx, r.Client, b.Spec.RegionRef.NamespacedName(b.Namespace), b.Namespace)
	if err != nil {
		return ctrl.Result{}, err
	}
	s.observed.region = use
	if !use.Usable() {
		return ctrl.Result{}, nil // the Region's and the Namespace's watches bring us back
	}
	s.observed.regionEndpoint = controllers.RegionInternalEndpoint(region)
	s.admin, err = controllers.AdminClientFor(ctx, r.Client, r.APIReader, r.AdminClients, region)
	return ctrl.Result{}, err
}

// reconcileClaim looks for another Bucket object that claims the same bucket name, whatever
// its namespace and Region (claimsFirst decides which one wins): bucket names are unique
// across the Regions the operator manages. The others
// never reach the admin API, so they can neither take the bucket over nor delete it.
func (r *Reconciler) reconcileClaim(ctx context.Context, s *bucketScope) (ctrl.Result, error) {
	if s.admin == nil {
		return ctrl.Result{}, nil
	}
	var list kossv1alpha1.BucketList
	if err := r.Client.List(ctx, &list, client.MatchingFields{controllers.BucketClaimIndex: controllers.BucketClaimKey(s.bucket)}); err != nil {
		return ctrl.Result{}, fmt.Errorf("list Buckets claiming %s: %w", s.bucket.BucketName(), err)
	}
	for i := range list.Items {
		other := &list.Items[i]
		if other.UID != s.bucket.UID && claimsFirst(other, s.bucket) {
			s.observed.claimedBy = other.Namespace + "/" + other.Name
			return ctrl.Result{}, nil // bucketToCompetingBuckets brings us back when it goes
		}
	}
	return ctrl.Result{}, nil
}

// claimsFirst reports whether Bucket a claims its name before Bucket b: a Provisioned Bucket
// (which owns the bucket in the Region) before one that is not, then the one created first,
// then the lower uid (creation times have a resolution of one second). Provisioned, unlike
// Ready, holds through a Region outage, so an outage never hands the name to a competitor.
func claimsFirst(a, b *kossv1alpha1.Bucket) bool {
	if aOwns, bOwns := a.IsProvisioned(), b.IsProvisioned(); aOwns != bOwns {
		return aOwns
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.UID < b.UID
}

// reconcileBucket makes the bucket exist under this Bucket's owner tag, keeps its ACL, tags,
// CORS and lifecycle rules as spec declares them (reconcileConfig) and reads its statistics. A bucket of that
// name with another owner is reported, never taken over. The refresh also finds changes made
// around the operator: the For predicate passes spec changes only.
func (r *Reconciler) reconcileBucket(ctx context.Context, s *bucketScope) (ctrl.Result, error) {
	if s.admin == nil || s.observed.claimedBy != "" {
		return ctrl.Result{}, nil
	}
	refresh := r.RefreshInterval
	if refresh <= 0 {
		refresh = DefaultRefreshInterval
	}
	name, owner := s.bucket.BucketName(), bucketOwnerTag(s.bucket)
	got, err := s.admin.GetBucket(ctx, name)
	missing := adminclient.IsNotFound(err)
	if missing {
		ctrl.LoggerFrom(ctx).Info("Creating bucket", "bucket", name)
		got, err = s.admin.CreateBucket(ctx, name, adminapi.CreateBucketRequest{Owner: owner, ACL: string(s.bucket.Spec.ACL)})
		if err == nil {
			r.Recorder.Eventf(s.bucket, nil, corev1.EventTypeNormal, "BucketCreated", "CreateBucket", "Created bucket %s in the Region", name)
		}
	}
	switch {
	case adminclient.IsBucketAlreadyExists(err), err == nil && got.Owner != owner:
		// Someone else's bucket: nothing to retry soon, but it may go away.
		s.observed.engineErr = fmt.Errorf("bucket %s: %w", name, ErrOwnedElsewhere)
		return ctrl.Result{RequeueAfter: refresh}, nil
	case err != nil:
		// The Region said the bucket is not there (missing) or could not say (the last
		// Provisioned verdict stands).
		s.observed.missing = missing
		s.observed.engineErr = err
		return ctrl.Result{}, fmt.Errorf("ensure bucket %s: %w", name, err)
	}
	s.observed.bucket = &got
	if err := r.reconcileConfig(ctx, s, got); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: refresh}, nil
}

// reconcileDelete retains the bucket (deletionPolicy Retain) or deletes it once it is
// empty (Delete), then lets the Bucket go. Only a bucket this Bucket owns is ever deleted.
func (r *Reconciler) reconcileDelete(ctx context.Context, s *bucketScope) (ctrl.Result, error) {
	log := ctrl.LoggerFrom(ctx)
	b := s.bucket
	name := b.BucketName()
	if b.Spec.DeletionPolicy != kossv1alpha1.DeletionPolicyDelete {
		log.Info("Retaining bucket", "bucket", name)
		return r.forget(ctx, s)
	}
	s.observed.deleting = true
	region, err := controllers.GetRegion(ctx, r.Client, b.Spec.RegionRef.NamespacedName(b.Namespace))
	if err != nil {
		return ctrl.Result{}, err
	}
	if region == nil {
		log.Info("Region is gone, nothing to delete", "bucket", name)
		return r.forget(ctx, s)
	}
	s.observed.regionEndpoint = controllers.RegionInternalEndpoint(region)
	if s.admin, err = controllers.AdminClientFor(ctx, r.Client, r.APIReader, r.AdminClients, region); err != nil {
		return ctrl.Result{}, err
	}
	got, err := s.admin.GetBucket(ctx, name)
	switch {
	case adminclient.IsNotFound(err):
		return r.forget(ctx, s)
	case err != nil:
		s.observed.engineErr = err
		return ctrl.Result{}, fmt.Errorf("get bucket %s: %w", name, err)
	case got.Owner != bucketOwnerTag(b):
		log.Info("Bucket belongs to another owner, not deleting it", "bucket", name)
		return r.forget(ctx, s)
	}
	s.observed.bucket = &got
	// Open multipart uploads hold the bucket (DeleteBucket answers BucketNotEmpty) though
	// they are no object anyone can read or list, and no one completes them once the Bucket
	// is going: with deletionPolicy Delete they are aborted first, on every pass, since a
	// client may open another until the bucket is gone. Objects stay the user's to remove.
	s.observed.abortingUploads = true
	aborted, err := s.admin.AbortBucketUploads(ctx, name)
	if err != nil && !adminclient.IsNotFound(err) {
		s.observed.engineErr = err
		return ctrl.Result{}, fmt.Errorf("abort the open multipart uploads of bucket %s: %w", name, err)
	}
	s.observed.abortingUploads = false
	if aborted > 0 {
		log.Info("Aborted open multipart uploads", "bucket", name, "uploads", aborted)
		r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, "UploadsAborted", "AbortBucketUploads",
			"Aborted %d open multipart uploads of bucket %s before deleting it", aborted, name)
	}
	log.Info("Deleting bucket", "bucket", name)
	if err := s.admin.DeleteBucket(ctx, name); err != nil && !adminclient.IsNotFound(err) {
		s.observed.engineErr = err
		// Not empty is the user's to resolve; the error gives a backed-off retry.
		return ctrl.Result{}, fmt.Errorf("delete bucket %s: %w", name, err)
	}
	r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, "BucketDeleted", "DeleteBucket", "Deleted bucket %s from the Region", name)
	return r.forget(ctx, s)
}

// forget removes the finalizer, letting the Bucket object go.
func (r *Reconciler) forget(ctx context.Context, s *bucketScope) (ctrl.Result, error) {
	if err := controllers.RemoveFinalizer(ctx, r.Client, s.bucket, kossv1alpha1.BucketFinalizer); err != nil {
		return ctrl.Result{}, err
	}
	s.gone = true
	return ctrl.Result{}, nil
}

// onlyDeletes passes delete events only.
var onlyDeletes = predicate.Funcs{
	CreateFunc:  func(event.CreateEvent) bool { return false },
	UpdateFunc:  func(event.UpdateEvent) bool { return false },
	DeleteFunc:  func(event.DeleteEvent) bool { return true },
	GenericFunc: func(event.GenericEvent) bool { return false },
}

// SetupWithManager registers the reconciler, its watches and options with mgr. Every
// injected dependency must be set. SetupIndexes must have registered the field indexes.
func (r *Reconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	if r.Client == nil || r.APIReader == nil || r.AdminClients == nil || r.Recorder == nil {
		return fmt.Errorf("bucket.Reconciler: Client, APIReader, AdminClients and Recorder must be set: %w", controllers.ErrMissingDependency)
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&kossv1alpha1.Bucket{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&kossv1alpha1.Region{}, handler.EnqueueRequestsFromMapFunc(r.regionToBuckets)).
		Watches(&kossv1alpha1.Bucket{}, handler.EnqueueRequestsFromMapFunc(r.bucketToCompetingBuckets), builder.WithPredicates(onlyDeletes)).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.namespaceToBuckets), builder.WithPredicates(predicate.LabelChangedPredicate{})).
		WithOptions(options).
		Named("bucket").
		Complete(r)
}

// bucketOwnerTag is the owner tag under which a Bucket object creates its bucket in the
// Region: <namespace>/<name>/<uid>. The uid makes a re-created object with the same name a
// different owner, so it can never take over a bucket left behind by Retain.
func bucketOwnerTag(b *kossv1alpha1.Bucket) string {
	return b.Namespace + "/" + b.Name + "/" + string(b.UID)
}

// regionToBuckets maps a Region to the Buckets that use it: their readiness follows the
// Region's.
func (r *Reconciler) regionToBuckets(ctx context.Context, obj client.Object) []reconcile.Request {
	var list kossv1alpha1.BucketList
	if err := r.Client.List(ctx, &list, client.MatchingFields{controllers.BucketRegionIndex: controllers.RegionKey(obj.GetNamespace(), obj.GetName())}); err != nil {
		return nil
	}
	return controllers.RequestsFor(list.Items)
}

// bucketToCompetingBuckets maps a Bucket to the other Buckets that claim the same bucket
// name in any Region, so that when one goes away the next may take the name.
func (r *Reconciler) bucketToCompetingBuckets(ctx context.Context, obj client.Object) []reconcile.Request {
	b, ok := obj.(*kossv1alpha1.Bucket)
	if !ok {
		return nil
	}
	var list kossv1alpha1.BucketList
	if err := r.Client.List(ctx, &list, client.MatchingFields{controllers.BucketClaimIndex: controllers.BucketClaimKey(b)}); err != nil {
		return nil
	}
	others := slices.DeleteFunc(list.Items, func(o kossv1alpha1.Bucket) bool { return o.UID == b.UID })
	return controllers.RequestsFor(others)
}

// namespaceToBuckets maps a Namespace to its Buckets: a label change may allow or forbid
// them a Region (spec.bucketNamespaces).
func (r *Reconciler) namespaceToBuckets(ctx context.Context, obj client.Object) []reconcile.Request {
	var list kossv1alpha1.BucketList
	if err := r.Client.List(ctx, &list, client.InNamespace(obj.GetName())); err != nil {
		return nil
	}
	return controllers.RequestsFor(list.Items)
}
