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
	"errors"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
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
	"github.com/koss-io/koss/controllers/region/scale"
	"github.com/koss-io/koss/storage/adminclient"
)

// Intervals of the Region reconciler.
const (
	// DefaultHealthInterval is how often a steady Region's admin API is asked for the
	// cluster's health, which no Kubernetes event reports.
	DefaultHealthInterval = 60 * time.Second
	// startingInterval is how often a starting Region is polled until it first answers.
	startingInterval = 5 * time.Second
	// degradedInterval is how often a Region with a full disk or objects short of their
	// copies is polled, when HealthInterval is longer.
	degradedInterval = 15 * time.Second
	// DefaultScalingInterval is how often a membership change in progress is polled.
	DefaultScalingInterval = 10 * time.Second
)

// Reconciler reconciles a Region into its Services, StatefulSet, PodDisruptionBudget,
// root-key and workload identity Secrets, and reports the cluster's health.
type Reconciler struct {
	// Client reads from the manager's cache and writes to the API server.
	Client client.Client
	// APIReader reads from the API server directly; used to confirm that an object the
	// cache does not hold really does not exist before making it (a root key is never made
	// twice).
	APIReader client.Reader
	// AdminClients gives the admin API client of a Region.
	AdminClients controllers.AdminClientFactory
	// Recorder records Events on Regions.
	Recorder events.EventRecorder
	// DefaultImage is the kossd image of Regions that do not set spec.image.
	DefaultImage string
	// HealthInterval is how often a steady Region's health is polled; zero means
	// DefaultHealthInterval.
	HealthInterval time.Duration
	// ScalingInterval is how often a membership change in progress is polled; zero means
	// DefaultScalingInterval.
	ScalingInterval time.Duration
	// CertValidity is the lifetime of the certificates the operator issues from a Region's
	// CA; zero means DefaultCertValidity.
	CertValidity time.Duration
	// RenewBefore is how long before expiry a certificate is re-issued; zero means when a
	// third of its lifetime is left.
	RenewBefore time.Duration
	// Now is the clock of certificate issuance; nil means time.Now. Tests move it.
	Now func() time.Time
	// Issuer gives the cluster's ServiceAccount issuer and keys for the Regions' identity
	// files (workload identity). nil: SetupWithManager makes an IssuerFetcher of the
	// manager's API server; a reconciler that was not set up fetches nothing and keeps
	// what the identity Secrets already say.
	Issuer controllers.IssuerSource
}

// regionScope is the state of one reconcile pass of a Region.
type regionScope struct {
	// region is the object being reconciled; its status is written once, at the end.
	region *kossv1alpha1.Region
	// before is region as read, after the finalizer was ensured; the status patch is
	// computed against it.
	before *kossv1alpha1.Region
	// rootKey is the root-key Secret, or rootKeyErr why there is none. They are set by
	// reconcileRootKey.
	rootKey    *corev1.Secret
	rootKeyErr error
	// admin is the Region's admin API client. It is set by reconcileClusterStatus.
	admin adminclient.Interface
	// observed collects what the phases saw, for setRegionStatus: clientService is set by
	// reconcileServices, cluster/clusterErr by reconcileClusterStatus, statefulSet and scale
	// by reconcileStatefulSet.
	observed regionObservation
	// bucketsInUse are the Buckets (namespace/name) that block a deletion. It is set by
	// reconcileDelete.
	bucketsInUse []string
	// gone is true once the finalizer was removed: the object may no longer exist.
	gone bool
}

// +kubebuilder:rbac:groups=koss.io,resources=regions,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=koss.io,resources=regions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=koss.io,resources=regions/finalizers,verbs=update
// +kubebuilder:rbac:groups=koss.io,resources=buckets,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=core,resources=services,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=core,resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=koss.io,resources=accesskeys,verbs=get;list;watch
// +kubebuilder:rbac:urls=/.well-known/openid-configuration;/openid/v1/jwks,verbs=get

