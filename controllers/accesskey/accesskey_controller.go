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

package accesskey

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

// DefaultResyncInterval is how often an issued key is checked against its Region, which no
// Kubernetes event reports (e.g. a Region restored from an old backup).
const DefaultResyncInterval = 10 * time.Minute

// Reconciler reconciles an AccessKey into a key registered in its Region, an owned Secret
// with its credentials and, with spec.workloadIdentity, an owned ConfigMap with what a pod
// needs to exchange its ServiceAccount token instead.
type Reconciler struct {
	// Client reads from the manager's cache and writes to the API server.
	Client client.Client
	// APIReader reads from the API server directly. A Secret the cache does not hold is
	// looked up there before a key pair is generated (the cache holds only labelled Secrets,
	// and may lag behind a write), so a pair is never generated twice and a Secret that is
	// not the operator's is never overwritten.
	APIReader client.Reader
	// AdminClients gives the admin API client of a Region.
	AdminClients controllers.AdminClientFactory
	// Recorder records Events on AccessKeys (key ids only, never secrets).
	Recorder events.EventRecorder
	// ResyncInterval is how often an issued key is checked; zero means
	// DefaultResyncInterval.
	ResyncInterval time.Duration
	// Now is the clock of rotations; nil means time.Now.
	Now func() time.Time
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// accessKeyScope is the state of one reconcile pass of an AccessKey.
type accessKeyScope struct {
	// key is the object being reconciled; its status is written once, at the end.
	key *kossv1alpha1.AccessKey
	// before is key as read, after the finalizer was ensured.
	before *kossv1alpha1.AccessKey
	// region is the referenced Region. It is set by reconcileRegion when the Region may be
	// used.
	region *kossv1alpha1.Region
	// admin is the Region's admin API client. It is set by reconcileRegion with region.
	admin adminclient.Interface
	// grants are the key's grants, sorted by bucket, and firstBucket the bucket name of the
	// first grant in spec order. They are set by reconcileGrants.
	grants      []adminapi.Grant
	firstBucket string
	// pair is the key pair. It is set by reconcileCredentials: read back from the Secret,
	// or generated when there is none.
	pair *controllers.KeyPair
	// rotation is the pair's rotation state (rotation.go). It is set by
	// reconcileCredentials with pair.
	rotation *rotationState
	// rotateTo is the pair that replaces pair in this pass (rotateIfDue), with its state;
	// reconcileSecret registers it before the Secret names it.
	rotateTo      *controllers.KeyPair
	rotateToState *rotationState
	rotateWhy     string
	// observed collects what the phases saw, for setAccessKeyStatus.
	observed accessKeyObservation
	// gone is true once the finalizer was removed: the object may no longer exist.
	gone bool
}

// +kubebuilder:rbac:groups=koss.io,resources=accesskeys,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=koss.io,resources=accesskeys/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=koss.io,resources=accesskeys/finalizers,verbs=update
// +kubebuilder:rbac:groups=koss.io,resources=buckets,verbs=get;list;watch
// +kubebuilder:rbac:groups=koss.io,resources=regions,verbs=get;list;watch
// +kubebuilder:rbac:groups=core,resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=core,resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=core,resources=configmaps,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile issues the AccessKey's key with its grants and writes its Secret, or revokes
// the key when the AccessKey is being deleted.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, reterr error) {
	key := &kossv1alpha1.AccessKey{}
	if err := r.Client.Get(ctx, req.NamespacedName, key); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// The For predicate drops metadata-only events, so the pass goes on after adding the
	// finalizer instead of waiting for the update (see region.Reconciler.Reconcile).
	if _, err := controllers.EnsureFinalizer(ctx, r.Client, key, kossv1alpha1.AccessKeyFinalizer); err != nil {
		return ctrl.Result{}, err
	}
	s := &accessKeyScope{key: key, before: key.DeepCopy()}
	defer func() {
		reterr = errors.Join(reterr, r.patchStatus(ctx, s, reterr))
		if reterr != nil {
			res = ctrl.Result{} // a failed status write fails the pass: no requeue interval beside it (RunPhases)
		}
	}()

	if !key.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, s)
	}
	return controllers.RunPhases(ctx, s,
		r.reconcileRegion,
		r.reconcileGrants,
		r.reconcileCredentials,
		r.reconcileSecret,
		r.reconcileKey,
		r.reconcileWorkloadIdentity,
	)
}

