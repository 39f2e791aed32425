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
	"maps"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
)

// bucketObservation is what one reconcile pass learned about a Bucket; setBucketStatus
// derives the status from it alone.
type bucketObservation struct {
	// region is the verdict on the referenced Region.
	region controllers.RegionUse
	// regionEndpoint is the Region's internal endpoint, "" when the Region was not found.
	regionEndpoint string
	// claimedBy is another Bucket object (namespace/name) that claims the same bucket name
	// first, in any Region; "" when none does.
	claimedBy string
	// bucket is the bucket in the Region when it exists and belongs to this Bucket.
	bucket *adminapi.Bucket
	// missing is true when the Region answered that the bucket does not exist and creating
	// it failed (engineErr says why).
	missing bool
	// engineErr is the admin API's error, if any (including ErrOwnedElsewhere when the
	// name belongs to another owner).
	engineErr error
	// deleting is true while the Bucket is being deleted with deletionPolicy Delete.
	deleting bool
	// abortingUploads is true when the pass stopped while aborting the bucket's open
	// multipart uploads (engineErr says why).
	abortingUploads bool
	// config is the bucket's ACL, tags, CORS and lifecycle rules once spec was applied to them; nil when the pass
	// did not get that far (status.acl and status.tags keep their values).
	config *bucketConfig
	// configRejected says what the Region refused of spec.acl, spec.tags, spec.cors and spec.lifecycle, and
	// why.
	configRejected []string
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
	if o.config != nil {
		b.Status.ACL = kossv1alpha1.BucketACL(o.config.acl)
		b.Status.Tags = nil // none is nil, as the API server reads it back: no status churn
		if len(o.config.tags) > 0 {
			b.Status.Tags = maps.Clone(o.config.tags)
		}
		b.Status.CORS, b.Status.CORSResponseVary = fromCORS(o.config.cors)
		b.Status.Lifecycle = fromLifecycle(o.config.lifecycle)
	}
	setBucketProvisionedCondition(b, o)
	setBucketReadyCondition(b, o)
}

// setBucketProvisionedCondition records what the Region said about the bucket: it exists and
// is this Bucket's, or the name is someone else's, or it does not exist and could not be
// created. A pass that did not get such an answer (the Region is unusable or unreachable,
// the admin API failed) leaves the condition as it was: it changes only on create, delete or
// a change of ownership, never because of an outage.
func setBucketProvisionedCondition(b *kossv1alpha1.Bucket, o bucketObservation) {
	set := func(status metav1.ConditionStatus, reason, message string) {
		controllers.SetCondition(&b.Status.Conditions, b.Generation, kossv1alpha1.BucketProvisionedCondition, status, reason, message)
	}
	name := b.BucketName()
	switch {
	case o.bucket != nil:
		set(metav1.ConditionTrue, kossv1alpha1.BucketCreatedReason, fmt.Sprintf("Bucket %s exists in the Region and belongs to this Bucket", name))
	case o.claimedBy != "":
		set(metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, fmt.Sprintf(
			"Bucket %s already claims the name %s (bucket names are unique across all Regions, as on OSS); choose another spec.name", o.claimedBy, name))
	case adminclient.IsBucketAlreadyExists(o.engineErr):
		set(metav1.ConditionFalse, kossv1alpha1.BucketAlreadyExistsReason, fmt.Sprintf(
			"A bucket named %s already exists in the Region and belongs to someone else; it is never taken over: choose another spec.name", name))
	case o.missing:
		set(metav1.ConditionFalse, kossv1alpha1.BucketProvisioningFailedReason, fmt.Sprintf(
			"Bucket %s does not exist in the Region and creating it failed, retrying: %s", name, controllers.EngineErrorMessage(o.engineErr)))
	case meta.FindStatusCondition(b.Status.Conditions, kossv1alpha1.BucketProvisionedCondition) == nil:
		set(metav1.ConditionUnknown, kossv1alpha1.BucketProvisioningPendingReason, fmt.Sprintf(
			"The Region has not been asked about bucket %s yet", name))
	}
}

