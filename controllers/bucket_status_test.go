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
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
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

func TestSetBucketStatus(t *testing.T) {
	const endpoint = "http://eu.storage.svc.cluster.local:9000"
	usable := regionUse{problem: regionUsable}
	tests := map[string]struct {
		// bucket is the Bucket before the status is derived.
		bucket *kossv1alpha1.Bucket
		// o is the pass's observation.
		o bucketObservation
		// want is the Ready condition.
		want wantCondition
		// check inspects the other fields.
		check func(t *testing.T, b *kossv1alpha1.Bucket)
	}{
		"a provisioned bucket is Ready with its endpoint and statistics": {
			bucket: testBucket(),
			o:      bucketObservation{region: usable, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "photos", Objects: 4, Bytes: 4096}},
			want:   wantCondition{metav1.ConditionTrue, kossv1alpha1.BucketProvisionedReason, "photos is ready"},
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if b.Status.BucketName != "photos" || b.Status.Endpoint != endpoint+"/photos" || b.Status.ObjectCount != 4 || b.Status.Bytes != 4096 {
					t.Errorf("status = %+v", b.Status)
				}
			},
		},
		"spec.name names the bucket": {
			bucket: testBucket(func(b *kossv1alpha1.Bucket) { b.Spec.Name = "team-photos" }),
			o:      bucketObservation{region: usable, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "team-photos"}},
			want:   wantCondition{metav1.ConditionTrue, kossv1alpha1.BucketProvisionedReason, "team-photos"},
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if b.Status.BucketName != "team-photos" || b.Status.Endpoint != endpoint+"/team-photos" {
					t.Errorf("status = %+v", b.Status)
				}
			},
		},
		"a missing Region": {
			bucket: testBucket(),
			o:      bucketObservation{region: regionUse{regionNotFound, "Region storage/eu not found"}},
			want:   wantCondition{metav1.ConditionFalse, kossv1alpha1.BucketRegionNotFoundReason, "not found"},
		},
		"a Region that does not serve the namespace": {
			bucket: testBucket(),
			o:      bucketObservation{region: regionUse{regionNotAllowed, "does not serve namespace x"}},
			want:   wantCondition{metav1.ConditionFalse, kossv1alpha1.BucketRegionNotAllowedReason, "does not serve"},
		},
		"a Region that is not Available": {
			bucket: testBucket(),
			o:      bucketObservation{region: regionUse{regionNotReady, "not Available yet"}},
			want:   wantCondition{metav1.ConditionFalse, kossv1alpha1.BucketRegionNotReadyReason, "not Available"},
		},
		"a Region that cannot be reached": {
			bucket: testBucket(),
			o:      bucketObservation{region: regionUse{regionUnreachable, "cannot be reached"}},
			want:   wantCondition{metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "cannot be reached"},
		},
		"another Bucket claims the name first": {
			bucket: testBucket(),
			o:      bucketObservation{region: usable, regionEndpoint: endpoint, claimedBy: "other/photos"},
			want:   wantCondition{metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, "other/photos already claims the name photos"},
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if b.Status.ObjectCount != 0 {
					t.Errorf("a refused Bucket shows statistics of someone else's bucket: %+v", b.Status)
				}
			},
		},
		"the Region refuses a name owned by someone else": {
			bucket: testBucket(),
			o:      bucketObservation{region: usable, regionEndpoint: endpoint, engineErr: fmt.Errorf("x: %w", ErrBucketOwnedElsewhere)},
			want:   wantCondition{metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, "never taken over"},
		},
		"an unreachable Region keeps the last statistics": {
			bucket: testBucket(func(b *kossv1alpha1.Bucket) { b.Status.ObjectCount, b.Status.Bytes = 9, 99 }),
			o:      bucketObservation{region: usable, regionEndpoint: endpoint, engineErr: errConnRefused},
			want:   wantCondition{metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "connection refused"},
			check: func(t *testing.T, b *kossv1alpha1.Bucket) {
				if b.Status.ObjectCount != 9 || b.Status.Bytes != 99 {
					t.Errorf("statistics lost: %+v", b.Status)
				}
			},
		},
		"another refusal": {
			bucket: testBucket(),
			o: bucketObservation{region: usable, regionEndpoint: endpoint,
				engineErr: &adminclient.APIError{StatusCode: 400, Code: adminapi.CodeInvalidArgument, Message: "bad acl"}},
			want: wantCondition{metav1.ConditionFalse, kossv1alpha1.BucketProvisioningFailedReason, "InvalidArgument (400): bad acl"},
		},
		"deleting a bucket that still holds objects": {
			bucket: testBucket(func(b *kossv1alpha1.Bucket) { b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete }),
			o: bucketObservation{deleting: true, regionEndpoint: endpoint, bucket: &adminapi.Bucket{Name: "photos", Objects: 2},
				engineErr: &adminclient.APIError{StatusCode: 409, Code: adminapi.CodeBucketNotEmpty}},
			want: wantCondition{metav1.ConditionFalse, kossv1alpha1.BucketNotEmptyReason, "still holds 2 objects"},
		},
		"deleting while the Region cannot be reached": {
			bucket: testBucket(func(b *kossv1alpha1.Bucket) { b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete }),
			o:      bucketObservation{deleting: true, engineErr: errConnRefused},
			want:   wantCondition{metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, "to delete the bucket"},
		},
		"deleting": {
			bucket: testBucket(func(b *kossv1alpha1.Bucket) { b.Spec.DeletionPolicy = kossv1alpha1.DeletionPolicyDelete }),
			o:      bucketObservation{deleting: true},
			want:   wantCondition{metav1.ConditionFalse, kossv1alpha1.BucketDeletingReason, "Deleting bucket photos"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := tc.bucket
			setBucketStatus(b, tc.o)
			checkCondition(t, b.Status.Conditions, kossv1alpha1.BucketReadyCondition, b.Generation, tc.want)
			if tc.check != nil {
				tc.check(t, b)
			}
		})
	}
}

func TestClaimsFirst(t *testing.T) {
	ready := func(b *kossv1alpha1.Bucket) {
		b.Status.Conditions = []metav1.Condition{{Type: kossv1alpha1.BucketReadyCondition, Status: metav1.ConditionTrue, Reason: kossv1alpha1.BucketProvisionedReason}}
	}
	older := testBucket(func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(100, 0); b.UID = "b" })
	newer := testBucket(func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(200, 0); b.UID = "a" })
	twin := testBucket(func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(100, 0); b.UID = "c" })
	readyTwin := testBucket(ready, func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(100, 0); b.UID = "z" })
	readyNewer := testBucket(ready, func(b *kossv1alpha1.Bucket) { b.CreationTimestamp = metav1.Unix(300, 0) })
	tests := map[string]struct {
		a, b *kossv1alpha1.Bucket
		want bool
	}{
		"the older Bucket claims first":                  {older, newer, true},
		"the newer Bucket does not":                      {newer, older, false},
		"at the same second the lower uid claims first":  {older, twin, true},
		"at the same second the higher uid does not":     {twin, older, false},
		"a Ready Bucket claims first at the same second": {readyTwin, older, true},
		"a Ready Bucket claims first even when newer":    {readyNewer, older, true},
		"so an older one that is not Ready does not":     {older, readyNewer, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := claimsFirst(tc.a, tc.b); got != tc.want {
				t.Errorf("claimsFirst = %v, want %v", got, tc.want)
			}
		})
	}
}
