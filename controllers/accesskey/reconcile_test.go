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

package accesskey

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient/fake"
)

// TestReconcileNeverReturnsAResultWithAnError drives every phase of the AccessKey reconciler
// into its error paths (every API call and every admin API method failing in turn).
func TestReconcileNeverReturnsAResultWithAnError(t *testing.T) {
	req := types.NamespacedName{Namespace: "storage", Name: "app"}
	const keyID, keySecret = "KOSSAPPKEY000001", "app-secret-value-0000000000000001"
	key := func(mutate ...func(*kossv1alpha1.AccessKey)) *kossv1alpha1.AccessKey {
		return testAccessKey(append([]func(*kossv1alpha1.AccessKey){func(k *kossv1alpha1.AccessKey) {
			k.Generation = 1
			k.Finalizers = []string{kossv1alpha1.AccessKeyFinalizer}
		}}, mutate...)...)
	}
	secret := func(owner *kossv1alpha1.AccessKey) *corev1.Secret {
		s := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "app", Labels: controllers.ManagedByLabels()},
			Data:       map[string][]byte{controllers.SecretKeyAccessKeyID: []byte(keyID), controllers.SecretKeyAccessKeySecret: []byte(keySecret)},
		}
		if owner != nil {
			s.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(owner, kossv1alpha1.GroupVersion.WithKind("AccessKey"))}
		}
		return s
	}
	world := func(k *kossv1alpha1.AccessKey, extra ...client.Object) func() []client.Object {
		return func() []client.Object {
			objs := []client.Object{
				controllertest.TestRegion(func(r *kossv1alpha1.Region) {
					r.UID = ""
					r.Status.Conditions = []metav1.Condition{{Type: kossv1alpha1.RegionAvailableCondition, Status: metav1.ConditionTrue, Reason: kossv1alpha1.RegionQuorumAvailableReason}}
				}),
				&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "storage"}},
				&corev1.Secret{
					ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "eu-root-key", Labels: controllers.ManagedByLabels()},
					Data:       map[string][]byte{controllers.SecretKeyAccessKeyID: []byte("KOSSROOTID"), controllers.SecretKeyAccessKeySecret: []byte("root-secret-value")},
				},
				&kossv1alpha1.Bucket{
					ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "photos"},
					Spec:       kossv1alpha1.BucketSpec{RegionRef: kossv1alpha1.RegionReference{Name: "eu"}},
					Status: kossv1alpha1.BucketStatus{Conditions: []metav1.Condition{
						{Type: kossv1alpha1.BucketProvisionedCondition, Status: metav1.ConditionTrue, Reason: kossv1alpha1.BucketCreatedReason},
					}},
				},
				k.DeepCopy(),
			}
			for _, o := range extra {
				objs = append(objs, o.DeepCopyObject().(client.Object))
			}
			return objs
		}
	}
	registered := func(grants ...adminapi.Grant) func(*fake.Client) {
		return func(a *fake.Client) {
			_, _ = a.CreateAccessKey(context.Background(), adminapi.CreateKeyRequest{AccessKeyID: keyID, AccessKeySecret: keySecret, Grants: grants})
		}
	}
	issued := key(func(k *kossv1alpha1.AccessKey) { k.Status.AccessKeyID = keyID })
	rotated := key(func(k *kossv1alpha1.AccessKey) { k.Status.AccessKeyID = "KOSSOLDKEY000001" })
	deleting := key(func(k *kossv1alpha1.AccessKey) {
		now := metav1.Now()
		k.DeletionTimestamp, k.Status.AccessKeyID = &now, keyID
	})
	readWrite := adminapi.Grant{Bucket: "photos", Access: adminapi.AccessReadWrite}
	withIdentity := key(func(k *kossv1alpha1.AccessKey) { k.Status.AccessKeyID = keyID; withWorkloadIdentity(k) })
	identityRemoved := key(func(k *kossv1alpha1.AccessKey) {
		k.Status.AccessKeyID = keyID
		k.Status.WorkloadIdentity = &kossv1alpha1.AccessKeyWorkloadIdentityStatus{ConfigMapName: "app-identity"}
	})
	identityConfigMap := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "app-identity", Labels: controllers.ManagedByLabels(),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(identityRemoved, kossv1alpha1.GroupVersion.WithKind("AccessKey"))}},
	}
	controllertest.CheckNeverResultAndError(t,
		func(c client.Client, admins controllers.AdminClientFactory, recorder events.EventRecorder) reconcile.Reconciler {
			return &Reconciler{Client: c, APIReader: c, AdminClients: admins, Recorder: recorder}
		},
		controllertest.Scenario{Name: "a new AccessKey", Objects: world(key()), Request: req},
		controllertest.Scenario{Name: "an issued AccessKey", Objects: world(issued, secret(issued)), Admin: registered(readWrite), Request: req},
		controllertest.Scenario{Name: "an AccessKey whose grants changed", Objects: world(issued, secret(issued)),
			Admin: registered(adminapi.Grant{Bucket: "photos", Access: adminapi.AccessRead}), Request: req},
		controllertest.Scenario{Name: "an AccessKey whose Secret was replaced", Objects: world(rotated, secret(rotated)),
			Admin: func(a *fake.Client) {
				registered(readWrite)(a)
				_, _ = a.CreateAccessKey(context.Background(), adminapi.CreateKeyRequest{AccessKeyID: "KOSSOLDKEY000001", AccessKeySecret: "old-secret-value-00000000000000001"})
			}, Request: req},
		controllertest.Scenario{Name: "an AccessKey whose Secret name is taken", Objects: world(key(), secret(nil)), Request: req},
		controllertest.Scenario{Name: "an issued AccessKey with a workload identity", Objects: world(withIdentity, secret(withIdentity)),
			Admin: registered(readWrite), Request: req},
		controllertest.Scenario{Name: "an AccessKey whose workload identity was removed", Objects: world(identityRemoved, secret(identityRemoved), identityConfigMap),
			Admin: registered(readWrite), Request: req},
		controllertest.Scenario{Name: "an AccessKey being deleted", Objects: world(deleting, secret(deleting)), Admin: registered(readWrite), Request: req},
	)
}

// TestSetupWithManagerChecksDependencies: a reconciler missing an injected dependency
// refuses to start, before it touches the manager.
func TestSetupWithManagerChecksDependencies(t *testing.T) {
	r := &Reconciler{AdminClients: &controllers.HTTPAdminClientFactory{}}
	if err := r.SetupWithManager(context.Background(), nil, controller.Options{}); !errors.Is(err, controllers.ErrMissingDependency) {
		t.Errorf("err = %v, want ErrMissingDependency", err)
	}
}
