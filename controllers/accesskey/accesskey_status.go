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
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kossv1alpha1 "github.com/koss-io/koss/api/v1alpha1"
	"github.com/koss-io/koss/controllers"
)

// accessKeyObservation is what one reconcile pass learned about an AccessKey;
// setAccessKeyStatus derives the status from it alone. It never holds the secret.
type accessKeyObservation struct {
	// region is the verdict on the referenced Region.
	region controllers.RegionUse
	// missingBuckets, otherRegionBuckets and unprovisionedBuckets name the Bucket objects of
	// spec.buckets that are not granted for that reason.
	missingBuckets       []string
	otherRegionBuckets   []string
	unprovisionedBuckets []string
	// grants is how many grants the key has.
	grants int
	// secretConflict names a Secret in the way that this AccessKey does not control.
	secretConflict string
	// secretWritten is true once the credentials Secret is written.
	secretWritten bool
	// keyID is the registered key's id; "" until it is registered.
	keyID string
	// engineErr is the admin API's error, if any.
	engineErr error
	// deleting is true while the key is revoked.
	deleting bool
	// rotation is the pair's rotation state; nil when the pass did not read it.
	rotation *rotationState
	// workloadIdentity is what the workload identity ConfigMap says, once it is written;
	// workloadIdentityRemoved is true once the ConfigMap of a removed spec.workloadIdentity
	// is gone; configMapConflict names a ConfigMap in the way that this AccessKey does not
	// control.
	workloadIdentity        *kossv1alpha1.AccessKeyWorkloadIdentityStatus
	workloadIdentityRemoved bool
	configMapConflict       string
}

// setAccessKeyStatus derives an AccessKey's status (but observedGeneration).
func setAccessKeyStatus(k *kossv1alpha1.AccessKey, o accessKeyObservation) {
	if o.keyID != "" {
		k.Status.AccessKeyID = o.keyID
	}
	if o.secretWritten {
		k.Status.SecretName = k.SecretName()
		setRotationStatus(k, o.rotation)
	}
	switch {
	case o.workloadIdentity != nil:
		k.Status.WorkloadIdentity = o.workloadIdentity
	case o.workloadIdentityRemoved:
		k.Status.WorkloadIdentity = nil
	}
	setAccessKeyReadyCondition(k, o)
}

// setAccessKeyReadyCondition sets Ready from the first problem found. A key may be issued
// with the grants that could be resolved while others are missing: it is then not Ready,
// and the message names what is missing.
func setAccessKeyReadyCondition(k *kossv1alpha1.AccessKey, o accessKeyObservation) {
	set := func(status metav1.ConditionStatus, reason, message string) {
		controllers.SetCondition(&k.Status.Conditions, k.Generation, kossv1alpha1.AccessKeyReadyCondition, status, reason, message)
	}
	switch {
	case o.deleting && o.engineErr != nil && controllers.EngineUnreachable(o.engineErr):
		set(metav1.ConditionFalse, kossv1alpha1.AccessKeyKossdUnreachableReason,
			"Cannot reach the Region's admin API to revoke the key, retrying with back-off: "+controllers.EngineErrorMessage(o.engineErr))
	case o.deleting:
		set(metav1.ConditionFalse, kossv1alpha1.AccessKeyRevokingReason, fmt.Sprintf("Revoking key %s", k.Status.AccessKeyID))
	case !o.region.Usable():
		set(metav1.ConditionFalse, o.region.Reason, o.region.Message)
	case o.secretConflict != "":
		set(metav1.ConditionFalse, kossv1alpha1.AccessKeySecretConflictReason, fmt.Sprintf(
			"Secret %s exists and does not belong to this AccessKey; it is never overwritten: delete it or set spec.secretName", o.secretConflict))
	case o.engineErr != nil && controllers.EngineUnreachable(o.engineErr):
		set(metav1.ConditionFalse, kossv1alpha1.AccessKeyKossdUnreachableReason,
			"Cannot reach the Region's admin API, retrying with back-off: "+controllers.EngineErrorMessage(o.engineErr))
	case o.engineErr != nil:
		set(metav1.ConditionFalse, kossv1alpha1.AccessKeyRegistrationFailedReason,
			"The Region refused the key: "+controllers.EngineErrorMessage(o.engineErr))
	case len(o.missingBuckets) > 0:
		set(metav1.ConditionFalse, kossv1alpha1.AccessKeyBucketNotFoundReason, fmt.Sprintf(
			"Buckets not found in namespace %s: %s (a key can only be granted Buckets of its own namespace)", k.Namespace, controllers.ListNames(o.missingBuckets)))
	case len(o.otherRegionBuckets) > 0:
		set(metav1.ConditionFalse, kossv1alpha1.AccessKeyBucketInOtherRegionReason, fmt.Sprintf(
			"Buckets in another Region than spec.regionRef: %s", controllers.ListNames(o.otherRegionBuckets)))
	case len(o.unprovisionedBuckets) > 0:
		set(metav1.ConditionFalse, kossv1alpha1.AccessKeyBucketNotReadyReason, fmt.Sprintf(
			"Buckets not provisioned in the Region (yet), so not granted: %s", controllers.ListNames(o.unprovisionedBuckets)))
	case o.configMapConflict != "":
		set(metav1.ConditionFalse, kossv1alpha1.AccessKeyConfigMapConflictReason, fmt.Sprintf(
			"ConfigMap %s exists and does not belong to this AccessKey, so spec.workloadIdentity is not published; it is never overwritten: delete it", o.configMapConflict))
	case o.keyID != "" && o.secretWritten:
		set(metav1.ConditionTrue, kossv1alpha1.AccessKeyIssuedReason, fmt.Sprintf(
			"Key %s is registered with %d grants; its credentials are in Secret %s", o.keyID, o.grants, k.SecretName()))
	case !o.secretWritten:
		// Reading the Secret, generating the pair or applying the Secret failed; the error
		// is retried with back-off and logged (it may name the Secret, never its data).
		set(metav1.ConditionFalse, kossv1alpha1.AccessKeyIssuingReason, fmt.Sprintf(
			"Writing the credentials Secret %s, retrying", k.SecretName()))
	default:
		set(metav1.ConditionFalse, kossv1alpha1.AccessKeyIssuingReason, "Registering the key with the Region")
	}
}