// patchStatus writes the status derived from the pass when it changed.
func (r *Reconciler) patchStatus(ctx context.Context, s *accessKeyScope, reterr error) error {
	if s.gone {
		return nil
	}
	s.observed.rotation = s.rotation
	setAccessKeyStatus(s.key, s.observed)
	if reterr == nil {
		s.key.Status.ObservedGeneration = s.key.Generation
	}
	return controllers.PatchStatus(ctx, r.Client, s.before, s.key, s.before.Status, s.key.Status)
}

// reconcileRegion checks that the AccessKey may use its Region and gets its admin client.
func (r *Reconciler) reconcileRegion(ctx context.Context, s *accessKeyScope) (ctrl.Result, error) {
	k := s.key
	region, use, err := controllers.UseRegion(ctx, r.Client, k.Spec.RegionRef.NamespacedName(k.Namespace), k.Namespace)
	if err != nil {
		return ctrl.Result{}, err
	}
	s.observed.region = use
	if !use.Usable() {
		return ctrl.Result{}, nil // the Region's and the Namespace's watches bring us back
	}
	if s.admin, err = controllers.AdminClientFor(ctx, r.Client, r.APIReader, r.AdminClients, region); err != nil {
		return ctrl.Result{}, err
	}
	s.region = region
	return ctrl.Result{}, nil
}

// reconcileGrants resolves spec.buckets. A name is looked up in the AccessKey's own
// namespace only, so a team can never grant itself another namespace's bucket; and only a
// Provisioned Bucket of the same Region is granted, because only a Provisioned Bucket owns
// its bucket name (a Bucket refused with BucketAlreadyExists must not open someone else's
// bucket). Grants follow Provisioned, not Ready: Provisioned holds while the Region is away,
// so a Region outage or failover never takes a key's access away.
func (r *Reconciler) reconcileGrants(ctx context.Context, s *accessKeyScope) (ctrl.Result, error) {
	if s.region == nil {
		return ctrl.Result{}, nil
	}
	k := s.key
	regionRef := k.Spec.RegionRef.NamespacedName(k.Namespace)
	for _, g := range k.Spec.Buckets {
		b := &kossv1alpha1.Bucket{}
		if err := r.Client.Get(ctx, types.NamespacedName{Namespace: k.Namespace, Name: g.Name}, b); err != nil {
			if apierrors.IsNotFound(err) {
				s.observed.missingBuckets = append(s.observed.missingBuckets, g.Name)
				continue
			}
			return ctrl.Result{}, fmt.Errorf("get Bucket %s/%s: %w", k.Namespace, g.Name, err)
		}
		switch {
		case b.Spec.RegionRef.NamespacedName(b.Namespace) != regionRef:
			s.observed.otherRegionBuckets = append(s.observed.otherRegionBuckets, g.Name)
		case !b.IsProvisioned() || !b.DeletionTimestamp.IsZero():
			s.observed.unprovisionedBuckets = append(s.observed.unprovisionedBuckets, g.Name)
		default:
			s.grants = append(s.grants, adminapi.Grant{Bucket: b.BucketName(), Access: adminapi.Access(g.Access)})
			if s.firstBucket == "" {
				s.firstBucket = b.BucketName()
			}
		}
	}
	slices.SortFunc(s.grants, func(a, b adminapi.Grant) int { return strings.Compare(a.Bucket, b.Bucket) })
	s.observed.grants = len(s.grants)
	return ctrl.Result{}, nil
}

