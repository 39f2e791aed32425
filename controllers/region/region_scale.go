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

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/storage/adminapi"
)

// scaleDirection says whether a Region is growing, shrinking or at its size.
type scaleDirection int

const (
	scaleNone scaleDirection = iota
	scaleUp
	scaleDown
)

// scaleAction is what the reconciler must do through the admin API in this pass, before it
// applies the StatefulSet.
type scaleAction int

const (
	// actionNone changes no membership in this pass.
	actionNone scaleAction = iota
	// actionAddMember adds pod member to the cluster, then grows the StatefulSet by one.
	actionAddMember
	// actionDrainMember re-places pod member's data, and removes it from the cluster once it
	// holds nothing; the StatefulSet shrinks in a later pass.
	actionDrainMember
)

// scaleInput is what planScale decides from.
type scaleInput struct {
	// desired is spec.replicas.
	desired int32
	// current is the StatefulSet's spec.replicas; 0 when it does not exist yet.
	current int32
	// readyReplicas is the StatefulSet's status.readyReplicas.
	readyReplicas int32
	// rolledOut is true when the StatefulSet controller has caught up with the StatefulSet's
	// spec (no rollout in progress).
	rolledOut bool
	// cluster is the admin API's view of the cluster; nil when it could not be read.
	cluster *adminapi.ClusterStatus
}

// scaleDecision is one step towards spec.replicas.
type scaleDecision struct {
	// replicas is the StatefulSet's replicas for this pass. With actionAddMember it is one
	// more than the current size, to be applied only when the member was added.
	replicas  int32
	direction scaleDirection
	action    scaleAction
	// member is the ordinal of the pod the action is about.
	member int32
	// message says what the step is, or what it waits for, for the Progressing condition.
	message string
}

// planScale decides the next step of a Region towards spec.replicas, one member at a time:
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
func planScale(region *kossv1alpha1.Region, in scaleInput) scaleDecision {
	desired := max(in.desired, kossv1alpha1.MinRegionReplicas)
	if in.current == 0 {
		d := scaleDecision{replicas: kossv1alpha1.MinRegionReplicas}
		if desired > d.replicas {
			d.direction = scaleUp
			d.message = fmt.Sprintf("Starting the %d founding members; %d more will be added one at a time", d.replicas, desired-d.replicas)
		}
		return d
	}
	d := scaleDecision{replicas: in.current}
	switch {
	case desired == in.current:
		return d
	case desired > in.current:
		d.direction = scaleUp
		next := in.current
		name := podName(region, next)
		if in.cluster != nil && hasMember(in.cluster, name) {
			d.replicas = in.current + 1
			d.message = fmt.Sprintf("Starting member %s (%d of %d replicas)", name, in.current+1, desired)
			return d
		}
		if wait := waitBeforeChange(region, in); wait != "" {
			d.message = fmt.Sprintf("Waiting to add member %s: %s", name, wait)
			return d
		}
		d.action, d.member = actionAddMember, next
		d.replicas = in.current + 1
		d.message = fmt.Sprintf("Adding member %s (%d of %d replicas)", name, in.current+1, desired)
		return d
	default:
		d.direction = scaleDown
		last := in.current - 1
		name := podName(region, last)
		if in.cluster == nil {
			d.message = fmt.Sprintf("Waiting to remove member %s: the admin API cannot be reached", name)
			return d
		}
		if hasMember(in.cluster, name) {
			if wait := waitBeforeChange(region, in); wait != "" {
				d.message = fmt.Sprintf("Waiting to remove member %s: %s", name, wait)
				return d
			}
			d.action, d.member = actionDrainMember, last
			d.message = fmt.Sprintf("Re-placing the data of member %s before removing it (%d of %d replicas)", name, in.current-1, desired)
			return d
		}
		if in.cluster.UnderReplicated > 0 {
			d.message = fmt.Sprintf("Waiting to delete pod %s: %d objects wait for repair", name, in.cluster.UnderReplicated)
			return d
		}
		d.replicas = in.current - 1
		d.message = fmt.Sprintf("Deleting pod %s, which left the cluster (%d of %d replicas)", name, in.current-1, desired)
		return d
	}
}

// waitBeforeChange returns why a membership change must wait ("" when it may go ahead):
// the admin API must be reachable, the StatefulSet settled, every current pod a ready,
// online member, and no object short of copies.
func waitBeforeChange(region *kossv1alpha1.Region, in scaleInput) string {
	switch {
	case in.cluster == nil:
		return "the admin API cannot be reached"
	case !in.rolledOut || in.readyReplicas < in.current:
		return fmt.Sprintf("%d of %d pods are ready", in.readyReplicas, in.current)
	case in.cluster.Leader == "":
		return "the cluster has no leader"
	case in.cluster.UnderReplicated > 0:
		return fmt.Sprintf("%d objects wait for repair", in.cluster.UnderReplicated)
	}
	for i := range in.current {
		m, ok := member(in.cluster, podName(region, i))
		if !ok {
			return fmt.Sprintf("pod %s is not a member of the cluster", podName(region, i))
		}
		if m.State == adminapi.MemberOffline {
			return fmt.Sprintf("member %s is offline", m.ID)
		}
	}
	if n := int32(len(in.cluster.Members)); n != in.current {
		return fmt.Sprintf("the cluster has %d members for %d pods", n, in.current)
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
