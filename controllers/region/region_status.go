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
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/region/scale"
	"github.com/koss-io/koss/storage/adminapi"
)

// regionObservation is what one reconcile pass learned about a Region. The status
// functions below derive the Region's status from it alone, so they are tested without an
// API server.
type regionObservation struct {
	// statefulSet is the Region's StatefulSet as read from the cache; nil before it exists.
	statefulSet *appsv1.StatefulSet
	// clientService is the client Service as read from the cache; nil before it exists.
	clientService *corev1.Service
	// cluster is the admin API's cluster status; nil when it was not read.
	cluster *adminapi.ClusterStatus
	// clusterErr says why cluster is nil: the admin API failed, or no client could be made.
	clusterErr error
	// scale is this pass's scaling step.
	scale scale.Decision
	// certificateProblem, set by reconcileTLS, says why the pods have no certificate yet;
	// empty when they have one or TLS is off.
	certificateProblem string
}

// setRegionStatus derives everything in a Region's status but observedGeneration (which the
// reconciler sets only after a successful pass) from one observation.
func setRegionStatus(region *kossv1alpha1.Region, o regionObservation) {
	if o.statefulSet != nil {
		region.Status.Replicas = o.statefulSet.Status.Replicas
		region.Status.ReadyReplicas = o.statefulSet.Status.ReadyReplicas
	}
	region.Status.Endpoints.Internal = controllers.RegionInternalEndpoint(region)
	region.Status.Endpoints.External = externalEndpoint(region, o.clientService)
	setRegionAvailableCondition(region, o)
	setRegionProgressingCondition(region, o)
	setRegionDegradedCondition(region, o)
}

// externalEndpoint is the URL of the LoadBalancer's first ingress, "" until it has one or
// when spec.external is off; https:// with TLS, and the certificate names that ingress
// (certificate.For).
func externalEndpoint(region *kossv1alpha1.Region, svc *corev1.Service) string {
	if !region.Spec.External.Enabled || svc == nil || svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return ""
	}
	for _, ing := range svc.Status.LoadBalancer.Ingress {
		host := ing.Hostname
		if host == "" {
			host = ing.IP
		}
		if host == "" {
			continue
		}
		if strings.Contains(host, ":") { // an IPv6 address
			host = "[" + host + "]"
		}
		return fmt.Sprintf("%s://%s:%d", controllers.RegionScheme(region), host, ossPort)
	}
	return ""
}

// setRegionAvailableCondition: True while the cluster has a leader (a majority of members
// agree), which is when the Region accepts writes.
func setRegionAvailableCondition(region *kossv1alpha1.Region, o regionObservation) {
	set := func(status metav1.ConditionStatus, reason, message string) {
		controllers.SetCondition(&region.Status.Conditions, region.Generation, kossv1alpha1.RegionAvailableCondition, status, reason, message)
	}
	switch {
	case o.cluster != nil && o.cluster.Leader != "":
		set(metav1.ConditionTrue, kossv1alpha1.RegionQuorumAvailableReason,
			fmt.Sprintf("The cluster has a leader (%s) and accepts requests", o.cluster.Leader))
	case o.cluster != nil:
		set(metav1.ConditionFalse, kossv1alpha1.RegionQuorumUnavailableReason,
			fmt.Sprintf("The cluster has no leader: fewer than a majority of its %d members are online, so writes are refused", len(o.cluster.Members)))
	case neverAvailable(region):
		set(metav1.ConditionFalse, kossv1alpha1.RegionCreatingReason,
			fmt.Sprintf("Waiting for the kossd pods to start and elect a leader (%d of %d pods ready)", readyReplicas(o), region.DesiredReplicas()))
	default:
		set(metav1.ConditionFalse, kossv1alpha1.RegionKossdUnreachableReason,
			"Cannot reach the Region's admin API, retrying with back-off: "+controllers.EngineErrorMessage(o.clusterErr))
	}
}

// neverAvailable is true while a Region has not yet been Available: an unreachable admin API
// then means the pods are still starting, not that something broke.
func neverAvailable(region *kossv1alpha1.Region) bool {
	c := meta.FindStatusCondition(region.Status.Conditions, kossv1alpha1.RegionAvailableCondition)
	return c == nil || c.Reason == kossv1alpha1.RegionCreatingReason
}

func readyReplicas(o regionObservation) int32 {
	if o.statefulSet == nil {
		return 0
	}
	return o.statefulSet.Status.ReadyReplicas
}

// setRegionProgressingCondition: True while members are added or removed, or pods are
// replaced with a new template.
func setRegionProgressingCondition(region *kossv1alpha1.Region, o regionObservation) {
	set := func(status metav1.ConditionStatus, reason, message string) {
		controllers.SetCondition(&region.Status.Conditions, region.Generation, kossv1alpha1.RegionProgressingCondition, status, reason, message)
	}
	switch {
	case o.scale.Direction == scale.Up:
		set(metav1.ConditionTrue, kossv1alpha1.RegionScalingUpReason, o.scale.Message)
	case o.scale.Direction == scale.Down:
		set(metav1.ConditionTrue, kossv1alpha1.RegionScalingDownReason, o.scale.Message)
	case o.statefulSet == nil:
		set(metav1.ConditionTrue, kossv1alpha1.RegionRollingOutReason, "Creating the StatefulSet")
	case !statefulSetRolledOut(o.statefulSet):
		sts := o.statefulSet
		set(metav1.ConditionTrue, kossv1alpha1.RegionRollingOutReason,
			fmt.Sprintf("Rolling out the pod template: %d of %d pods updated, %d ready", sts.Status.UpdatedReplicas, statefulSetReplicas(sts), sts.Status.ReadyReplicas))
	default:
		set(metav1.ConditionFalse, kossv1alpha1.RegionUpToDateReason, "Every pod runs the current template")
	}
}