// reconcileCredentials finds the key pair: the Secret is its source of truth, so a pair is
// read back from it whenever it exists, and generated only when it does not. A Secret of
// that name that this AccessKey does not control is left alone and reported.
func (r *Reconciler) reconcileCredentials(ctx context.Context, s *accessKeyScope) (ctrl.Result, error) {
	if s.region == nil {
		return ctrl.Result{}, nil // a key is issued only where it can be registered
	}
	secret, err := r.getSecret(ctx, s.key)
	if err != nil {
		return ctrl.Result{}, err
	}
	if secret != nil {
		if !metav1.IsControlledBy(secret, s.key) {
			s.observed.secretConflict = secret.Name
			return ctrl.Result{}, nil
		}
		if pair, ok := keyPairFromSecret(secret); ok {
			return ctrl.Result{}, r.rotateIfDue(ctx, s, pair, rotationFromSecret(secret))
		}
	}
	pair, err := controllers.NewKeyPair(controllers.AccessKeyIDPrefix)
	if err != nil {
		return ctrl.Result{}, err
	}
	ctrl.LoggerFrom(ctx).Info("Generated a key pair", "accessKeyId", pair.ID())
	s.pair = &pair
	// A first pair answers the rotate annotation already there.
	s.rotation = &rotationState{issuedAt: r.now(), handledRequest: s.key.Annotations[kossv1alpha1.RotateAnnotation]}
	return ctrl.Result{}, nil
}

// rotateIfDue keeps the Secret's pair, or replaces it when a rotation is due. A previous
// key whose overlap ended is revoked first, and so is one still in its overlap when the
// pair rotates again (there is one previous key at most): both before the Secret stops
// naming it, so no registered key is ever forgotten.
func (r *Reconciler) rotateIfDue(ctx context.Context, s *accessKeyScope, pair controllers.KeyPair, st rotationState) error {
	now := r.now()
	if st.pendingID != "" {
		// A rotation stopped between registering its pair and writing it: the pair's
		// secret was never kept, so the key is held by no one.
		if st.pendingID != pair.ID() {
			if err := r.retire(ctx, s, st.pendingID, "a rotation was interrupted before its pair reached the Secret"); err != nil {
				return err
			}
		}
		st.pendingID = ""
	}
	if st.previousID != "" && !now.Before(st.retiresAt) {
		if err := r.retire(ctx, s, st.previousID, "its overlap ended"); err != nil {
			return err
		}
		st.previousID, st.retiresAt = "", time.Time{}
	}
	why := rotationDue(s.key, st, now)
	if why == "" {
		s.pair, s.rotation = &pair, &st
		return nil
	}
	if st.previousID != "" {
		if err := r.retire(ctx, s, st.previousID, "the pair rotated again within its overlap"); err != nil {
			return err
		}
	}
	next, err := controllers.NewKeyPair(controllers.AccessKeyIDPrefix)
	if err != nil {
		return err
	}
	overlap := s.key.Spec.Rotation.OverlapDuration()
	st.previousID, st.retiresAt = "", time.Time{}
	s.pair, s.rotation = &pair, &st
	s.rotateTo = &next
	s.rotateToState = &rotationState{issuedAt: now, previousID: pair.ID(), retiresAt: now.Add(overlap),
		handledRequest: s.key.Annotations[kossv1alpha1.RotateAnnotation]}
	ctrl.LoggerFrom(ctx).Info("Rotating the key pair", "accessKeyId", next.ID(), "previousAccessKeyId", pair.ID(), "overlap", overlap, "why", why)
	s.rotateWhy = why
	return nil
}

// completeRotation swaps in the pair rotateIfDue made, in three steps, so that a client
// that reloads the Secret never reads a pair the Region does not know yet: the Secret first
// names the new key as pending (keeping the old pair), then the key is registered with
// the grants, then the Secret gets the new pair with the old key as previous. A pass cut
// short after the first or second step leaves a pending id, which the next pass revokes
// before it rotates again.
func (r *Reconciler) completeRotation(ctx context.Context, s *accessKeyScope, content accessKeySecretContent) error {
	next, st := *s.rotateTo, *s.rotateToState
	pending := *s.rotation
	pending.pendingID = next.ID()
	content.annotations = pending.annotations()
	if err := controllers.ApplyOwned(ctx, r.Client, desiredAccessKeySecret(s.key, *s.pair, content)); err != nil {
		return fmt.Errorf("apply Secret %s: %w", s.key.SecretName(), err)
	}
	if _, err := s.admin.CreateAccessKey(ctx, adminapi.CreateKeyRequest{AccessKeyID: next.ID(), AccessKeySecret: next.Secret(), Grants: s.grants}); err != nil {
		s.observed.engineErr = err
		return fmt.Errorf("register rotated key %s: %w", next.ID(), err)
	}
	s.pair, s.rotation = &next, &st
	s.rotateTo, s.rotateToState = nil, nil
	r.Recorder.Eventf(s.key, nil, corev1.EventTypeNormal, "KeyRotated", "RotateKey",
		"Rotated to key %s because %s; the previous key %s keeps working until %s", next.ID(), s.rotateWhy, st.previousID,
		st.retiresAt.UTC().Format(time.RFC3339))
	return nil
}