// Reconcile moves a Region towards its spec and reports what it found.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, reterr error) {
	region := &kossv1alpha1.Region{}
	if err := r.Client.Get(ctx, req.NamespacedName, region); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// cluster-api returns right after adding a finalizer and waits for the update event;
	// the For predicate here drops metadata-only events, so the pass goes on instead.
	if _, err := controllers.EnsureFinalizer(ctx, r.Client, region, kossv1alpha1.RegionFinalizer); err != nil {
		return ctrl.Result{}, err
	}
	s := &regionScope{region: region, before: region.DeepCopy()}
	defer func() {
		reterr = errors.Join(reterr, r.patchStatus(ctx, s, reterr))
		if reterr != nil {
			res = ctrl.Result{} // a failed status write fails the pass: no requeue interval beside it (RunPhases)
		}
	}()

	if !region.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, s)
	}
	return controllers.RunPhases(ctx, s,
		r.reconcileRootKey,
		// The Services first: the certificate names the client Service's IPs too.
		r.reconcileServices,
		r.reconcileTLS,
		r.reconcileWorkloadIdentity,
		r.reconcileClusterStatus,
		r.reconcileStatefulSet,
		r.reconcilePodDisruptionBudget,
		r.reconcileNetworkPolicy,
	)
}

// patchStatus derives the status from the pass's observations and writes it when it
// changed. observedGeneration moves only when the pass succeeded.
func (r *Reconciler) patchStatus(ctx context.Context, s *regionScope, reterr error) error {
	if s.gone {
		return nil
	}
	if s.region.DeletionTimestamp.IsZero() {
		setRegionStatus(s.region, s.observed)
		r.eventOnStorageFull(s)
	} else {
		setRegionDeletingCondition(s.region, s.bucketsInUse)
	}
	if reterr == nil {
		s.region.Status.ObservedGeneration = s.region.Generation
	}
	return controllers.PatchStatus(ctx, r.Client, s.before, s.region, s.before.Status, s.region.Status)
}

// eventOnStorageFull records a Warning when the Degraded condition turns to StorageFull, and
// a Normal event when it leaves it, so that the moment a member's disk filled up (and was
// freed) stays in the Region's events after the condition moved on.
func (r *Reconciler) eventOnStorageFull(s *regionScope) {
	was := meta.FindStatusCondition(s.before.Status.Conditions, kossv1alpha1.RegionDegradedCondition)
	now := meta.FindStatusCondition(s.region.Status.Conditions, kossv1alpha1.RegionDegradedCondition)
	wasFull := was != nil && was.Reason == kossv1alpha1.RegionStorageFullReason
	nowFull := now != nil && now.Reason == kossv1alpha1.RegionStorageFullReason
	switch {
	case nowFull && !wasFull:
		r.Recorder.Eventf(s.region, nil, corev1.EventTypeWarning, kossv1alpha1.RegionStorageFullReason, "CheckDisks", "%s", now.Message)
	case wasFull && !nowFull && s.observed.cluster != nil:
		r.Recorder.Eventf(s.region, nil, corev1.EventTypeNormal, "StorageAvailable", "CheckDisks",
			"No member's disk is full any longer; writes are taken everywhere again")
	}
}

// reconcileRootKey makes sure the Region has its root key. The key is generated once, with
// crypto/rand, into an immutable Secret, and only while the Region has no StatefulSet:
// afterwards a missing Secret is reported, never silently replaced. A Secret of that name
// made by someone else (a restored key) is adopted as it is: labelled and owned, its data
// untouched.
func (r *Reconciler) reconcileRootKey(ctx context.Context, s *regionScope) (_ ctrl.Result, reterr error) {
	defer func() { s.rootKeyErr = reterr }()
	log := ctrl.LoggerFrom(ctx)
	secret, err := controllers.GetRootKey(ctx, r.Client, r.APIReader, s.region)
	if err != nil {
		return ctrl.Result{}, err
	}
	name := types.NamespacedName{Namespace: s.region.Namespace, Name: controllers.RootKeySecretName(s.region)}
	if secret != nil {
		if _, _, err := controllers.RootCredentials(secret); err != nil {
			return ctrl.Result{}, err
		}
		if secret.Labels[controllers.LabelManagedBy] != controllers.FieldOwner {
			log.Info("Adopting root-key Secret", "Secret", klog.KRef(name.Namespace, name.Name))
			if err := r.apply(ctx, rootKeySecretAdoption(s.region)); err != nil {
				return ctrl.Result{}, fmt.Errorf("adopt root-key Secret %s: %w", name, err)
			}
		}
		s.rootKey = secret
		return ctrl.Result{}, nil
	}
	sts, err := r.getStatefulSet(ctx, s.region)
	if err != nil {
		return ctrl.Result{}, err
	}
	if sts != nil {
		r.Recorder.Eventf(s.region, nil, corev1.EventTypeWarning, "RootKeyMissing", "CheckRootKey",
			"Root-key Secret %s is missing while the StatefulSet exists; the operator will not replace the key by itself", name.Name)
		return ctrl.Result{}, fmt.Errorf("region %s: %w", name, controllers.ErrRootKeyMissing)
	}
	key, err := controllers.NewKeyPair(controllers.RootKeyIDPrefix)
	if err != nil {
		return ctrl.Result{}, err
	}
	log.Info("Creating root-key Secret", "Secret", klog.KRef(name.Namespace, name.Name), "accessKeyId", key.ID())
	if err := r.apply(ctx, desiredRootKeySecret(s.region, key)); err != nil {
		return ctrl.Result{}, fmt.Errorf("create root-key Secret %s: %w", name, err)
	}
	r.Recorder.Eventf(s.region, nil, corev1.EventTypeNormal, "RootKeyCreated", "CreateRootKey",
		"Generated the root key %s into Secret %s", key.ID(), name.Name)
	s.rootKey = &corev1.Secret{Data: map[string][]byte{
		controllers.SecretKeyAccessKeyID:     []byte(key.ID()),
		controllers.SecretKeyAccessKeySecret: []byte(key.Secret()),
	}}
	s.rootKey.Name, s.rootKey.Namespace = name.Name, name.Namespace
	return ctrl.Result{}, nil
}