// statefulSetReplicas is the StatefulSet's spec.replicas (1 when unset, as the API defaults).
func statefulSetReplicas(sts *appsv1.StatefulSet) int32 {
	if sts.Spec.Replicas == nil {
		return 1
	}
	return *sts.Spec.Replicas
}

// statefulSetRolledOut is true when the StatefulSet controller has seen the latest spec and
// every pod runs the current revision.
func statefulSetRolledOut(sts *appsv1.StatefulSet) bool {
	s := sts.Status
	want := statefulSetReplicas(sts)
	return s.ObservedGeneration >= sts.Generation &&
		s.Replicas == want &&
		s.UpdatedReplicas == want &&
		(s.UpdateRevision == "" || s.CurrentRevision == s.UpdateRevision)
}

// setRegionDegradedCondition: True when the Region works below its redundancy: pods
// missing or not ready, members offline, or objects short of their three copies.
func setRegionDegradedCondition(region *kossv1alpha1.Region, o regionObservation) {
	set := func(status metav1.ConditionStatus, reason, message string) {
		controllers.SetCondition(&region.Status.Conditions, region.Generation, kossv1alpha1.RegionDegradedCondition, status, reason, message)
	}
	want := o.scale.Replicas // the StatefulSet about to be created
	if o.statefulSet != nil {
		want = statefulSetReplicas(o.statefulSet)
	}
	switch {
	case o.certificateProblem != "":
		// Before the pods' own state: they cannot start without a certificate.
		set(metav1.ConditionTrue, kossv1alpha1.RegionCertificateUnavailableReason, o.certificateProblem)
	case o.statefulSet == nil || readyReplicas(o) < want:
		set(metav1.ConditionTrue, kossv1alpha1.RegionReplicasUnavailableReason,
			fmt.Sprintf("%d of %d pods are ready", readyReplicas(o), want))
	case o.cluster == nil:
		set(metav1.ConditionUnknown, kossv1alpha1.RegionKossdUnreachableReason,
			"Cannot tell: the Region's admin API cannot be reached")
	case len(offlineMembers(o.cluster)) > 0:
		off := offlineMembers(o.cluster)
		set(metav1.ConditionTrue, kossv1alpha1.RegionReplicasUnavailableReason,
			fmt.Sprintf("%d of %d members are offline: %s", len(off), len(o.cluster.Members), controllers.ListNames(off)))
	case len(fullMembers(o.cluster)) > 0:
		// Before under-replication, which a full member causes.
		full := fullMembers(o.cluster)
		set(metav1.ConditionTrue, kossv1alpha1.RegionStorageFullReason,
			fmt.Sprintf("The disk of %d of %d members is full, so they refuse writes (507 XKossStorageFull) and their copies wait for repair: %s. Delete objects or grow the volumes.",
				len(full), len(o.cluster.Members), strings.Join(full, "; ")))
	case o.cluster.UnderReplicated > 0:
		set(metav1.ConditionTrue, kossv1alpha1.RegionUnderReplicatedReason,
			fmt.Sprintf("%d objects have fewer than three copies; repair is running", o.cluster.UnderReplicated))
	default:
		set(metav1.ConditionFalse, kossv1alpha1.RegionHealthyReason, "Every pod is ready and every object has its copies")
	}
}

func offlineMembers(cs *adminapi.ClusterStatus) []string {
	var out []string
	for _, m := range cs.Members {
		if m.State == adminapi.MemberOffline {
			out = append(out, m.ID)
		}
	}
	return out
}

// fullMembers describes the members whose disk report says full, e.g. "kossd-1: 5.2 MiB
// free of 64 MiB, 16 MiB kept in reserve".
func fullMembers(cs *adminapi.ClusterStatus) []string {
	var out []string
	for _, m := range cs.Members {
		if d := m.Disk; d != nil && d.Full {
			out = append(out, fmt.Sprintf("%s: %s free of %s, %s kept in reserve",
				m.ID, binaryBytes(d.FreeBytes), binaryBytes(d.TotalBytes), binaryBytes(d.ReserveBytes)))
		}
	}
	return out
}

// binaryBytes renders n bytes for a message: "512 B", "5.2 MiB", "1.5 GiB".
func binaryBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") + " " + []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[i]
}

// setRegionDeletingCondition says what a Region's deletion waits for: the Buckets
// (namespace/name, sorted) that still use it, or nothing.
func setRegionDeletingCondition(region *kossv1alpha1.Region, bucketsInUse []string) {
	if len(bucketsInUse) > 0 {
		controllers.SetCondition(&region.Status.Conditions, region.Generation, kossv1alpha1.RegionDeletingCondition, metav1.ConditionTrue,
			kossv1alpha1.RegionBucketsExistReason,
			fmt.Sprintf("Deletion waits until no Bucket uses the Region; %d remain: %s", len(bucketsInUse), controllers.ListNames(bucketsInUse)))
		return
	}
	controllers.SetCondition(&region.Status.Conditions, region.Generation, kossv1alpha1.RegionDeletingCondition, metav1.ConditionTrue,
		kossv1alpha1.RegionDeletionInProgressReason, "No Bucket uses the Region any more; deleting it")
}