// retire revokes a previous key and says so in an event.
func (r *Reconciler) retire(ctx context.Context, s *accessKeyScope, id, why string) error {
	if s.admin == nil {
		return fmt.Errorf("retire key %s: no admin client", id)
	}
	err := s.admin.DeleteAccessKey(ctx, id)
	switch {
	case adminclient.IsNotFound(err):
		return nil // gone already: nothing to record again
	case err != nil:
		s.observed.engineErr = err
		return fmt.Errorf("retire key %s: %w", id, err)
	}
	ctrl.LoggerFrom(ctx).Info("Retired the previous access key", "accessKeyId", id, "why", why)
	r.Recorder.Eventf(s.key, nil, corev1.EventTypeNormal, "KeyRetired", "RetireKey", "Revoked the previous key %s: %s", id, why)
	return nil
}

// reconcileSecret applies the credentials Secret. It is written before the key is
// registered: should registration fail, the next pass registers the same pair again
// instead of leaving a key nobody holds.
func (r *Reconciler) reconcileSecret(ctx context.Context, s *accessKeyScope) (ctrl.Result, error) {
	if s.pair == nil {
		return ctrl.Result{}, nil
	}
	// A TLS Region's CA goes with its endpoint: the Secret is all a client needs. The CA is
	// read on every pass, so a CA that cert-manager rotates reaches the Secret with the
	// next pass (the Region's changes and the resync interval bring one).
	ca, err := controllers.RegionCABundle(ctx, r.Client, r.APIReader, s.region)
	if err != nil {
		return ctrl.Result{}, err
	}
	content := accessKeySecretContent{
		endpoint: controllers.RegionInternalEndpoint(s.region),
		region:   s.region.Name,
		bucket:   s.firstBucket,
		caPEM:    ca,
	}
	if s.rotateTo != nil {
		if err := r.completeRotation(ctx, s, content); err != nil {
			return ctrl.Result{}, err
		}
	}
	if s.rotation != nil {
		content.annotations = s.rotation.annotations()
	}
	if err := controllers.ApplyOwned(ctx, r.Client, desiredAccessKeySecret(s.key, *s.pair, content)); err != nil {
		return ctrl.Result{}, fmt.Errorf("apply Secret %s: %w", s.key.SecretName(), err)
	}
	s.observed.secretWritten = true
	return ctrl.Result{}, nil
}

// reconcileKey registers the pair with its grants, or updates the grants of a registered
// key when they differ. A key id in the status that is not the Secret's any more (the
// Secret was deleted, so a new pair was made) is revoked: the old pair is no longer held
// by anyone it was issued to.
func (r *Reconciler) reconcileKey(ctx context.Context, s *accessKeyScope) (ctrl.Result, error) {
	if s.pair == nil || !s.observed.secretWritten {
		return ctrl.Result{}, nil
	}
	log := ctrl.LoggerFrom(ctx)
	id := s.pair.ID()
	got, err := s.admin.GetAccessKey(ctx, id)
	switch {
	case adminclient.IsNotFound(err):
		log.Info("Registering access key", "accessKeyId", id, "grants", len(s.grants))
		if _, err := s.admin.CreateAccessKey(ctx, adminapi.CreateKeyRequest{AccessKeyID: id, AccessKeySecret: s.pair.Secret(), Grants: s.grants}); err != nil {
			s.observed.engineErr = err
			return ctrl.Result{}, fmt.Errorf("register key %s: %w", id, err)
		}
		r.Recorder.Eventf(s.key, nil, corev1.EventTypeNormal, "KeyIssued", "IssueKey",
			"Issued access key %s with %d grants into Secret %s", id, len(s.grants), s.key.SecretName())
	case err != nil:
		s.observed.engineErr = err
		return ctrl.Result{}, fmt.Errorf("get key %s: %w", id, err)
	default:
		if sameGrants(got.Grants, s.grants) {
			break
		}
		log.Info("Updating access key grants", "accessKeyId", id, "grants", len(s.grants))
		if _, err := s.admin.SetGrants(ctx, id, s.grants); err != nil {
			s.observed.engineErr = err
			return ctrl.Result{}, fmt.Errorf("set grants of key %s: %w", id, err)
		}
	}
	s.observed.keyID = id
	var previous string
	if s.rotation != nil {
		previous = s.rotation.previousID
	}
	if previous != "" {
		// The previous key keeps the same grants through its overlap.
		if err := r.syncPreviousGrants(ctx, s, previous); err != nil {
			return ctrl.Result{}, err
		}
	}
	if old := s.key.Status.AccessKeyID; old != "" && old != id && old != previous {
		if err := r.revoke(ctx, s, old); err != nil {
			return ctrl.Result{}, err
		}
	}
	resync := r.ResyncInterval
	if resync <= 0 {
		resync = DefaultResyncInterval
	}
	if s.rotation != nil {
		if d, ok := untilNextEvent(s.key, *s.rotation, r.now()); ok {
			resync = min(resync, d)
		}
	}
	return ctrl.Result{RequeueAfter: resync}, nil
}

