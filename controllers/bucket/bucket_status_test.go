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
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/controllers/internal/test/controllertest"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

func testBucket(mutate ...func(*kossv1alpha1.Bucket)) *kossv1alpha1.Bucket {
	b := &kossv1alpha1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Name: "photos", Namespace: "storage", UID: "uid-b", Generation: 3},
		Spec:       kossv1alpha1.BucketSpec{RegionRef: kossv1alpha1.RegionReference{Name: "eu"}, DeletionPolicy: kossv1alpha1.DeletionPolicyRetain},
	}
	for _, m := range mutate {
		m(b)
	}
	return b
}

// provisionedBefore gives a Bucket the Provisioned condition an earlier pass, at generation
// 2, left on it.
func provisionedBefore(status metav1.ConditionStatus, reason string) func(*kossv1alpha1.Bucket) {
	return func(b *kossv1alpha1.Bucket) {
		b.Status.Conditions = []metav1.Condition{{
			Type: kossv1alpha1.BucketProvisionedCondition, Status: status, Reason: reason, Message: "from an earlier pass", ObservedGeneration: 2,
		}}
	}
}

func TestSetBucketStatus(t *testing.T) {
	const endpoint = "http://eu.storage.svc.cluster.local:9000"
	usable := controllers.RegionUse{}
	pending := controllertest.Want(metav1.ConditionUnknown, kossv1alpha1.BucketProvisioningPendingReason, "has not been asked")
	created := controllertest.Want(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason, "photos exists in the Region and belongs to this Bucket")
	tests := map[string]struct {
		// bucket is the Bucket before the status is derived.
		bucket *kossv1alpha1.Bucket
		// o is the pass's observation.
		o bucketObservation
		// provisioned and ready are the conditions; a zero provisioned means "left as it
		// was" (kept: the condition of provisionedBefore, unchanged).
		provisioned, ready controllertest.WantCondition
		// check inspects the other fields.
		check func(t *testing.T, b *kossv1alpha1.Bucket)
	}{
		"a provisioned bucket is Ready with its endpoint and statistics": {
			bucket:      testBucket(),
			o:           bucketObservation{region: usable, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "photos", Objects: 4, Bytes: 4096}},
			provisioned: created,
			ready:       controllertest.Want(metav1.ConditionTrue, kossv1alpha1.BucketProvisionedReason, "photos is ready"),
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if b.Status.BucketName != "photos" || b.Status.Endpoint != endpoint+"/photos" || b.Status.ObjectCount != 4 || b.Status.Bytes != 4096 {
					t.Errorf("status = %+v", b.Status)
				}
			},
		},
		"spec.name names the bucket": {
			bucket:      testBucket(func(b *kossv1alpha1.Bucket) { b.Spec.Name = "team-photos" }),
			o:           bucketObservation{region: usable, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "team-photos"}},
			provisioned: controllertest.Want(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason, "team-photos exists"),
			ready:       controllertest.Want(metav1.ConditionTrue, kossv1alpha1.BucketProvisionedReason, "team-photos"),
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if b.Status.BucketName != "team-photos" || b.Status.Endpoint != endpoint+"/team-photos" {
					t.Errorf("status = %+v", b.Status)
				}
			},
		},
		"a missing Region, never asked": {
			bucket:      testBucket(),
			o:           bucketObservation{region: controllers.RegionUse{Reason: kossv1alpha1.RegionRefNotFoundReason, Message: "Region storage/eu not found"}},
			provisioned: pending,
			ready:       controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketRegionNotFoundReason, "not found"),
		},
		"a Region that does not serve the namespace": {
			bucket:      testBucket(),
			o:           bucketObservation{region: controllers.RegionUse{Reason: kossv1alpha1.RegionRefNotAllowedReason, Message: "does not serve namespace x"}},
			provisioned: pending,
			ready:       controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketRegionNotAllowedReason, "does not serve"),
		},
		"a Region that is not Available yet": {
			bucket:      testBucket(),
			o:           bucketObservation{region: controllers.RegionUse{Reason: kossv1alpha1.RegionRefNotReadyReason, Message: "not Available yet"}},
			provisioned: pending,
			ready:       controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketRegionNotReadyReason, "not Available"),
		},
		"a Region that cannot be reached keeps the bucket Provisioned": {
			bucket: testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason)),
			o:      bucketObservation{region: controllers.RegionUse{Reason: kossv1alpha1.RegionRefUnreachableReason, Message: "cannot be reached"}},
			ready:  controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "cannot be reached"),
		},
		"a Region failing over keeps the bucket Provisioned": {
			bucket: testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason)),
			o:      bucketObservation{region: controllers.RegionUse{Reason: kossv1alpha1.RegionRefNotReadyReason, Message: "not Available: no leader"}},
			ready:  controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketRegionNotReadyReason, "no leader"),
		},
		"an unreachable admin API keeps the last statistics and Provisioned": {
			bucket: testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason), func(b *kossv1alpha1.Bucket) {
				b.Status.ObjectCount, b.Status.Bytes = 9, 99
			}),
			o:     bucketObservation{region: usable, regionEndpoint: endpoint, engineErr: controllertest.ErrConnRefused},
			ready: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "connection refused"),
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if b.Status.ObjectCount != 9 || b.Status.Bytes != 99 {
					t.Errorf("statistics lost: %+v", b.Status)
				}
			},
		},
		"an error reading the bucket keeps Provisioned": {
			bucket: testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason)),
			o: bucketObservation{region: usable, regionEndpoint: endpoint,
				engineErr: &adminclient.APIError{StatusCode: 500, Code: adminapi.CodeInternal, Message: "disk on fire"}},
			ready: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketProvisioningFailedReason, "InternalError (500): disk on fire"),
		},
		"another Bucket claims the name first": {
			bucket:      testBucket(),
			o:           bucketObservation{region: usable, regionEndpoint: endpoint, claimedBy: "other/photos"},
			provisioned: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, "other/photos already claims the name photos"),
			ready:       controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, "other/photos already claims the name photos"),
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if b.Status.ObjectCount != 0 {
					t.Errorf("a refused Bucket shows statistics of someone else's bucket: %+v", b.Status)
				}
			},
		},
		"the Region holds the name for someone else": {
			bucket:      testBucket(),
			o:           bucketObservation{region: usable, regionEndpoint: endpoint, engineErr: fmt.Errorf("x: %w", ErrOwnedElsewhere)},
			provisioned: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, "never taken over"),
			ready:       controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, "never taken over"),
		},
		"a Provisioned bucket whose name now belongs to someone else is no longer Provisioned": {
			bucket:      testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason)),
			o:           bucketObservation{region: usable, regionEndpoint: endpoint, engineErr: fmt.Errorf("x: %w", ErrOwnedElsewhere)},
			provisioned: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, "never taken over"),
			ready:       controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, "never taken over"),
		},
		"the Region refuses to create the bucket": {
			bucket: testBucket(),
			o: bucketObservation{region: usable, regionEndpoint: endpoint, missing: true,
				engineErr: &adminclient.APIError{StatusCode: 400, Code: adminapi.CodeInvalidArgument, Message: "bad acl"}},
			provisioned: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketProvisioningFailedReason, "does not exist in the Region and creating it failed, retrying: InvalidArgument (400): bad acl"),
			ready:       controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketProvisioningFailedReason, "InvalidArgument (400): bad acl"),
		},
		"a bucket gone from the Region that cannot be made again": {
			bucket:      testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason)),
			o:           bucketObservation{region: usable, regionEndpoint: endpoint, missing: true, engineErr: controllertest.ErrConnRefused},
			provisioned: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketProvisioningFailedReason, "does not exist in the Region"),
			ready:       controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "connection refused"),
		},
		"a refused Bucket that is asked again stays refused while the Region is away": {
			bucket: testBucket(provisionedBefore(metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason)),
			o:      bucketObservation{region: controllers.RegionUse{Reason: kossv1alpha1.RegionRefUnreachableReason, Message: "cannot be reached"}},
			ready:  controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "cannot be reached"),
		},
		"deleting a bucket that still holds objects": {
			bucket: testBucket(func(b *kossv1alpha1.Bucket) { b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete }),
			o: bucketObservation{deleting: true, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "photos", Objects: 2},
				engineErr: &adminclient.APIError{StatusCode: 409, Code: adminapi.CodeBucketNotEmpty}},
			provisioned: created,
			ready:       controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketNotEmptyReason, "still holds 2 objects"),
		},
		"deleting while the Region cannot be reached": {
			bucket: testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason), func(b *kossv1alpha1.Bucket) {
				b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete
			}),
			o:     bucketObservation{deleting: true, engineErr: controllertest.ErrConnRefused},
			ready: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "to delete the bucket"),
		},
		"aborting the open uploads fails": {
			bucket: testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason), func(b *kossv1alpha1.Bucket) {
				b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete
			}),
			o: bucketObservation{deleting: true, abortingUploads: true,
				engineErr: &adminclient.APIError{StatusCode: 500, Code: adminapi.CodeInternal, Message: "disk on fire"}},
			ready: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketDeletingReason,
				"Aborting the open multipart uploads of bucket photos before deleting it"),
		},
		"aborting the open uploads while the Region cannot be reached": {
			bucket: testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason), func(b *kossv1alpha1.Bucket) {
				b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete
			}),
			o:     bucketObservation{deleting: true, abortingUploads: true, engineErr: controllertest.ErrConnRefused},
			ready: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "Aborting the open multipart uploads"),
		},
		"the ACL and tags the Region holds show in status, no tags as none": {
			bucket: testBucket(func(b *kossv1alpha1.Bucket) { b.Status.Tags = map[string]string{"old": "tag"} }),
			o: bucketObservation{region: usable, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "photos"},
				config: &bucketConfig{acl: "public-read", tags: map[string]string{}}},
			provisioned: created,
			ready:       controllertest.Want(metav1.ConditionTrue, kossv1alpha1.BucketProvisionedReason, "photos is ready"),
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if b.Status.ACL != kossv1alpha1.BucketACLPublicRead || b.Status.Tags != nil {
					t.Errorf("status acl %q tags %#v, want public-read and nil (as the API server reads {} back)", b.Status.ACL, b.Status.Tags)
				}
			},
		},
		"configuration the Region refused is Ready=False ConfigRejected, and status shows what the bucket has": {
			bucket: testBucket(func(b *kossv1alpha1.Bucket) { b.Spec.Tags = map[string]string{"Aliyun-x": "y"} }),
			o: bucketObservation{region: usable, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "photos"},
				config:         &bucketConfig{acl: "private", tags: map[string]string{"team": "media"}},
				configRejected: []string{"spec.tags: InvalidArgument (400): object: invalid tag"}},
			provisioned: created,
			ready: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketConfigRejectedReason,
				"The Region refused spec.tags: InvalidArgument (400): object: invalid tag; bucket photos keeps its previous setting"),
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if b.Status.ACL != kossv1alpha1.BucketACLPrivate || b.Status.Tags["team"] != "media" {
					t.Errorf("status = %+v, want the bucket's own ACL and tags", b.Status)
				}
			},
		},
		"the CORS rules the Region holds show in status as a whole, none as nil": {
			bucket: testBucket(func(b *kossv1alpha1.Bucket) {
				b.Status.CORS = []kossv1alpha1.BucketCORSRule{{AllowedOrigins: []kossv1alpha1.CORSPattern{"*"}, AllowedMethods: []kossv1alpha1.CORSMethod{"GET"}}}
			}),
			o: bucketObservation{region: usable, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "photos"},
				config: &bucketConfig{acl: "private", cors: &adminapi.CORS{ResponseVary: true, Rules: []adminapi.CORSRule{
					{AllowedOrigins: []string{"https://app"}, AllowedMethods: []string{"PUT"}, ExposeHeaders: []string{"ETag"}},
					{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}, AllowedHeaders: []string{}},
				}}}},
			provisioned: created,
			ready:       controllertest.Want(metav1.ConditionTrue, kossv1alpha1.BucketProvisionedReason, "photos is ready"),
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				c := b.Status.CORS
				if len(c) != 2 || c[0].AllowedOrigins[0] != "https://app" || c[0].ExposeHeaders[0] != "ETag" || c[1].AllowedHeaders != nil || !b.Status.CORSResponseVary {
					t.Errorf("status cors %+v vary %v, want both rules, empty lists as nil", c, b.Status.CORSResponseVary)
				}
				setBucketStatus(b, bucketObservation{region: usable, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "photos"},
					config: &bucketConfig{acl: "private"}})
				if b.Status.CORS != nil || b.Status.CORSResponseVary {
					t.Errorf("a bucket without rules shows %+v %v", b.Status.CORS, b.Status.CORSResponseVary)
				}
			},
		},
		"the lifecycle rules the Region holds show in status as a whole, none as nil": {
			bucket: testBucket(func(b *kossv1alpha1.Bucket) { b.Status.Lifecycle = []kossv1alpha1.BucketLifecycleRule{tmpRule()} }),
			o: bucketObservation{region: usable, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "photos"},
				config: &bucketConfig{acl: "private", lifecycle: &adminapi.Lifecycle{Rules: []adminapi.LifecycleRule{
					{ID: "0f3a", Prefix: "tmp/", Enabled: true, Tags: map[string]string{}, Expiration: &adminapi.LifecycleAction{Days: 7}},
					{ID: "off", Enabled: false, AbortUpload: &adminapi.LifecycleAction{Days: 2}},
				}}}},
			provisioned: created,
			ready:       controllertest.Want(metav1.ConditionTrue, kossv1alpha1.BucketProvisionedReason, "photos is ready"),
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				l := b.Status.Lifecycle
				if len(l) != 2 || l[0].ID != "0f3a" || l[0].Status != kossv1alpha1.BucketLifecycleRuleEnabled || l[0].Tags != nil || *l[0].Expiration.Days != 7 ||
					l[1].Status != kossv1alpha1.BucketLifecycleRuleDisabled || *l[1].AbortIncompleteUpload.Days != 2 || l[1].Expiration != nil {
					t.Errorf("status lifecycle %+v, want both rules, status set, empty tags as nil", l)
				}
				setBucketStatus(b, bucketObservation{region: usable, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "photos"},
					config: &bucketConfig{acl: "private"}})
				if b.Status.Lifecycle != nil {
					t.Errorf("a bucket without rules shows %+v", b.Status.Lifecycle)
				}
			},
		},
		"a pass that did not get to the configuration keeps status.lifecycle": {
			bucket: testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason), func(b *kossv1alpha1.Bucket) {
				b.Status.Lifecycle = []kossv1alpha1.BucketLifecycleRule{tmpRule()}
			}),
			o:     bucketObservation{region: usable, regionEndpoint: endpoint, engineErr: controllertest.ErrConnRefused},
			ready: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "connection refused"),
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if len(b.Status.Lifecycle) != 1 {
					t.Errorf("status lifecycle = %+v, want the last rules kept", b.Status.Lifecycle)
				}
			},
		},
		"a pass that did not get to the configuration keeps status.cors": {
			bucket: testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason), func(b *kossv1alpha1.Bucket) {
				b.Status.CORS = []kossv1alpha1.BucketCORSRule{{AllowedOrigins: []kossv1alpha1.CORSPattern{"*"}, AllowedMethods: []kossv1alpha1.CORSMethod{"GET"}}}
			}),
			o:     bucketObservation{region: usable, regionEndpoint: endpoint, engineErr: controllertest.ErrConnRefused},
			ready: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "connection refused"),
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if len(b.Status.CORS) != 1 {
					t.Errorf("status cors = %+v, want the last rules kept", b.Status.CORS)
				}
			},
		},
		"a pass that did not get to the configuration keeps status.acl and status.tags": {
			bucket: testBucket(provisionedBefore(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason), func(b *kossv1alpha1.Bucket) {
				b.Status.ACL, b.Status.Tags = kossv1alpha1.BucketACLPublicRead, map[string]string{"team": "media"}
			}),
			o:     bucketObservation{region: usable, regionEndpoint: endpoint, engineErr: controllertest.ErrConnRefused},
			ready: controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "connection refused"),
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if b.Status.ACL != kossv1alpha1.BucketACLPublicRead || b.Status.Tags["team"] != "media" {
					t.Errorf("status = %+v, want the last ACL and tags kept", b.Status)
				}
			},
		},
		"deleting": {
			bucket:      testBucket(func(b *kossv1alpha1.Bucket) { b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete }),
			o:           bucketObservation{deleting: true},
			provisioned: pending,
			ready:       controllertest.Want(metav1.ConditionFalse, kossv1alpha1.BucketDeletingReason, "Deleting bucket photos"),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := tc.bucket
			before := b.DeepCopy()
			setBucketStatus(b, tc.o)
			controllertest.CheckCondition(t, b.Status.Conditions, kossv1alpha1.BucketReadyCondition, b.Generation, tc.ready)
			if tc.provisioned != (controllertest.WantCondition{}) {
				controllertest.CheckCondition(t, b.Status.Conditions, kossv1alpha1.BucketProvisionedCondition, b.Generation, tc.provisioned)
			} else {
				was := meta.FindStatusCondition(before.Status.Conditions, kossv1alpha1.BucketProvisionedCondition)
				is := meta.FindStatusCondition(b.Status.Conditions, kossv1alpha1.BucketProvisionedCondition)
				if was == nil || is == nil || *was != *is {
					t.Errorf("Provisioned changed from %+v to %+v; a pass without the Region's answer must leave it", was, is)
				}
			}
			if tc.check != nil {
				tc.check(t, b)
			}
		})
	}
}

