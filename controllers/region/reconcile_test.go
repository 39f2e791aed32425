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
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient/fake"
)

// TestReconcileNeverReturnsAResultWithAnError drives every phase of the Region reconciler
// into its error paths (every API call and every admin API method failing in turn), from a
// new Region, a steady one, one growing, one shrinking and one being deleted.
func TestReconcileNeverReturnsAResultWithAnError(t *testing.T) {
	req := types.NamespacedName{Namespace: "storage", Name: "eu"}
	region := func(replicas int32, mutate ...func(*kossv1alpha1.Region)) *kossv1alpha1.Region {
		return controllertest.TestRegion(append([]func(*kossv1alpha1.Region){func(r *kossv1alpha1.Region) {
			r.UID = ""
			r.Spec.Replicas = replicas
			r.Finalizers = []string{kossv1alpha1.RegionFinalizer}
		}}, mutate...)...)
	}
	available := func(r *kossv1alpha1.Region) {
		r.Status.Conditions = []metav1.Condition{{Type: kossv1alpha1.RegionAvailableCondition, Status: metav1.ConditionTrue, Reason: kossv1alpha1.RegionQuorumAvailableReason}}
	}
	rootKey := func() *corev1.Secret {
		return &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "eu-root-key", Labels: controllers.ManagedByLabels()},
			Data:       map[string][]byte{controllers.SecretKeyAccessKeyID: []byte("KOSSROOTID"), controllers.SecretKeyAccessKeySecret: []byte("root-secret-value")},
		}
	}
	statefulSet := func(replicas int32) *appsv1.StatefulSet {
		return &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "eu", Generation: 1},
			Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To(replicas)},
			Status: appsv1.StatefulSetStatus{ObservedGeneration: 1, Replicas: replicas, ReadyReplicas: replicas, UpdatedReplicas: replicas,
				CurrentRevision: "r1", UpdateRevision: "r1"},
		}
	}
	members := func(n int) func(*fake.Client) {
		return func(a *fake.Client) {
			cs := adminapi.ClusterStatus{NodeID: "eu-0", Leader: "eu-0"}
			for i := range n {
				state := adminapi.MemberFollower
				if i == 0 {
					state = adminapi.MemberLeader
				}
				cs.Members = append(cs.Members, adminapi.Member{ID: fmt.Sprintf("eu-%d", i), Address: fmt.Sprintf("eu-%d:9001", i), State: state})
			}
			a.SetClusterStatus(cs)
		}
	}
	deleting := func(r *kossv1alpha1.Region) {
		now := metav1.Now()
		r.DeletionTimestamp = &now
	}
	bucket := &kossv1alpha1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "photos"},
		Spec:       kossv1alpha1.BucketSpec{RegionRef: kossv1alpha1.RegionReference{Name: "eu", Namespace: "storage"}},
	}
	controllertest.CheckNeverResultAndError(t,
		func(c client.Client, admins controllers.AdminClientFactory, recorder events.EventRecorder) reconcile.Reconciler {
			return &Reconciler{Client: c, APIReader: c, AdminClients: admins, Recorder: recorder, DefaultImage: controllertest.Image}
		},
		controllertest.Scenario{
			Name:    "a new Region",
			Objects: func() []client.Object { return []client.Object{region(3)} },
			Request: req,
		},
		controllertest.Scenario{
			Name:    "a steady Region",
			Objects: func() []client.Object { return []client.Object{region(3, available), rootKey(), statefulSet(3)} },
			Admin:   members(3),
			Request: req,
		},
		controllertest.Scenario{
			Name:    "a Region growing by one member",
			Objects: func() []client.Object { return []client.Object{region(4, available), rootKey(), statefulSet(3)} },
			Admin:   members(3),
			Request: req,
		},
		controllertest.Scenario{
			Name:    "a Region shrinking by one member, whose data is re-placed",
			Objects: func() []client.Object { return []client.Object{region(3, available), rootKey(), statefulSet(4)} },
			Admin:   members(4),
			Request: req,
		},
		controllertest.Scenario{
			Name:    "a Region shrinking by one member that still holds data",
			Objects: func() []client.Object { return []client.Object{region(3, available), rootKey(), statefulSet(4)} },
			Admin:   func(a *fake.Client) { members(4)(a); a.SetDrainRemaining("eu-3", 7) },
			Request: req,
		},
		controllertest.Scenario{
			Name: "a Region being deleted while a Bucket uses it",
			Objects: func() []client.Object {
				return []client.Object{region(3, available, deleting), rootKey(), bucket.DeepCopy()}
			},
			Request: req,
		},
		controllertest.Scenario{
			Name:    "a Region being deleted",
			Objects: func() []client.Object { return []client.Object{region(3, available, deleting), rootKey()} },
			Request: req,
		},
	)
}

// TestSetupWithManagerChecksDependencies: a reconciler missing an injected dependency
// refuses to start, before it touches the manager.
func TestSetupWithManagerChecksDependencies(t *testing.T) {
	tests := map[string]*Reconciler{
		"without dependencies": {},
		"without an image":     {AdminClients: &controllers.HTTPAdminClientFactory{}},
	}
	for name, r := range tests {
		t.Run(name, func(t *testing.T) {
			if err := r.SetupWithManager(context.Background(), nil, controller.Options{}); !errors.Is(err, controllers.ErrMissingDependency) {
				t.Errorf("err = %v, want ErrMissingDependency", err)
			}
		})
	}
}
