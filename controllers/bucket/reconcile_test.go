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

package bucket

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

// TestReconcileNeverReturnsAResultWithAnError drives every phase of the Bucket reconciler
// into its error paths (every API call and every admin API method failing in turn).
func TestReconcileNeverReturnsAResultWithAnError(t *testing.T) {
	req := types.NamespacedName{Namespace: "storage", Name: "photos"}
	available := func(r *kossv1alpha1.Region) {
		r.Status.Conditions = []metav1.Condition{{Type: kossv1alpha1.RegionAvailableCondition, Status: metav1.ConditionTrue, Reason: kossv1alpha1.RegionQuorumAvailableReason}}
	}
	world := func(mutateRegion func(*kossv1alpha1.Region), buckets ...*kossv1alpha1.Bucket) func() []client.Object {
		return func() []client.Object {
			objs := []client.Object{
				controllertest.TestRegion(func(r *kossv1alpha1.Region) { r.UID = ""; mutateRegion(r) }),
				&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "storage"}},
				&corev1.Secret{
					ObjectMeta: metav1.ObjectMeta{Namespace: "storage", Name: "eu-root-key", Labels: controllers.ManagedByLabels()},
					Data:       map[string][]byte{controllers.SecretKeyAccessKeyID: []byte("KOSSROOTID"), controllers.SecretKeyAccessKeySecret: []byte("root-secret-value")},
				},
			}
			for _, b := range buckets {
				objs = append(objs, b.DeepCopy())
			}
			return objs
		}
	}
	bucket := func(mutate ...func(*kossv1alpha1.Bucket)) *kossv1alpha1.Bucket {
		return testBucket(append([]func(*kossv1alpha1.Bucket){func(b *kossv1alpha1.Bucket) {
			b.Namespace, b.Generation = "storage", 1
			b.Finalizers = []string{kossv1alpha1.BucketFinalizer}
		}}, mutate...)...)
	}
	deleting := func(policy kossv1alpha1.DeletionPolicy) func(*kossv1alpha1.Bucket) {
		return func(b *kossv1alpha1.Bucket) {
			now := metav1.Now()
			b.DeletionTimestamp, b.Spec.DeletionPolicy = &now, policy
		}
	}
	owned := func(objects int64) func(*fake.Client) {
		return func(a *fake.Client) {
			_, _ = a.CreateBucket(context.Background(), "photos", adminapi.CreateBucketRequest{Owner: bucketOwnerTag(bucket())})
			a.SetBucketUsage("photos", objects, objects*10)
		}
	}
	rival := testBucket(func(b *kossv1alpha1.Bucket) {
		b.Namespace, b.Name, b.UID = "other", "first", "uid-first"
		b.Spec.Name, b.Spec.RegionRef = "photos", kossv1alpha1.RegionReference{Name: "eu", Namespace: "storage"}
		b.Status.Conditions = []metav1.Condition{{Type: kossv1alpha1.BucketProvisionedCondition, Status: metav1.ConditionTrue, Reason: kossv1alpha1.BucketCreatedReason}}
	})
	controllertest.CheckNeverResultAndError(t,
		func(c client.Client, admins controllers.AdminClientFactory, recorder events.EventRecorder) reconcile.Reconciler {
			return &Reconciler{Client: c, APIReader: c, AdminClients: admins, Recorder: recorder}
		},
		controllertest.Scenario{Name: "a new Bucket", Objects: world(available, bucket()), Request: req},
		controllertest.Scenario{Name: "a provisioned Bucket", Objects: world(available, bucket()), Admin: owned(3), Request: req},
		controllertest.Scenario{Name: "a provisioned Bucket whose ACL and tags drifted",
			Objects: world(available, bucket(func(b *kossv1alpha1.Bucket) {
				b.Spec.ACL, b.Spec.Tags = kossv1alpha1.BucketACLPublicRead, map[string]string{"team": "media"}
			})),
			Admin: func(a *fake.Client) {
				owned(3)(a)
				a.SetBucketTagsDirectly("photos", map[string]string{"team": "other"})
			}, Request: req},
		controllertest.Scenario{Name: "a provisioned Bucket whose CORS rules drifted",
			Objects: world(available, bucket(func(b *kossv1alpha1.Bucket) {
				b.Spec.CORS = []kossv1alpha1.BucketCORSRule{{AllowedOrigins: []kossv1alpha1.CORSPattern{"*"}, AllowedMethods: []kossv1alpha1.CORSMethod{"GET"}}}
			})),
			Admin: func(a *fake.Client) {
				owned(3)(a)
				a.SetBucketCORSDirectly("photos", &adminapi.CORS{Rules: []adminapi.CORSRule{{AllowedOrigins: []string{"https://x"}, AllowedMethods: []string{"PUT"}}}})
			}, Request: req},
		controllertest.Scenario{Name: "a provisioned Bucket whose lifecycle rules drifted",
			Objects: world(available, bucket(func(b *kossv1alpha1.Bucket) { b.Spec.Lifecycle = []kossv1alpha1.BucketLifecycleRule{tmpRule()} })),
			Admin: func(a *fake.Client) {
				owned(3)(a)
				a.SetBucketLifecycleDirectly("photos", &adminapi.Lifecycle{Rules: []adminapi.LifecycleRule{{ID: "x", Enabled: true, Expiration: &adminapi.LifecycleAction{Days: 1}}}})
			}, Request: req},
		controllertest.Scenario{Name: "a Bucket whose lifecycle rules the Region refuses",
			Objects: world(available, bucket(func(b *kossv1alpha1.Bucket) {
				r := tmpRule()
				r.Tags = map[string]kossv1alpha1.LifecycleTagValue{"k": "v"} // with an abort: the fake refuses it
				b.Spec.Lifecycle = []kossv1alpha1.BucketLifecycleRule{r}
			})),
			Admin: owned(0), Request: req},
		controllertest.Scenario{Name: "a Bucket whose CORS rules the Region refuses",
			Objects: world(available, bucket(func(b *kossv1alpha1.Bucket) {
				b.Spec.CORS = []kossv1alpha1.BucketCORSRule{{AllowedOrigins: []kossv1alpha1.CORSPattern{"*"}, AllowedMethods: []kossv1alpha1.CORSMethod{"PATCH"}}}
			})),
			Admin: owned(0), Request: req},
		controllertest.Scenario{Name: "a Bucket whose tags the Region refuses",
			Objects: world(available, bucket(func(b *kossv1alpha1.Bucket) { b.Spec.Tags = map[string]string{"Aliyun-x": "y"} })),
			Admin:   owned(0), Request: req},
		controllertest.Scenario{Name: "a Bucket whose name is owned elsewhere", Objects: world(available, bucket()), Request: req,
			Admin: func(a *fake.Client) {
				_, _ = a.CreateBucket(context.Background(), "photos", adminapi.CreateBucketRequest{Owner: "someone/else/uid"})
			}},
		controllertest.Scenario{Name: "a Bucket whose name another Bucket claims first", Objects: world(available, bucket(), rival), Request: req},
		controllertest.Scenario{Name: "a Bucket of a Region that is not Available", Objects: world(func(*kossv1alpha1.Region) {}, bucket()), Request: req},
		controllertest.Scenario{Name: "a Bucket deleted with its objects (Delete)", Objects: world(available, bucket(deleting(kossv1alpha1.DeletionPolicyDelete))),
			Admin: owned(2), Request: req},
		controllertest.Scenario{Name: "a Bucket deleted once empty (Delete)", Objects: world(available, bucket(deleting(kossv1alpha1.DeletionPolicyDelete))),
			Admin: owned(0), Request: req},
		controllertest.Scenario{Name: "a Bucket deleted with open uploads (Delete)", Objects: world(available, bucket(deleting(kossv1alpha1.DeletionPolicyDelete))),
			Admin: func(a *fake.Client) { owned(0)(a); a.SetUploads("photos", 3) }, Request: req},
		controllertest.Scenario{Name: "a Bucket deleted (Retain)", Objects: world(available, bucket(deleting(kossv1alpha1.DeletionPolicyRetain))),
			Admin: owned(2), Request: req},
	)
}

// TestSetupWithManagerChecksDependencies: a reconciler missing an injected dependency
// refuses to start, before it touches the manager.
func TestSetupWithManagerChecksDependencies(t *testing.T) {
	if err := (&Reconciler{}).SetupWithManager(context.Background(), nil, controller.Options{}); !errors.Is(err, controllers.ErrMissingDependency) {
		t.Errorf("err = %v, want ErrMissingDependency", err)
	}
}

// TestBucketOwnerTag: the tag names the object and its uid, so a Bucket re-created under
// the same name is another owner.
func TestBucketOwnerTag(t *testing.T) {
	b := &kossv1alpha1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "photos", UID: "u1"}}
	if got := bucketOwnerTag(b); got != "team/photos/u1" {
		t.Errorf("owner tag = %q", got)
	}
}