// reconcileServices applies the headless and the client Service.
func (r *Reconciler) reconcileServices(ctx context.Context, s *regionScope) (ctrl.Result, error) {
	if err := r.apply(ctx, desiredHeadlessService(s.region)); err != nil {
		return ctrl.Result{}, fmt.Errorf("apply headless Service: %w", err)
	}
	if err := r.apply(ctx, desiredClientService(s.region)); err != nil {
		return ctrl.Result{}, fmt.Errorf("apply client Service: %w", err)
	}
	// A cache miss right after creation is confirmed live: the certificate names the
	// Service's cluster IP (reconcileTLS), and issuing it once without would re-issue it on
	// the next pass.
	svc, err := controllers.GetOrNil[corev1.Service](ctx, r.Client, r.APIReader,
		types.NamespacedName{Namespace: s.region.Namespace, Name: controllers.ClientServiceName(s.region)})
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("get client Service: %w", err)
	}
	s.observed.clientService = svc
	return ctrl.Result{}, nil
}

// reconcileClusterStatus asks the admin API for the cluster's health. While the Region has
// never been Available its pods are still starting, so no answer is expected and it polls
// quietly; afterwards no answer is an error, retried with back-off.
func (r *Reconciler) reconcileClusterStatus(ctx context.Context, s *regionScope) (ctrl.Result, error) {
	if s.rootKey == nil {
		s.observed.clusterErr = s.rootKeyErr
		return ctrl.Result{}, nil
	}
	admin, err := controllers.NewRegionAdminClient(ctx, r.Client, r.APIReader, r.AdminClients, s.region, s.rootKey)
	if err != nil {
		s.observed.clusterErr = err
		return ctrl.Result{}, fmt.Errorf("admin client: %w", err)
	}
	s.admin = admin
	cs, err := admin.ClusterStatus(ctx)
	if err != nil {
		s.observed.clusterErr = err
		if neverAvailable(s.region) && controllers.EngineUnreachable(err) {
			return ctrl.Result{RequeueAfter: startingInterval}, nil
		}
		return ctrl.Result{}, fmt.Errorf("cluster status: %w", err)
	}
	s.observed.cluster = &cs
	interval := r.HealthInterval
	if interval <= 0 {
		interval = DefaultHealthInterval
	}
	if len(fullMembers(&cs)) > 0 || cs.UnderReplicated > 0 {
		// Followed closely, so the condition clears soon after space is freed or repair ends.
		interval = min(interval, degradedInterval)
	}
	return ctrl.Result{RequeueAfter: interval}, nil
}

