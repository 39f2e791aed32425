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

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/storage/adminapi"
)

// Direction says whether a Region is growing, shrinking or at its size.
type Direction int

const (
	None Direction = iota // at spec.replicas
	Up                    // growing
	Down                  // shrinking
)

// Action is what the reconciler must do through the admin API in this pass, before it
// applies the StatefulSet.
type Action int

const (
	// NoAction changes no membership in this pass.
	NoAction Action = iota
	// AddMember adds pod Member to the cluster, then grows the StatefulSet by one.
	AddMember
	// DrainMember re-places pod Member's data, and removes it from the cluster once it
	// holds nothing; the StatefulSet shrinks in a later pass.
	DrainMember
)

// Input is what Plan decides from.
type Input struct {
	// Desired is spec.replicas.
	Desired int32
	// Current is the StatefulSet's spec.replicas; 0 when it does not exist yet.
	Current int32
	// ReadyReplicas is the StatefulSet's status.readyReplicas.
	ReadyReplicas int32
	// RolledOut is true when the StatefulSet controller has caught up with the StatefulSet's
	// spec (no rollout in progress).
	RolledOut bool
	// Cluster is the admin API's view of the cluster; nil when it could not be read.
	Cluster *adminapi.ClusterStatus
	// PodName names the pod of an ordinal, which is also its member id.
	PodName func(ordinal int32) string
}

// Decision is one step towards spec.replicas.
type Decision struct {
	// Replicas is the StatefulSet's replicas for this pass. With AddMember it is one
	// more than the current size, to be applied only when the member was added.
	Replicas  int32
	Direction Direction
	Action    Action
	// Member is the ordinal of the pod the action is about.
	Member int32
	// Message says what the step is, or what it waits for, for the Progressing condition.
	Message string
}

// Plan decides the next step of a Region towards spec.replicas, one member at a time:
//
//   - A new Region starts with its three founding members; any more are added afterwards.
//   - Growing: when the next pod is already a member (an earlier pass added it), grow the
//     StatefulSet; otherwise, once every current member is ready, online and every object
//     has its copies, add the next pod as a member, then grow the StatefulSet.
//   - Shrinking (never below three): while the highest pod is a member, drain it and then
//     remove it from the cluster; once it is not a member and no object is under-replicated,
//     shrink the StatefulSet, which deletes the pod and its volume.
//
// Without a reachable admin API nothing changes, and the message says why.
func Plan(in Input) Decision {
	desired := max(in.Desired, kossv1alpha1.MinRegionReplicas)
	if in.Current == 0 {
		d := Decision{Replicas: kossv1alpha1.MinRegionReplicas}
		if desired > d.Replicas {
			d.Direction = Up
			d.Message = fmt.Sprintf("Starting the %d founding members; %d more will be added one at a time", d.Replicas, desired-d.Replicas)
		}
		return d
	}
	d := Decision{Replicas: in.Current}
	switch {
	case desired == in.Current:
		return d
	case desired > in.Current:
		d.Direction = Up
		next := in.Current
		name := in.PodName(next)
		if in.Cluster != nil && hasMember(in.Cluster, name) {
			d.Replicas = in.Current + 1
			d.Message = fmt.Sprintf("Starting member %s (%d of %d replicas)", name, in.Current+1, desired)
			return d
		}
		if wait := waitBeforeChange(in); wait != "" {
			d.Message = fmt.Sprintf("Waiting to add member %s: %s", name, wait)
			return d
		}
		d.Action, d.Member = AddMember, next
		d.Replicas = in.Current + 1
		d.Message = fmt.Sprintf("Adding member %s (%d of %d replicas)", name, in.Current+1, desired)
		return d
	default:
		d.Direction = Down
		last := in.Current - 1
		name := in.PodName(last)
		if in.Cluster == nil {
			d.Message = fmt.Sprintf("Waiting to remove member %s: the admin API cannot be reached", name)
			return d
		}
		if hasMember(in.Cluster, name) {
			if wait := waitBeforeChange(in); wait != "" {
				d.Message = fmt.Sprintf("Waiting to remove member %s: %s", name, wait)
				return d
			}
			d.Action, d.Member = DrainMember, last
			d.Message = fmt.Sprintf("Re-placing the data of member %s before removing it (%d of %d replicas)", name, in.Current-1, desired)
			return d
		}
		if in.Cluster.UnderReplicated > 0 {
			d.Message = fmt.Sprintf("Waiting to delete pod %s: %d objects wait for repair", name, in.Cluster.UnderReplicated)
			return d
		}
		d.Replicas = in.Current - 1
		d.Message = fmt.Sprintf("Deleting pod %s, which left the cluster (%d of %d replicas)", name, in.Current-1, desired)
		return d
	}
}

// waitBeforeChange returns why a membership change must wait ("" when it may go ahead):
// the admin API must be reachable, the StatefulSet settled, every current pod a ready,
// online member, and no object short of copies.
func waitBeforeChange(in Input) string {
	switch {
	case in.Cluster == nil:
		return "the admin API cannot be reached"
	case !in.RolledOut || in.ReadyReplicas < in.Current:
		return fmt.Sprintf("%d of %d pods are ready", in.ReadyReplicas, in.Current)
	case in.Cluster.Leader == "":
		return "the cluster has no leader"
	case in.Cluster.UnderReplicated > 0:
		return fmt.Sprintf("%d objects wait for repair", in.Cluster.UnderReplicated)
	}
	for i := range in.Current {
		m, ok := member(in.Cluster, in.PodName(i))
		if !ok {
			return fmt.Sprintf("pod %s is not a member of the cluster", in.PodName(i))
		}
		if m.State == adminapi.MemberOffline {
			return fmt.Sprintf("member %s is offline", m.ID)
		}
	}
	if n := int32(len(in.Cluster.Members)); n != in.Current {
		return fmt.Sprintf("the cluster has %d members for %d pods", n, in.Current)
	}
	return ""
}

func member(cs *adminapi.ClusterStatus, id string) (adminapi.Member, bool) {
	for _, m := range cs.Members {
		if m.ID == id {
			return m, true
		}
	}
	return adminapi.Member{}, false
}

func hasMember(cs *adminapi.ClusterStatus, id string) bool {
	_, ok := member(cs, id)
	return ok
}
