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
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/controllers/region/scale"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

// healthyCluster reports pods eu-0..eu-(n-1) online with eu-0 leading.
func healthyCluster(n int32) *adminapi.ClusterStatus {
	cs := &adminapi.ClusterStatus{NodeID: "eu-0", Leader: "eu-0"}
	for i := range n {
		state := adminapi.MemberFollower
		if i == 0 {
			state = adminapi.MemberLeader
		}
		cs.Members = append(cs.Members, adminapi.Member{ID: podName(controllertest.TestRegion(), i), Address: peerAddress(controllertest.TestRegion(), i), State: state})
	}
	return cs
}

// readyStatefulSet is a StatefulSet the StatefulSet controller has rolled out, with ready pods.
func readyStatefulSet(replicas, ready int32) *appsv1.StatefulSet {
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Generation: 2},
		Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To(replicas)},
		Status: appsv1.StatefulSetStatus{
			ObservedGeneration: 2, Replicas: replicas, ReadyReplicas: ready, UpdatedReplicas: replicas,
			CurrentRevision: "r1", UpdateRevision: "r1",
		},
	}
}

func TestSetRegionStatus(t *testing.T) {
	available := metav1.Condition{Type: kossv1alpha1.RegionAvailableCondition, Status: metav1.ConditionTrue, Reason: kossv1alpha1.RegionQuorumAvailableReason}
	tests := map[string]struct {
		// region is the Region before the status is derived.
		region *kossv1alpha1.Region
		// o is the pass's observation.
		o regionObservation
		// available, progressing, degraded are the expected conditions.
		available, progressing, degraded controllertest.WantCondition
		// check inspects the other fields.
		check func(t *testing.T, r *kossv1alpha1.Region)
	}{
		"a new Region is Creating while its pods start": {
			region:      controllertest.TestRegion(),
			o:           regionObservation{clusterErr: controllertest.ErrConnRefused, scale: scale.Decision{Replicas: 3}},
			available:   controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionCreatingReason, "0 of 3 pods ready"),
			progressing: controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionRollingOutReason, "Creating the StatefulSet"),
			degraded:    controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionReplicasUnavailableReason, "0 of 3 pods are ready"),
		},
		"a healthy Region is Available, up to date and not degraded": {
			region:      controllertest.TestRegion(),
			o:           regionObservation{statefulSet: readyStatefulSet(3, 3), cluster: healthyCluster(3)},
			available:   controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionQuorumAvailableReason, "leader (eu-0)"),
			progressing: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionUpToDateReason, ""),
			degraded:    controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionHealthyReason, ""),
			check: func(t *testing.T, r *kossv1alpha1.Region) {
				if r.Status.Replicas != 3 || r.Status.ReadyReplicas != 3 {
					t.Errorf("replicas = %d/%d", r.Status.ReadyReplicas, r.Status.Replicas)
				}
				if r.Status.Endpoints.Internal != "https://eu.storage.svc.cluster.local:9000" || r.Status.Endpoints.External != "" {
					t.Errorf("endpoints = %+v", r.Status.Endpoints)
				}
			},
		},
		"a Region that was Available and cannot be reached says KossdUnreachable": {
			region: controllertest.TestRegion(func(r *kossv1alpha1.Region) { r.Status.Conditions = []metav1.Condition{available} }),
			o: regionObservation{statefulSet: readyStatefulSet(3, 3),
				clusterErr: &adminclient.APIError{StatusCode: 503, Code: adminapi.CodeUnavailable, Message: "shutting down", RequestID: "r-1"}},
			available:   controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionKossdUnreachableReason, "Unavailable (503): shutting down"),
			progressing: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionUpToDateReason, ""),
			degraded:    controllertest.Want(metav1.ConditionUnknown, kossv1alpha1.RegionKossdUnreachableReason, ""),
			check: func(t *testing.T, r *kossv1alpha1.Region) {
				if c := meta.FindStatusCondition(r.Status.Conditions, kossv1alpha1.RegionAvailableCondition); strings.Contains(c.Message, "r-1") {
					t.Errorf("message %q carries the request id, so every retry would rewrite the status", c.Message)
				}
			},
		},
		"a cluster without a leader refuses writes": {
			region: controllertest.TestRegion(),
			o: regionObservation{statefulSet: readyStatefulSet(3, 1), cluster: func() *adminapi.ClusterStatus {
				cs := healthyCluster(3)
				cs.Leader = ""
				cs.Members[1].State, cs.Members[2].State = adminapi.MemberOffline, adminapi.MemberOffline
				return cs
			}()},
			available:   controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionQuorumUnavailableReason, "writes are refused"),
			progressing: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionUpToDateReason, ""),
			degraded:    controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionReplicasUnavailableReason, "1 of 3 pods are ready"),
		},
		"an offline member degrades the Region": {
			region: controllertest.TestRegion(),
			o: regionObservation{statefulSet: readyStatefulSet(3, 3), cluster: func() *adminapi.ClusterStatus {
				cs := healthyCluster(3)
				cs.Members[2].State = adminapi.MemberOffline
				return cs
			}()},
			available:   controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionQuorumAvailableReason, ""),
			progressing: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionUpToDateReason, ""),
			degraded:    controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionReplicasUnavailableReason, "1 of 3 members are offline: eu-2"),
		},
		"under-replicated objects degrade the Region": {
			region: controllertest.TestRegion(),
			o: regionObservation{statefulSet: readyStatefulSet(3, 3), cluster: func() *adminapi.ClusterStatus {
				cs := healthyCluster(3)
				cs.UnderReplicated = 12
				return cs
			}()},
			available:   controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionQuorumAvailableReason, ""),
			progressing: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionUpToDateReason, ""),
			degraded:    controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionUnderReplicatedReason, "12 objects"),
		},
		"a full member disk degrades the Region, before the under-replication it causes": {
			region: controllertest.TestRegion(),
			o: regionObservation{statefulSet: readyStatefulSet(3, 3), cluster: func() *adminapi.ClusterStatus {
				cs := healthyCluster(3)
				cs.UnderReplicated = 40
				cs.Members[0].Disk = &adminapi.MemberDisk{FreeBytes: 10 << 30, TotalBytes: 100 << 30, ReserveBytes: 256 << 20}
				cs.Members[1].Disk = &adminapi.MemberDisk{FreeBytes: 17<<20 + 200<<10, TotalBytes: 64 << 20, ReserveBytes: 16 << 20, Full: true}
				return cs
			}()},
			available:   controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionQuorumAvailableReason, ""),
			progressing: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionUpToDateReason, ""),
			degraded: controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionStorageFullReason,
				"The disk of 1 of 3 members is full, so they refuse writes (507 XKossStorageFull) and their copies wait for repair: "+podName(controllertest.TestRegion(), 1)+": 17.2 MiB free of 64 MiB, 16 MiB kept in reserve."),
		},
		"a rollout is Progressing": {
			region: controllertest.TestRegion(),
			o: regionObservation{statefulSet: func() *appsv1.StatefulSet {
				s := readyStatefulSet(3, 3)
				s.Status.UpdatedReplicas, s.Status.UpdateRevision = 1, "r2"
				return s
			}(), cluster: healthyCluster(3)},
			available:   controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionQuorumAvailableReason, ""),
			progressing: controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionRollingOutReason, "1 of 3 pods updated"),
			degraded:    controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionHealthyReason, ""),
		},
		"scaling is Progressing with the step's message": {
			region: controllertest.TestRegion(),
			o: regionObservation{statefulSet: readyStatefulSet(3, 3), cluster: healthyCluster(3),
				scale: scale.Decision{Direction: scale.Up, Message: "Adding member eu-3"}},
			available:   controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionQuorumAvailableReason, ""),
			progressing: controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionScalingUpReason, "Adding member eu-3"),
			degraded:    controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionHealthyReason, ""),
		},
		"scaling down is Progressing": {
			region: controllertest.TestRegion(),
			o: regionObservation{statefulSet: readyStatefulSet(4, 4), cluster: healthyCluster(4),
				scale: scale.Decision{Direction: scale.Down, Message: "Re-placing"}},
			available:   controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionQuorumAvailableReason, ""),
			progressing: controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionScalingDownReason, "Re-placing"),
			degraded:    controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionHealthyReason, ""),
		},
		"the external endpoint comes from the LoadBalancer's ingress": {
			region: controllertest.TestRegion(func(r *kossv1alpha1.Region) { r.Spec.External.Enabled = true }),
			o: regionObservation{statefulSet: readyStatefulSet(3, 3), cluster: healthyCluster(3), clientService: &corev1.Service{
				Spec:   corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer},
				Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "203.0.113.7"}}}},
			}},
			available:   controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionQuorumAvailableReason, ""),
			progressing: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionUpToDateReason, ""),
			degraded:    controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionHealthyReason, ""),
			check: func(t *testing.T, r *kossv1alpha1.Region) {
				if r.Status.Endpoints.External != "https://203.0.113.7:9000" {
					t.Errorf("external = %q", r.Status.Endpoints.External)
				}
			},
		},
		"a Region with TLS off reports http:// endpoints": {
			region: controllertest.TestRegion(func(r *kossv1alpha1.Region) { r.Spec.External.Enabled, r.Spec.TLS.Disabled = true, true }),
			o: regionObservation{statefulSet: readyStatefulSet(3, 3), cluster: healthyCluster(3), clientService: &corev1.Service{
				Spec:   corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer},
				Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "203.0.113.7"}}}},
			}},
			available:   controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionQuorumAvailableReason, ""),
			progressing: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionUpToDateReason, ""),
			degraded:    controllertest.Want(metav1.ConditionFalse, kossv1alpha1.RegionHealthyReason, ""),
			check: func(t *testing.T, r *kossv1alpha1.Region) {
				if r.Status.Endpoints.Internal != "http://eu.storage.svc.cluster.local:9000" || r.Status.Endpoints.External != "http://203.0.113.7:9000" {
					t.Errorf("endpoints = %+v", r.Status.Endpoints)
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := tc.region
			setRegionStatus(r, tc.o)
			controllertest.CheckCondition(t, r.Status.Conditions, kossv1alpha1.RegionAvailableCondition, r.Generation, tc.available)
			controllertest.CheckCondition(t, r.Status.Conditions, kossv1alpha1.RegionProgressingCondition, r.Generation, tc.progressing)
			controllertest.CheckCondition(t, r.Status.Conditions, kossv1alpha1.RegionDegradedCondition, r.Generation, tc.degraded)
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// TestSetRegionStatusIsStable checks that deriving the status twice from the same
// observation changes nothing, lastTransitionTime included: the steady state is quiet.
func TestSetRegionStatusIsStable(t *testing.T) {
	r := controllertest.TestRegion()
	o := regionObservation{statefulSet: readyStatefulSet(3, 3), cluster: healthyCluster(3)}
	setRegionStatus(r, o)
	for i := range r.Status.Conditions {
		r.Status.Conditions[i].LastTransitionTime = metav1.NewTime(time.Unix(1000, 0))
	}
	before := r.DeepCopy()
	setRegionStatus(r, o)
	if !equalStatus(before.Status, r.Status) {
		t.Errorf("status changed:\n%+v\n%+v", before.Status, r.Status)
	}
}

func equalStatus(a, b kossv1alpha1.RegionStatus) bool {
	if len(a.Conditions) != len(b.Conditions) || a.Endpoints != b.Endpoints || a.Replicas != b.Replicas || a.ReadyReplicas != b.ReadyReplicas {
		return false
	}
	for i := range a.Conditions {
		if a.Conditions[i] != b.Conditions[i] {
			return false
		}
	}
	return true
}

func TestSetRegionDeletingCondition(t *testing.T) {
	many := make([]string, 12)
	for i := range many {
		many[i] = "ns/b" + string(rune('a'+i))
	}
	tests := map[string]struct {
		// buckets are the Buckets that still use the Region.
		buckets []string
		// want is the Deleting condition.
		want controllertest.WantCondition
	}{
		"names the Buckets that block the deletion": {
			buckets: []string{"team-a/photos", "team-b/logs"},
			want:    controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionBucketsExistReason, "2 remain: team-a/photos, team-b/logs"),
		},
		"lists at most ten Buckets": {
			buckets: many,
			want:    controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionBucketsExistReason, "and 2 more"),
		},
		"nothing blocks": {
			want: controllertest.Want(metav1.ConditionTrue, kossv1alpha1.RegionDeletionInProgressReason, ""),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := controllertest.TestRegion()
			setRegionDeletingCondition(r, tc.buckets)
			controllertest.CheckCondition(t, r.Status.Conditions, kossv1alpha1.RegionDeletingCondition, r.Generation, tc.want)
		})
	}
}
