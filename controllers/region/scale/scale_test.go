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

package scale

import (
	"fmt"
	"strings"
	"testing"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/storage/adminapi"
)

// podName names the pods of the test Region eu, as the Region reconciler does.
func podName(ordinal int32) string { return fmt.Sprintf("eu-%d", ordinal) }

// plan is Plan for the pods of eu.
func plan(in Input) Decision {
	in.PodName = podName
	return Plan(in)
}

// healthyCluster reports members eu-0..eu-(n-1) online, eu-0 leading.
func healthyCluster(n int32) *adminapi.ClusterStatus {
	cs := &adminapi.ClusterStatus{NodeID: podName(0), Leader: podName(0)}
	for i := range n {
		cs.Members = append(cs.Members, adminapi.Member{ID: podName(i), State: adminapi.MemberFollower})
	}
	cs.Members[0].State = adminapi.MemberLeader
	return cs
}

func withMember(cs *adminapi.ClusterStatus, id, state string) *adminapi.ClusterStatus {
	cs.Members = append(cs.Members, adminapi.Member{ID: id, State: state})
	return cs
}

func TestPlan(t *testing.T) {
	steady := func(desired, current int32, cs *adminapi.ClusterStatus) Input {
		return Input{Desired: desired, Current: current, ReadyReplicas: current, RolledOut: true, Cluster: cs}
	}
	tests := map[string]struct {
		// in is what the pass observed.
		in Input
		// want is the decision (message checked separately).
		want Decision
		// wantMessage is a fragment of the message.
		wantMessage string
	}{
		"a new Region starts with three founding members": {
			in:   Input{Desired: 3},
			want: Decision{Replicas: 3},
		},
		"a new bigger Region still starts with three and says more will come": {
			in:          Input{Desired: 5},
			want:        Decision{Replicas: 3, Direction: Up},
			wantMessage: "2 more will be added",
		},
		"a Region at its size does nothing": {
			in:   steady(3, 3, healthyCluster(3)),
			want: Decision{Replicas: 3},
		},
		"never plans fewer than three": {
			in:   steady(1, 3, healthyCluster(3)),
			want: Decision{Replicas: 3},
		},
		"growing adds the next pod as a member, then grows the StatefulSet by one": {
			in:   steady(5, 3, healthyCluster(3)),
			want: Decision{Replicas: 4, Direction: Up, Action: AddMember, Member: 3},
		},
		"growing resumes when the next pod is already a member": {
			in:   Input{Desired: 5, Current: 3, ReadyReplicas: 3, RolledOut: true, Cluster: withMember(healthyCluster(3), "eu-3", adminapi.MemberOffline)},
			want: Decision{Replicas: 4, Direction: Up},
		},
		"growing waits for the last added pod to be ready": {
			in:          Input{Desired: 5, Current: 4, ReadyReplicas: 3, RolledOut: true, Cluster: withMember(healthyCluster(3), "eu-3", adminapi.MemberOffline)},
			want:        Decision{Replicas: 4, Direction: Up},
			wantMessage: "3 of 4 pods are ready",
		},
		"growing waits for an offline member": {
			in:          Input{Desired: 5, Current: 4, ReadyReplicas: 4, RolledOut: true, Cluster: withMember(healthyCluster(3), "eu-3", adminapi.MemberOffline)},
			want:        Decision{Replicas: 4, Direction: Up},
			wantMessage: "member eu-3 is offline",
		},
		"growing waits for repairs": {
			in: func() Input {
				cs := healthyCluster(3)
				cs.UnderReplicated = 7
				return steady(4, 3, cs)
			}(),
			want:        Decision{Replicas: 3, Direction: Up},
			wantMessage: "7 objects wait for repair",
		},
		"growing waits for a rollout": {
			in:          Input{Desired: 4, Current: 3, ReadyReplicas: 3, Cluster: healthyCluster(3)},
			want:        Decision{Replicas: 3, Direction: Up},
			wantMessage: "pods are ready",
		},
		"growing waits for a leader": {
			in: func() Input {
				cs := healthyCluster(3)
				cs.Leader = ""
				return steady(4, 3, cs)
			}(),
			want:        Decision{Replicas: 3, Direction: Up},
			wantMessage: "no leader",
		},
		"growing needs the admin API": {
			in:          Input{Desired: 4, Current: 3, ReadyReplicas: 3, RolledOut: true},
			want:        Decision{Replicas: 3, Direction: Up},
			wantMessage: "cannot be reached",
		},
		"shrinking drains the highest member first and keeps its pod": {
			in:   steady(3, 4, healthyCluster(4)),
			want: Decision{Replicas: 4, Direction: Down, Action: DrainMember, Member: 3},
		},
		"shrinking deletes the pod once its member left and nothing waits for repair": {
			in:   steady(3, 4, healthyCluster(3)),
			want: Decision{Replicas: 3, Direction: Down},
		},
		"shrinking waits for repairs before deleting the pod": {
			in: func() Input {
				cs := healthyCluster(3)
				cs.UnderReplicated = 2
				return steady(3, 4, cs)
			}(),
			want:        Decision{Replicas: 4, Direction: Down},
			wantMessage: "2 objects wait for repair",
		},
		"shrinking does not drain while another member is offline": {
			in: func() Input {
				cs := healthyCluster(4)
				cs.Members[1].State = adminapi.MemberOffline
				return steady(3, 4, cs)
			}(),
			want:        Decision{Replicas: 4, Direction: Down},
			wantMessage: "member eu-1 is offline",
		},
		"shrinking needs the admin API": {
			in:          Input{Desired: 3, Current: 4, ReadyReplicas: 4, RolledOut: true},
			want:        Decision{Replicas: 4, Direction: Down},
			wantMessage: "cannot be reached",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := plan(tc.in)
			msg := got.Message
			got.Message = ""
			if got != tc.want {
				t.Errorf("Plan = %+v, want %+v (message %q)", got, tc.want, msg)
			}
			if !strings.Contains(msg, tc.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", msg, tc.wantMessage)
			}
			if got.Direction != None && msg == "" {
				t.Errorf("a scaling step without a message")
			}
		})
	}
}