// reconcileStatefulSet applies the StatefulSet, one scaling step at a time (scale.Plan):
// membership changes go through the admin API before the StatefulSet grows, and after the
// member's data was re-placed before it shrinks.
func (r *Reconciler) reconcileStatefulSet(ctx context.Context, s *regionScope) (ctrl.Result, error) {
	if s.rootKey == nil {
		return ctrl.Result{}, nil // the pods cannot start without their root key
	}
	log := ctrl.LoggerFrom(ctx)
	existing, err := r.getStatefulSet(ctx, s.region)
	if err != nil {
		return ctrl.Result{}, err
	}
	in := scale.Input{Desired: s.region.DesiredReplicas(), Cluster: s.observed.cluster,
		PodName: func(ordinal int32) string { return podName(s.region, ordinal) }}
	if existing != nil {
		in.Current = statefulSetReplicas(existing)
		in.ReadyReplicas = existing.Status.ReadyReplicas
		in.RolledOut = statefulSetRolledOut(existing)
	}
	d := scale.Plan(in)

	// scale.Plan asks for a membership change only from a cluster status, which only s.admin
	// answers, so s.admin is set whenever d.Action is. Every membership call is idempotent:
	// a failed step is simply repeated by a later pass.
	var stepErr error
	switch d.Action {
	case scale.NoAction:
	case scale.AddMember:
		name := podName(s.region, d.Member)
		log.Info("Adding member", "member", name, "peerAddress", peerAddress(s.region, d.Member))
		if err := s.admin.AddMember(ctx, name, peerAddress(s.region, d.Member)); err != nil {
			d.Replicas = in.Current
			d.Message = fmt.Sprintf("Adding member %s failed, retrying: %s", name, controllers.EngineErrorMessage(err))
			stepErr = fmt.Errorf("add member %s: %w", name, err)
		}
	case scale.DrainMember:
		name := podName(s.region, d.Member)
		log.Info("Draining member", "member", name)
		remaining, err := s.admin.DrainMember(ctx, name)
		switch {
		case err != nil:
			d.Message = fmt.Sprintf("Re-placing the data of member %s failed, retrying: %s", name, controllers.EngineErrorMessage(err))
			stepErr = fmt.Errorf("drain member %s: %w", name, err)
		case remaining > 0:
			d.Message = fmt.Sprintf("Re-placing the data of member %s before removing it: %d objects left", name, remaining)
		default:
			log.Info("Removing member", "member", name)
			if err := s.admin.RemoveMember(ctx, name); err != nil {
				d.Message = fmt.Sprintf("Removing member %s failed, retrying: %s", name, controllers.EngineErrorMessage(err))
				stepErr = fmt.Errorf("remove member %s: %w", name, err)
			} else {
				d.Message = fmt.Sprintf("Member %s left the cluster; its pod goes next", name)
			}
		}
	}
	var res ctrl.Result
	if d.Direction != scale.None {
		res.RequeueAfter = r.ScalingInterval
		if res.RequeueAfter <= 0 {
			res.RequeueAfter = DefaultScalingInterval
		}
	}
	s.observed.scale = d
	s.observed.statefulSet = existing

	if existing == nil || in.Current != d.Replicas {
		log.Info("Applying StatefulSet", "StatefulSet", klog.KRef(s.region.Namespace, statefulSetName(s.region)), "replicas", d.Replicas)
	}
	sts, err := desiredStatefulSet(s.region, regionImage(s.region, r.DefaultImage), d.Replicas)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("StatefulSet of the Region: %w", err)
	}
	if err := r.apply(ctx, sts); err != nil {
		return ctrl.Result{}, errors.Join(stepErr, fmt.Errorf("apply StatefulSet: %w", err))
	}
	if stepErr != nil {
		// A failed membership step is retried with the controller's back-off; the scaling
		// interval is for polling a step in progress, and controller-runtime would drop it
		// next to an error anyway.
		return ctrl.Result{}, stepErr
	}
	return res, nil
}

// reconcilePodDisruptionBudget applies the PodDisruptionBudget.
func (r *Reconciler) reconcilePodDisruptionBudget(ctx context.Context, s *regionScope) (ctrl.Result, error) {
	if err := r.apply(ctx, desiredPodDisruptionBudget(s.region)); err != nil {
		return ctrl.Result{}, fmt.Errorf("apply PodDisruptionBudget: %w", err)
	}
	return ctrl.Result{}, nil
}

// reconcileNetworkPolicy applies the NetworkPolicy when spec.networkPolicy.enabled and
// deletes it when not (it is owned, but must not outlive the switch being turned off).
func (r *Reconciler) reconcileNetworkPolicy(ctx context.Context, s *regionScope) (ctrl.Result, error) {
	if s.region.Spec.NetworkPolicy.Enabled {
		if err := r.apply(ctx, desiredNetworkPolicy(s.region)); err != nil {
			return ctrl.Result{}, fmt.Errorf("apply NetworkPolicy: %w", err)
		}
		return ctrl.Result{}, nil
	}
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: networkPolicyName(s.region), Namespace: s.region.Namespace}}
	if err := r.Client.Delete(ctx, np); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("delete NetworkPolicy: %w", err)
	}
	return ctrl.Result{}, nil
}