// setBucketReadyCondition sets Ready from the first problem found, in the order a user must
// fix them: deletion, the Region (regionUseChain), the Region's answers, then Provisioned,
// which was just set, then the configuration the Region refused. Ready is True when the
// bucket is Provisioned, the Region answers and holds the ACL, tags, CORS and lifecycle rules spec declares.
func setBucketReadyCondition(b *kossv1alpha1.Bucket, o bucketObservation) {
	set := func(status metav1.ConditionStatus, reason, message string) {
		controllers.SetCondition(&b.Status.Conditions, b.Generation, kossv1alpha1.BucketReadyCondition, status, reason, message)
	}
	name := b.BucketName()
	provisioned := meta.FindStatusCondition(b.Status.Conditions, kossv1alpha1.BucketProvisionedCondition)
	if provisioned == nil { // setBucketProvisionedCondition always sets it; this is only defence
		provisioned = &metav1.Condition{Status: metav1.ConditionUnknown, Reason: kossv1alpha1.BucketProvisioningPendingReason,
			Message: fmt.Sprintf("The Region has not been asked about bucket %s yet", name)}
	}
	switch {
	case o.deleting && adminclient.IsBucketNotEmpty(o.engineErr):
		set(metav1.ConditionFalse, kossv1alpha1.BucketNotEmptyReason, fmt.Sprintf(
			"Bucket %s still holds %d objects (its open multipart uploads were aborted); deletionPolicy is Delete, so the Bucket is deleted once they are gone",
			name, b.Status.ObjectCount))
	case o.deleting && o.abortingUploads && o.engineErr != nil && controllers.EngineUnreachable(o.engineErr):
		set(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason, fmt.Sprintf(
			"Aborting the open multipart uploads of bucket %s before deleting it: cannot reach the Region's admin API, retrying with back-off: %s",
			name, controllers.EngineErrorMessage(o.engineErr)))
	case o.deleting && o.abortingUploads:
		set(metav1.ConditionFalse, kossv1alpha1.BucketDeletingReason, fmt.Sprintf(
			"Aborting the open multipart uploads of bucket %s before deleting it (deletionPolicy Delete), retrying: %s",
			name, controllers.EngineErrorMessage(o.engineErr)))
	case o.deleting && o.engineErr != nil && controllers.EngineUnreachable(o.engineErr):
		set(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason,
			"Cannot reach the Region's admin API to delete the bucket, retrying with back-off: "+controllers.EngineErrorMessage(o.engineErr))
	case o.deleting:
		set(metav1.ConditionFalse, kossv1alpha1.BucketDeletingReason, fmt.Sprintf(
			"Deleting bucket %s (deletionPolicy Delete): aborting its open multipart uploads, then deleting it once it holds no objects", name))
	case !o.region.Usable():
		set(metav1.ConditionFalse, o.region.Reason, o.region.Message)
	case o.engineErr != nil && controllers.EngineUnreachable(o.engineErr):
		set(metav1.ConditionFalse, kossv1alpha1.BucketKossdUnreachableReason,
			"Cannot reach the Region's admin API, retrying with back-off: "+controllers.EngineErrorMessage(o.engineErr))
	case provisioned.Status != metav1.ConditionTrue:
		set(metav1.ConditionFalse, provisioned.Reason, provisioned.Message)
	case len(o.configRejected) > 0:
		set(metav1.ConditionFalse, kossv1alpha1.BucketConfigRejectedReason, configRejectedMessage(name, o.configRejected))
	case o.engineErr != nil:
		set(metav1.ConditionFalse, kossv1alpha1.BucketProvisioningFailedReason,
			"The Region answered with an error: "+controllers.EngineErrorMessage(o.engineErr))
	default:
		set(metav1.ConditionTrue, kossv1alpha1.BucketProvisionedReason, fmt.Sprintf("Bucket %s is ready", name))
	}
}
