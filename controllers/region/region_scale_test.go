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

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
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

func withMember(cs *adminapi.ClusterStatus, id, state string) *adminapi.ClusterStatus {
	cs.Members = append(cs.Members, adminapi.Member{ID: id, State: state})
	return cs
}

func TestPlanScale(t *testing.T) {
	steady := func(desired, current int32, cs *adminapi.ClusterStatus) scaleInput {
		return scaleInput{desired: desired, current: current, readyReplicas: current, rolledOut: true, cluster: cs}
	}
	tests := map[string]struct {
		// in is what the pass observed.
		in scaleInput
		// want is the decision (message checked separately).
		want scaleDecision
		// wantMessage is a fragment of the message.
		wantMessage string
	}{
		"a new Region starts with three founding members": {
			in:   scaleInput{desired: 3},
			want: scaleDecision{replicas: 3},
		},
		"a new bigger Region still starts with three and says more will come": {
			in:          scaleInput{desired: 5},
			want:        scaleDecision{replicas: 3, direction: scaleUp},
			wantMessage: "2 more will be added",
		},
		"a Region at its size does nothing": {
			in:   steady(3, 3, healthyCluster(3)),
			want: scaleDecision{replicas: 3},
		},
		"never plans fewer than three": {
			in:   steady(1, 3, healthyCluster(3)),
			want: scaleDecision{replicas: 3},
		},
		"growing adds the next pod as a member, then grows the StatefulSet by one": {
			in:   steady(5, 3, healthyCluster(3)),
			want: scaleDecision{replicas: 4, direction: scaleUp, action: actionAddMember, member: 3},
		},
		"growing resumes when the next pod is already a member": {
			in:   scaleInput{desired: 5, current: 3, readyReplicas: 3, rolledOut: true, cluster: withMember(healthyCluster(3), "eu-3", adminapi.MemberOffline)},
			want: scaleDecision{replicas: 4, direction: scaleUp},
		},
		"growing waits for the last added pod to be ready": {
			in:          scaleInput{desired: 5, current: 4, readyReplicas: 3, rolledOut: true, cluster: withMember(healthyCluster(3), "eu-3", adminapi.MemberOffline)},
			want:        scaleDecision{replicas: 4, direction: scaleUp},
			wantMessage: "3 of 4 pods are ready",
		},
		"growing waits for an offline member": {
			in:          scaleInput{desired: 5, current: 4, readyReplicas: 4, rolledOut: true, cluster: withMember(healthyCluster(3), "eu-3", adminapi.MemberOffline)},
			want:        scaleDecision{replicas: 4, direction: scaleUp},
			wantMessage: "member eu-3 is offline",
		},
		"growing waits for repairs": {
			in: func() scaleInput {
				cs := healthyCluster(3)
				cs.UnderReplicated = 7
				return steady(4, 3, cs)
			}(),
			want:        scaleDecision{replicas: 3, direction: scaleUp},
			wantMessage: "7 objects wait for repair",
		},
		"growing waits for a rollout": {
			in:          scaleInput{desired: 4, current: 3, readyReplicas: 3, cluster: healthyCluster(3)},
			want:        scaleDecision{replicas: 3, direction: scaleUp},
			wantMessage: "pods are ready",
		},
		"growing waits for a leader": {
			in: func() scaleInput {
				cs := healthyCluster(3)
				cs.Leader = ""
				return steady(4, 3, cs)
			}(),
			want:        scaleDecision{replicas: 3, direction: scaleUp},
			wantMessage: "no leader",
		},
		"growing needs the admin API": {
			in:          scaleInput{desired: 4, current: 3, readyReplicas: 3, rolledOut: true},
			want:        scaleDecision{replicas: 3, direction: scaleUp},
			wantMessage: "cannot be reached",
		},
		"shrinking drains the highest member first and keeps its pod": {
			in:   steady(3, 4, healthyCluster(4)),
			want: scaleDecision{replicas: 4, direction: scaleDown, action: actionDrainMember, member: 3},
		},
		"shrinking deletes the pod once its member left and nothing waits for repair": {
			in:   steady(3, 4, healthyCluster(3)),
			want: scaleDecision{replicas: 3, direction: scaleDown},
		},
		"shrinking waits for repairs before deleting the pod": {
			in: func() scaleInput {
				cs := healthyCluster(3)
				cs.UnderReplicated = 2
				return steady(3, 4, cs)
			}(),
			want:        scaleDecision{replicas: 4, direction: scaleDown},
			wantMessage: "2 objects wait for repair",
		},
		"shrinking does not drain while another member is offline": {
			in: func() scaleInput {
				cs := healthyCluster(4)
				cs.Members[1].State = adminapi.MemberOffline
				return steady(3, 4, cs)
			}(),
			want:        scaleDecision{replicas: 4, direction: scaleDown},
			wantMessage: "member eu-1 is offline",
		},
		"shrinking needs the admin API": {
			in:          scaleInput{desired: 3, current: 4, readyReplicas: 4, rolledOut: true},
			want:        scaleDecision{replicas: 4, direction: scaleDown},
			wantMessage: "cannot be reached",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := planScale(controllertest.TestRegion(), tc.in)
			msg := got.message
			got.message = ""
			if got != tc.want {
				t.Errorf("planScale = %+v, want %+v (message %q)", got, tc.want, msg)
			}
			if !strings.Contains(msg, tc.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", msg, tc.wantMessage)
			}
			if got.direction != scaleNone && msg == "" {
				t.Errorf("a scaling step without a message")
			}
		})
	}
}

