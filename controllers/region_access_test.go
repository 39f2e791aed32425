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

package controllers_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
)

// TestUseRegion runs the checks a Bucket or AccessKey passes before it uses its Region (the
// region-use chain) over Regions and Namespaces read from a fake API server: each verdict,
// and the order in which they are reported.
func TestUseRegion(t *testing.T) {
	ref := types.NamespacedName{Namespace: "storage", Name: "eu"}
	availableRegion := func(mutate ...func(*kossv1alpha1.Region)) *kossv1alpha1.Region {
		return controllertest.TestRegion(append([]func(*kossv1alpha1.Region){func(r *kossv1alpha1.Region) {
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
		// want is the verdict's reason ("" for usable).
		want string
	}{
		"the Region's own namespace may use it":                 {availableRegion(), "storage", ns("storage", nil), ""},
		"no other namespace may when bucketNamespaces is unset": {availableRegion(), "team", ns("team", nil), kossv1alpha1.RegionRefNotAllowedReason},
		"a selected namespace may":                              {availableRegion(selecting), "team", ns("team", map[string]string{"koss.io/storage": "eu"}), ""},
		"an unselected namespace may not":                       {availableRegion(selecting), "team", ns("team", map[string]string{"koss.io/storage": "us"}), kossv1alpha1.RegionRefNotAllowedReason},
		"with a selector the own namespace must match too":      {availableRegion(selecting), "storage", ns("storage", nil), kossv1alpha1.RegionRefNotAllowedReason},
		"an empty selector allows every namespace": {availableRegion(func(r *kossv1alpha1.Region) {
			r.Spec.BucketNamespaces = &metav1.LabelSelector{}
		}), "team", ns("team", nil), ""},
		"a missing Namespace object selects nothing": {availableRegion(selecting), "team", nil, kossv1alpha1.RegionRefNotAllowedReason},
		"a missing Region":                           {nil, "storage", ns("storage", nil), kossv1alpha1.RegionRefNotFoundReason},
		"a Region that is not Available":             {controllertest.TestRegion(), "storage", ns("storage", nil), kossv1alpha1.RegionRefNotReadyReason},
		"a Region being deleted": {availableRegion(func(r *kossv1alpha1.Region) {
			now := metav1.Now()
			r.DeletionTimestamp = &now
			r.Finalizers = []string{kossv1alpha1.RegionFinalizer} // an API server keeps it only then
		}), "storage", ns("storage", nil), kossv1alpha1.RegionRefNotReadyReason},
		"a Region that cannot be reached": {availableRegion(func(r *kossv1alpha1.Region) {
			r.Status.Conditions[0].Status, r.Status.Conditions[0].Reason = metav1.ConditionFalse, kossv1alpha1.RegionKossdUnreachableReason
		}), "storage", ns("storage", nil), kossv1alpha1.RegionRefUnreachableReason},
		"a Region without a leader": {availableRegion(func(r *kossv1alpha1.Region) {
			r.Status.Conditions[0].Status, r.Status.Conditions[0].Reason = metav1.ConditionFalse, kossv1alpha1.RegionQuorumUnavailableReason
		}), "storage", ns("storage", nil), kossv1alpha1.RegionRefNotReadyReason},
		"not allowed is reported before not ready": {controllertest.TestRegion(), "team", ns("team", nil), kossv1alpha1.RegionRefNotAllowedReason},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var objs []client.Object
			if tc.region != nil {
				objs = append(objs, tc.region)
			}
			if tc.namespace != nil {
				objs = append(objs, tc.namespace)
			}
			c := controllertest.NewFakeClient(interceptor.Funcs{}, objs...)
			region, got, err := controllers.UseRegion(context.Background(), c, ref, tc.objNamespace)
			if err != nil {
				t.Fatal(err)
			}
			if (region != nil) != (tc.region != nil) {
				t.Errorf("region = %v", region)
			}
			if got.Reason != tc.want {
				t.Errorf("reason = %q (%q), want %q", got.Reason, got.Message, tc.want)
			}
			if got.Usable() != (got.Message == "") {
				t.Errorf("message %q for reason %q", got.Message, got.Reason)
			}
		})
	}
}
