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

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

// bucketObservation is what one reconcile pass learned about a Bucket; setBucketStatus
// derives the status from it alone.
type bucketObservation struct {
	// region is the verdict on the referenced Region.
	region regionUse
	// regionEndpoint is the Region's internal endpoint, "" when the Region was not found.
	regionEndpoint string
	// claimedBy is another Bucket object (namespace/name) that claims the same bucket name
	// in the same Region first; "" when none does.
	claimedBy string
	// bucket is the bucket in the Region when it exists and belongs to this Bucket.
	bucket *adminapi.Bucket
	// engineErr is the admin API's error, if any (including ErrBucketAlreadyExists when the
	// name belongs to another owner).
	engineErr error
	// deleting is true while the Bucket is being deleted with deletionPolicy Delete.
	deleting bool
}

// setBucketStatus derives a Bucket's status (but observedGeneration) from an observation.
// Object count and bytes keep their last values while the Region cannot be asked.
func setBucketStatus(b *kossv1alpha1.Bucket, o bucketObservation) {
	name := b.BucketName()
	b.Status.BucketName = name
	if o.regionEndpoint != "" {
		b.Status.Endpoint = o.regionEndpoint + "/" + name
	}
	if o.bucket != nil {
		b.Status.ObjectCount = o.bucket.Objects
		b.Status.Bytes = o.bucket.Bytes
	}
	setBucketReadyCondition(b, o)
}

// setBucketReadyCondition sets Ready from the first problem found, in the order a user
// must fix them: deletion, the Region, the name's ownership, the admin API.
func setBucketReadyCondition(b *kossv1alpha1.Bucket, o bucketObservation) {
	set := func(status metav1.ConditionStatus, reason, message string) {
		setCondition(&b.Status.Conditions, b.Generation, kossv1alpha1.BucketReadyCondition, status, reason, message)
	}
	name := b.BucketName()
	switch {
	case o.deleting && adminclient.IsBucketNotEmpty(o.engineErr):
		set(metav1.ConditionFalse, kossv1alpha1.BucketNotEmptyReason, fmt.Sprintf(
			"Bucket %s still holds %d objects; deletionPolicy is Delete, so the Bucket is deleted once they are gone", name, b.Status.ObjectCount))
	case o.deleting && o.engineErr != nil && engineUnreachable(o.engineErr):
		set(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason,
			"Cannot reach the Region's admin API to delete the bucket, retrying with back-off: "+engineErrorMessage(o.engineErr))
	case o.deleting:
		set(metav1.ConditionFalse, kossv1alpha1.BucketDeletingReason, fmt.Sprintf("Deleting bucket %s (deletionPolicy Delete)", name))
	case o.region.problem == regionNotFound:
		set(metav1.ConditionFalse, kossv1alpha1.BucketRegionNotFoundReason, o.region.message)
	case o.region.problem == regionNotAllowed:
		set(metav1.ConditionFalse, kossv1alpha1.BucketRegionNotAllowedReason, o.region.message)
	case o.region.problem == regionNotReady:
		set(metav1.ConditionFalse, kossv1alpha1.BucketRegionNotReadyReason, o.region.message)
	case o.region.problem == regionUnreachable:
		set(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, o.region.message)
	case o.claimedBy != "":
		set(metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, fmt.Sprintf(
			"Bucket %s already claims the name %s in this Region; choose another spec.name", o.claimedBy, name))
	case adminclient.IsBucketAlreadyExists(o.engineErr):
		set(metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, fmt.Sprintf(
			"A bucket named %s already exists in the Region and belongs to someone else; it is never taken over: choose another spec.name", name))
	case o.engineErr != nil && engineUnreachable(o.engineErr):
		set(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason,
			"Cannot reach the Region's admin API, retrying with back-off: "+engineErrorMessage(o.engineErr))
	case o.engineErr != nil:
		set(metav1.ConditionFalse, kossv1alpha1.BucketProvisioningFailedReason,
			"The Region refused the bucket: "+engineErrorMessage(o.engineErr))
	case o.bucket != nil:
		set(metav1.ConditionTrue, kossv1alpha1.BucketProvisionedReason, fmt.Sprintf("Bucket %s is ready", name))
	default:
		set(metav1.ConditionFalse, kossv1alpha1.BucketProvisioningFailedReason, fmt.Sprintf("Bucket %s is not provisioned yet", name))
	}
}