// syncPreviousGrants gives a previous key in its overlap the current grants.
func (r *Reconciler) syncPreviousGrants(ctx context.Context, s *accessKeyScope, id string) error {
	got, err := s.admin.GetAccessKey(ctx, id)
	switch {
	case adminclient.IsNotFound(err):
		return nil // revoked around the operator: nothing to keep working
	case err != nil:
		s.observed.engineErr = err
		return fmt.Errorf("get previous key %s: %w", id, err)
	case sameGrants(got.Grants, s.grants):
		return nil
	}
	if _, err := s.admin.SetGrants(ctx, id, s.grants); err != nil {
		s.observed.engineErr = err
		return fmt.Errorf("set grants of previous key %s: %w", id, err)
	}
	return nil
}

// sameGrants compares a key's grants with the wanted ones (sorted by bucket).
func sameGrants(have, want []adminapi.Grant) bool {
	have = slices.Clone(have)
	slices.SortFunc(have, func(a, b adminapi.Grant) int { return strings.Compare(a.Bucket, b.Bucket) })
	return slices.Equal(have, want)
}

// reconcileDelete revokes the key before the AccessKey goes (its Secret then goes by
// garbage collection). Without a Region there is nothing left to revoke.
func (r *Reconciler) reconcileDelete(ctx context.Context, s *accessKeyScope) (ctrl.Result, error) {
	log := ctrl.LoggerFrom(ctx)
	s.observed.deleting = true
	k := s.key
	id, previous := k.Status.AccessKeyID, k.Status.PreviousAccessKeyID
	secret, err := r.getSecret(ctx, k)
	if err != nil {
		return ctrl.Result{}, err
	}
	if secret != nil && metav1.IsControlledBy(secret, k) {
		if id == "" {
			pair, _ := keyPairFromSecret(secret)
			id = pair.ID()
		}
		// The Secret names the previous key even when the status write of its rotation
		// did not happen.
		if p := rotationFromSecret(secret).previousID; p != "" {
			previous = p
		}
	}
	if id == "" && previous == "" {
		return r.forget(ctx, s)
	}
	region, err := controllers.GetRegion(ctx, r.Client, k.Spec.RegionRef.NamespacedName(k.Namespace))
	if err != nil {
		return ctrl.Result{}, err
	}
	if region == nil {
		log.Info("Region is gone, nothing to revoke", "accessKeyId", id)
		return r.forget(ctx, s)
	}
	if s.admin, err = controllers.AdminClientFor(ctx, r.Client, r.APIReader, r.AdminClients, region); err != nil {
		return ctrl.Result{}, err
	}
	for _, kid := range []string{previous, id} {
		if kid == "" {
			continue
		}
		if err := r.revoke(ctx, s, kid); err != nil {
			return ctrl.Result{}, err
		}
	}
	return r.forget(ctx, s)
}