// reconcileDelete lets a Region go only when no Bucket (in any namespace) uses it, so that
// no bucket loses its Region under it. The owned objects then go by garbage collection;
// the volumes stay (the StatefulSet's retention policy), and with them the data of
// retained buckets.
func (r *Reconciler) reconcileDelete(ctx context.Context, s *regionScope) (ctrl.Result, error) {
	var buckets kossv1alpha1.BucketList
	if err := r.Client.List(ctx, &buckets, client.MatchingFields{controllers.BucketRegionIndex: controllers.RegionKey(s.region.Namespace, s.region.Name)}); err != nil {
		return ctrl.Result{}, fmt.Errorf("list Buckets of the Region: %w", err)
	}
	for _, b := range buckets.Items {
		s.bucketsInUse = append(s.bucketsInUse, b.Namespace+"/"+b.Name)
	}
	slices.Sort(s.bucketsInUse)
	if len(s.bucketsInUse) > 0 {
		ctrl.LoggerFrom(ctx).Info("Waiting for Buckets before deleting the Region", "buckets", len(s.bucketsInUse))
		return ctrl.Result{}, nil // bucketToRegion wakes the Region when one goes
	}
	ctrl.LoggerFrom(ctx).Info("Removing the Region's finalizer")
	if err := controllers.RemoveFinalizer(ctx, r.Client, s.region, kossv1alpha1.RegionFinalizer); err != nil {
		return ctrl.Result{}, err
	}
	s.gone = true
	return ctrl.Result{}, nil
}

// getStatefulSet reads the Region's StatefulSet; nil when it does not exist. A cache miss
// is confirmed against the API server (getOrNil): acting on a StatefulSet the cache has not
// seen yet would start the Region over (three replicas, a new root key).
func (r *Reconciler) getStatefulSet(ctx context.Context, region *kossv1alpha1.Region) (*appsv1.StatefulSet, error) {
	key := types.NamespacedName{Namespace: region.Namespace, Name: statefulSetName(region)}
	sts, err := controllers.GetOrNil[appsv1.StatefulSet](ctx, r.Client, r.APIReader, key)
	if err != nil {
		return nil, fmt.Errorf("get StatefulSet %s: %w", key, err)
	}
	return sts, nil
}

// apply writes an owned object (see applyOwned).
func (r *Reconciler) apply(ctx context.Context, obj runtime.ApplyConfiguration) error {
	return controllers.ApplyOwned(ctx, r.Client, obj)
}

// SetupWithManager registers the reconciler, its watches and options with mgr. Every
// injected dependency must be set. SetupIndexes must have registered the field indexes.
func (r *Reconciler) SetupWithManager(_ context.Context, mgr ctrl.Manager, options controller.Options) error {
	if r.Client == nil || r.APIReader == nil || r.AdminClients == nil || r.Recorder == nil || r.DefaultImage == "" {
		return fmt.Errorf("region.Reconciler: Client, APIReader, AdminClients, Recorder and DefaultImage must be set: %w", controllers.ErrMissingDependency)
	}
	if r.Issuer == nil {
		issuer, err := controllers.NewIssuerFetcher(mgr.GetConfig())
		if err != nil {
			return fmt.Errorf("region.Reconciler: %w", err)
		}
		r.Issuer = issuer
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&kossv1alpha1.Region{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&appsv1.StatefulSet{}).
		Owns(&corev1.Service{}).
		Owns(&policyv1.PodDisruptionBudget{}).
		Owns(&networkingv1.NetworkPolicy{}).
		Owns(&corev1.Secret{}).
		Watches(&kossv1alpha1.Bucket{}, handler.EnqueueRequestsFromMapFunc(r.bucketToRegion)).
		Watches(&kossv1alpha1.AccessKey{}, handler.EnqueueRequestsFromMapFunc(r.accessKeyToRegion), builder.WithPredicates(accessKeyRoleChanged())).
		WithOptions(options).
		Named("region").
		Complete(r)
}

// bucketToRegion maps a Bucket to its Region while that Region is being deleted: the
// deletion waits for the Region's Buckets, so each one that goes away is news to it. Other
// Bucket changes do not concern the Region.
func (r *Reconciler) bucketToRegion(ctx context.Context, obj client.Object) []reconcile.Request {
	b, ok := obj.(*kossv1alpha1.Bucket)
	if !ok {
		return nil
	}
	key := b.Spec.RegionRef.NamespacedName(b.Namespace)
	region := &kossv1alpha1.Region{}
	if err := r.Client.Get(ctx, key, region); err != nil || region.DeletionTimestamp.IsZero() {
		return nil
	}
	return []reconcile.Request{{NamespacedName: key}}
}
