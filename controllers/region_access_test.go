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
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
)

func TestCheckRegionUse(t *testing.T) {
	ref := types.NamespacedName{Namespace: "storage", Name: "eu"}
	availableRegion := func(mutate ...func(*kossv1alpha1.Region)) *kossv1alpha1.Region {
		return testRegion(append([]func(*kossv1alpha1.Region){func(r *kossv1alpha1.Region) {
			r.Status.Conditions = []metav1.Condition{{Type: kossv1alpha1.RegionAvailableCondition, Status: metav1.ConditionTrue, Reason: "QuorumAvailable"}}
		}}, mutate...)...)
	}
	ns := func(name string, labels map[string]string) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	}
	selecting := func(r *kossv1alpha1.Region) {
		r.Spec.BucketNamespaces = &metav1.LabelSelector{MatchLabels: map[string]string{"koss.io/storage": "eu"}}
	}
	tests := map[string]struct {
		// region is the referenced Region (nil: not found).
		region *kossv1alpha1.Region
		// objNamespace and namespace are the referring object's namespace.
		objNamespace string
		namespace    *corev1.Namespace
		// want is the verdict.
		want regionProblem
	}{
		"the Region's own namespace may use it":                 {availableRegion(), "storage", ns("storage", nil), regionUsable},
		"no other namespace may when bucketNamespaces is unset": {availableRegion(), "team", ns("team", nil), regionNotAllowed},
		"a selected namespace may":                              {availableRegion(selecting), "team", ns("team", map[string]string{"koss.io/storage": "eu"}), regionUsable},
		"an unselected namespace may not":                       {availableRegion(selecting), "team", ns("team", map[string]string{"koss.io/storage": "us"}), regionNotAllowed},
		"with a selector the own namespace must match too":      {availableRegion(selecting), "storage", ns("storage", nil), regionNotAllowed},
		"an empty selector allows every namespace": {availableRegion(func(r *kossv1alpha1.Region) {
			r.Spec.BucketNamespaces = &metav1.LabelSelector{}
		}), "team", ns("team", nil), regionUsable},
		"a missing Namespace object selects nothing": {availableRegion(selecting), "team", nil, regionNotAllowed},
		"a missing Region":                           {nil, "storage", ns("storage", nil), regionNotFound},
		"a Region that is not Available":             {testRegion(), "storage", ns("storage", nil), regionNotReady},
		"a Region being deleted": {availableRegion(func(r *kossv1alpha1.Region) {
			now := metav1.Now()
			r.DeletionTimestamp = &now
		}), "storage", ns("storage", nil), regionNotReady},
		"a Region that cannot be reached": {availableRegion(func(r *kossv1alpha1.Region) {
			r.Status.Conditions[0].Status, r.Status.Conditions[0].Reason = metav1.ConditionFalse, kossv1alpha1.RegionKossdUnreachableReason
		}), "storage", ns("storage", nil), regionUnreachable},
		"a Region without a leader": {availableRegion(func(r *kossv1alpha1.Region) {
			r.Status.Conditions[0].Status, r.Status.Conditions[0].Reason = metav1.ConditionFalse, kossv1alpha1.RegionQuorumUnavailableReason
		}), "storage", ns("storage", nil), regionNotReady},
		"not allowed is reported before not ready": {testRegion(), "team", ns("team", nil), regionNotAllowed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := checkRegionUse(ref, tc.region, tc.objNamespace, tc.namespace)
			if got.problem != tc.want {
				t.Errorf("problem = %v (%q), want %v", got.problem, got.message, tc.want)
			}
			if (got.problem == regionUsable) != (got.message == "") {
				t.Errorf("message %q for problem %v", got.message, got.problem)
			}
		})
	}
}