// TestPlanScaleWalk drives planScale like the reconciler would, against a simulated
// cluster, from 3 to 6 and back to 3, and checks that the StatefulSet changes one pod at a
// time, members are added before their pods and removed (after draining) before their pods
// are deleted, and the Region never has fewer than three members.
func TestPlanScaleWalk(t *testing.T) {
	region := controllertest.TestRegion()
	cs := healthyCluster(3)
	current := int32(3)
	drained := map[string]bool{}
	step := func(desired int32) bool {
		d := planScale(region, scaleInput{desired: desired, current: current, readyReplicas: current, rolledOut: true, cluster: cs})
		switch d.action {
		case actionAddMember:
			if hasMember(cs, podName(region, d.member)) {
				t.Fatalf("adds existing member %d", d.member)
			}
			cs.Members = append(cs.Members, adminapi.Member{ID: podName(region, d.member), State: adminapi.MemberFollower})
		case actionDrainMember:
			name := podName(region, d.member)
			if !drained[name] {
				drained[name] = true // first pass: data still moving
				return true
			}
			var kept []adminapi.Member
			for _, m := range cs.Members {
				if m.ID != name {
					kept = append(kept, m)
				}
			}
			cs.Members = kept
		}
		if diff := d.replicas - current; diff > 1 || diff < -1 {
			t.Fatalf("replicas jump from %d to %d", current, d.replicas)
		}
		if d.replicas > current && !hasMember(cs, podName(region, current)) {
			t.Fatalf("pod %d created before it is a member", current)
		}
		if d.replicas < current && hasMember(cs, podName(region, d.replicas)) {
			t.Fatalf("pod %d deleted while still a member", d.replicas)
		}
		current = d.replicas
		if int32(len(cs.Members)) < kossv1alpha1.MinRegionReplicas {
			t.Fatalf("cluster shrank to %d members", len(cs.Members))
		}
		return d.direction != scaleNone
	}
	for _, desired := range []int32{6, 3} {
		for i := 0; step(desired); i++ {
			if i > 50 {
				t.Fatalf("no convergence towards %d (at %d)", desired, current)
			}
		}
		if current != desired || int32(len(cs.Members)) != desired {
			t.Fatalf("converged to %d pods and %d members, want %d", current, len(cs.Members), desired)
		}
	}
}