func TestClaimsFirst(t *testing.T) {
	// ready owns the name in the Region, even while the Region is away (not Ready).
	ready := func(b *kossv1alpha1.Bucket) {
		b.Status.Conditions = []metav1.Condition{
			{Type: kossv1alpha1.BucketProvisionedCondition, Status: metav1.ConditionTrue, Reason: kossv1alpha1.BucketCreatedReason},
			{Type: kossv1alpha1.BucketReadyCondition, Status: metav1.ConditionFalse, Reason: kossv1alpha1.BucketKossdUnreachableReason},
		}
	}
	// oldReady is a Bucket whose status an operator without the Provisioned condition wrote.
	oldReady := func(b *kossv1alpha1.Bucket) {
		b.Status.Conditions = []metav1.Condition{{Type: kossv1alpha1.BucketReadyCondition, Status: metav1.ConditionTrue, Reason: kossv1alpha1.BucketProvisionedReason}}
	}
	// notProvisioned says Ready as well, which one pass never writes, to show that Ready
	// does not decide.
	notProvisioned := func(b *kossv1alpha1.Bucket) {
		b.Status.Conditions = []metav1.Condition{
			{Type: kossv1alpha1.BucketProvisionedCondition, Status: metav1.ConditionFalse, Reason: kossv1alpha1.BucketAlreadyExistsReason},
			{Type: kossv1alpha1.BucketReadyCondition, Status: metav1.ConditionTrue, Reason: kossv1alpha1.BucketProvisionedReason},
		}
	}
	older := testBucket(func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(100, 0); b.UID = "b" })
	newer := testBucket(func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(200, 0); b.UID = "a" })
	twin := testBucket(func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(100, 0); b.UID = "c" })
	readyTwin := testBucket(ready, func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(100, 0); b.UID = "z" })
	readyNewer := testBucket(ready, func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(300, 0) })
	oldReadyNewer := testBucket(oldReady, func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(300, 0) })
	notProvisionedOlder := testBucket(notProvisioned, func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(50, 0) })
	notProvisionedNewer := testBucket(notProvisioned, func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(300, 0) })
	tests := map[string]struct {
		a, b *kossv1alpha1.Bucket
		want bool
	}{
		"the older Bucket claims first":                              {older, newer, true},
		"the newer Bucket does not":                                  {newer, older, false},
		"at the same second the lower uid claims first":              {older, twin, true},
		"at the same second the higher uid does not":                 {twin, older, false},
		"a Provisioned Bucket claims first at the same second":       {readyTwin, older, true},
		"a Provisioned Bucket claims first even when newer":          {readyNewer, older, true},
		"so an older one that is not Provisioned does not":           {older, readyNewer, false},
		"an older status that says Ready counts as Provisioned":      {oldReadyNewer, older, true},
		"Ready without Provisioned does not claim first":             {notProvisionedNewer, older, false},
		"a Provisioned Bucket beats an older one that lost its name": {readyNewer, notProvisionedOlder, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := claimsFirst(tc.a, tc.b); got != tc.want {
				t.Errorf("claimsFirst = %v, want %v", got, tc.want)
			}
		})
	}
}