// revoke deletes key id from the Region (a missing key is revoked already).
func (r *Reconciler) revoke(ctx context.Context, s *accessKeyScope, id string) error {
	ctrl.LoggerFrom(ctx).Info("Revoking access key", "accessKeyId", id)
	if err := s.admin.DeleteAccessKey(ctx, id); err != nil && !adminclient.IsNotFound(err) {
		s.observed.engineErr = err
		return fmt.Errorf("revoke key %s: %w", id, err)
	}
	r.Recorder.Eventf(s.key, nil, corev1.EventTypeNormal, "KeyRevoked", "RevokeKey", "Revoked access key %s", id)
	return nil
}

// forget removes the finalizer, letting the AccessKey go.
func (r *Reconciler) forget(ctx context.Context, s *accessKeyScope) (ctrl.Result, error) {
	if err := controllers.RemoveFinalizer(ctx, r.Client, s.key, kossv1alpha1.AccessKeyFinalizer); err != nil {
		return ctrl.Result{}, err
	}
	s.gone = true
	return ctrl.Result{}, nil
}

// getSecret reads the AccessKey's Secret (see getOrNil: the cache holds only labelled
// Secrets); nil when it does not exist.
func (r *Reconciler) getSecret(ctx context.Context, k *kossv1alpha1.AccessKey) (*corev1.Secret, error) {
	key := types.NamespacedName{Namespace: k.Namespace, Name: k.SecretName()}
	secret, err := controllers.GetOrNil[corev1.Secret](ctx, r.Client, r.APIReader, key)
	if err != nil {
		return nil, fmt.Errorf("get Secret %s: %w", klog.KRef(key.Namespace, key.Name), err)
	}
	return secret, nil
}

// SetupWithManager registers the reconciler, its watches and options with mgr. Every
// injected dependency must be set. SetupIndexes must have registered the field indexes.
func (r *Reconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	if r.Client == nil || r.APIReader == nil || r.AdminClients == nil || r.Recorder == nil {
		return fmt.Errorf("accesskey.Reconciler: Client, APIReader, AdminClients and Recorder must be set: %w", controllers.ErrMissingDependency)
	}
	return ctrl.NewControllerManagedBy(mgr).
		// Annotations too: koss.io/rotate asks for a rotation.
		For(&kossv1alpha1.AccessKey{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&corev1.Secret{}).
		Owns(&corev1.ConfigMap{}).
		Watches(&kossv1alpha1.Region{}, handler.EnqueueRequestsFromMapFunc(r.regionToAccessKeys)).
		Watches(&kossv1alpha1.Bucket{}, handler.EnqueueRequestsFromMapFunc(r.bucketToAccessKeys)).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.namespaceToAccessKeys), builder.WithPredicates(predicate.LabelChangedPredicate{})).
		WithOptions(options).
		Named("accesskey").
		Complete(r)
}

// regionToAccessKeys maps a Region to the AccessKeys it issues.
func (r *Reconciler) regionToAccessKeys(ctx context.Context, obj client.Object) []reconcile.Request {
	var list kossv1alpha1.AccessKeyList
	if err := r.Client.List(ctx, &list, client.MatchingFields{controllers.AccessKeyRegionIndex: controllers.RegionKey(obj.GetNamespace(), obj.GetName())}); err != nil {
		return nil
	}
	return controllers.RequestsFor(list.Items)
}

// bucketToAccessKeys maps a Bucket to the AccessKeys of its namespace that are granted it:
// a grant follows the Bucket's Provisioned condition and bucket name.
func (r *Reconciler) bucketToAccessKeys(ctx context.Context, obj client.Object) []reconcile.Request {
	var list kossv1alpha1.AccessKeyList
	if err := r.Client.List(ctx, &list, client.InNamespace(obj.GetNamespace()), client.MatchingFields{controllers.AccessKeyBucketIndex: obj.GetName()}); err != nil {
		return nil
	}
	return controllers.RequestsFor(list.Items)
}

// namespaceToAccessKeys maps a Namespace to its AccessKeys: a label change may allow or
// forbid them a Region (spec.bucketNamespaces).
func (r *Reconciler) namespaceToAccessKeys(ctx context.Context, obj client.Object) []reconcile.Request {
	var list kossv1alpha1.AccessKeyList
	if err := r.Client.List(ctx, &list, client.InNamespace(obj.GetName())); err != nil {
		return nil
	}
	return controllers.RequestsFor(list.Items)
}