// TestPlanWalk drives Plan like the reconciler would, against a simulated
// cluster, from 3 to 6 and back to 3, and checks that the StatefulSet changes one pod at a
// time, members are added before their pods and removed (after draining) before their pods
// are deleted, and the Region never has fewer than three members.
func TestPlanWalk(t *testing.T) {
	cs := healthyCluster(3)
	current := int32(3)
	drained := map[string]bool{}
	step := func(desired int32) bool {
		d := plan(Input{Desired: desired, Current: current, ReadyReplicas: current, RolledOut: true, Cluster: cs})
		switch d.Action {
		case AddMember:
			if hasMember(cs, podName(d.Member)) {
				t.Fatalf("adds existing member %d", d.Member)
			}
			cs.Members = append(cs.Members, adminapi.Member{ID: podName(d.Member), State: adminapi.MemberFollower})
		case DrainMember:
			name := podName(d.Member)
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
		if diff := d.Replicas - current; diff > 1 || diff < -1 {
			t.Fatalf("replicas jump from %d to %d", current, d.Replicas)
		}
		if d.Replicas > current && !hasMember(cs, podName(current)) {
			t.Fatalf("pod %d created before it is a member", current)
		}
		if d.Replicas < current && hasMember(cs, podName(d.Replicas)) {
			t.Fatalf("pod %d deleted while still a member", d.Replicas)
		}
		current = d.Replicas
		if int32(len(cs.Members)) < kossv1alpha1.MinRegionReplicas {
			t.Fatalf("cluster shrank to %d members", len(cs.Members))
		}
		return d.Direction != None
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
