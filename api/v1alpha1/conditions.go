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

package v1alpha1

// Condition types, reasons and finalizers of the koss.io kinds. Each condition has exactly
// one owning controller (the one reconciling its kind). Reasons are CamelCase machine values
// for tools such as Argo CD health checks; messages are for users and say what to do.
// Constants are named <Kind><Type>Condition and <Kind><Why>Reason.

// Region's Available condition and corresponding reasons.
const (
	// RegionAvailableCondition is True when the Region serves requests: a majority of its
	// members are ready and the cluster has a leader.
	RegionAvailableCondition = "Available"
	// RegionQuorumAvailableReason surfaces when a majority of members are ready.
	RegionQuorumAvailableReason = "QuorumAvailable"
	// RegionQuorumUnavailableReason surfaces when fewer than a majority of members are ready,
	// so writes are refused.
	RegionQuorumUnavailableReason = "QuorumUnavailable"
	// RegionCreatingReason surfaces while the Region's pods start for the first time.
	RegionCreatingReason = "Creating"
)

// Region's Progressing condition and corresponding reasons.
const (
	// RegionProgressingCondition is True while the operator is changing the Region: creating
	// it, adding or removing members, or rolling out a new pod template.
	RegionProgressingCondition = "Progressing"
	// RegionScalingUpReason surfaces while members are being added, one at a time.
	RegionScalingUpReason = "ScalingUp"
	// RegionScalingDownReason surfaces while members are being removed, one at a time, after
	// their data has been re-placed.
	RegionScalingDownReason = "ScalingDown"
	// RegionRollingOutReason surfaces while pods are replaced with a new template (image,
	// resources).
	RegionRollingOutReason = "RollingOut"
	// RegionUpToDateReason surfaces (with status False) when every pod matches spec.
	RegionUpToDateReason = "UpToDate"
)

// Region's Degraded condition and corresponding reasons.
const (
	// RegionDegradedCondition is True when the Region works but below its desired redundancy.
	RegionDegradedCondition = "Degraded"
	// RegionReplicasUnavailableReason surfaces when fewer pods are ready than spec.replicas.
	RegionReplicasUnavailableReason = "ReplicasUnavailable"
	// RegionUnderReplicatedReason surfaces when some objects have fewer than three copies and
	// wait for repair.
	RegionUnderReplicatedReason = "UnderReplicated"
	// RegionHealthyReason surfaces (with status False) when every member is ready and every
	// object has its three copies.
	RegionHealthyReason = "Healthy"
)

// Region's Deleting condition and corresponding reasons.
const (
	// RegionDeletingCondition is True once the Region is being deleted, and says what the
	// deletion waits for.
	RegionDeletingCondition = "Deleting"
	// RegionBucketsExistReason surfaces while Bucket objects still use the Region: deletion is
	// blocked until they are gone, so no bucket loses its Region under it.
	RegionBucketsExistReason = "BucketsExist"
	// RegionDeletionInProgressReason surfaces while nothing blocks the deletion any longer.
	RegionDeletionInProgressReason = "DeletionInProgress"
)

// Reasons used by several Region conditions.
const (
	// RegionKossdUnreachableReason surfaces when the operator cannot reach the Region's admin
	// API; it retries with back-off.
	RegionKossdUnreachableReason = "KossdUnreachable"
)

// RegionFinalizer lets the controller refuse to let a Region go while Buckets still use it.
const RegionFinalizer = "koss.io/region"

// Bucket's Ready condition and corresponding reasons.
const (
	// BucketReadyCondition is True when the bucket exists in the Region, belongs to this
	// Bucket object and matches spec.
	BucketReadyCondition = "Ready"
	// BucketProvisionedReason surfaces when the bucket was created or already matched spec.
	BucketProvisionedReason = "Provisioned"
	// BucketAlreadyExistsReason surfaces when another Bucket object (in any namespace) owns
	// the name in the Region; the bucket is never taken over.
	BucketAlreadyExistsReason = "BucketAlreadyExists"
	// BucketNotEmptyReason surfaces when deletionPolicy is Delete and the bucket still holds
	// objects; the finalizer stays until it is empty.
	BucketNotEmptyReason = "BucketNotEmpty"
	// BucketRegionNotFoundReason surfaces when spec.regionRef names no Region.
	BucketRegionNotFoundReason = "RegionNotFound"
	// BucketRegionNotReadyReason surfaces when spec.regionRef does not (yet) point at an
	// Available Region.
	BucketRegionNotReadyReason = "RegionNotReady"
	// BucketRegionNotAllowedReason surfaces when the Region's spec.bucketNamespaces does not
	// select the Bucket's namespace.
	BucketRegionNotAllowedReason = "RegionNotAllowed"
	// BucketKossdUnreachableReason surfaces when the Region's admin API cannot be reached; the
	// controller retries with back-off.
	BucketKossdUnreachableReason = "KossdUnreachable"
	// BucketProvisioningFailedReason surfaces when the Region refused to create or update the
	// bucket for another reason, given in the message.
	BucketProvisioningFailedReason = "ProvisioningFailed"
	// BucketDeletingReason surfaces while the bucket is being deleted (deletionPolicy Delete).
	BucketDeletingReason = "Deleting"
)

// BucketFinalizer lets the controller delete (or retain) the bucket in its Region before the
// object goes away.
const BucketFinalizer = "koss.io/bucket"

// AccessKey's Ready condition and corresponding reasons.
const (
	// AccessKeyReadyCondition is True when the key is registered in its Region with the
	// grants of spec.buckets and its Secret is up to date.
	AccessKeyReadyCondition = "Ready"
	// AccessKeyIssuedReason surfaces when the key is registered and the Secret written.
	AccessKeyIssuedReason = "KeyIssued"
	// AccessKeyBucketNotFoundReason surfaces when spec.buckets names a Bucket that does not
	// exist in the AccessKey's namespace.
	AccessKeyBucketNotFoundReason = "BucketNotFound"
	// AccessKeyBucketNotReadyReason surfaces when a granted Bucket exists but is not Ready yet.
	AccessKeyBucketNotReadyReason = "BucketNotReady"
	// AccessKeyBucketInOtherRegionReason surfaces when a granted Bucket lives in another
	// Region than spec.regionRef.
	AccessKeyBucketInOtherRegionReason = "BucketInOtherRegion"
	// AccessKeyRegionNotFoundReason surfaces when spec.regionRef names no Region.
	AccessKeyRegionNotFoundReason = "RegionNotFound"
	// AccessKeyRegionNotReadyReason surfaces when spec.regionRef does not (yet) point at an
	// Available Region.
	AccessKeyRegionNotReadyReason = "RegionNotReady"
	// AccessKeyRegionNotAllowedReason surfaces when the Region's spec.bucketNamespaces does
	// not select the AccessKey's namespace.
	AccessKeyRegionNotAllowedReason = "RegionNotAllowed"
	// AccessKeySecretConflictReason surfaces when a Secret named like spec.secretName exists
	// and is not owned by this AccessKey; it is never overwritten.
	AccessKeySecretConflictReason = "SecretConflict"
	// AccessKeyKossdUnreachableReason surfaces when the Region's admin API cannot be reached;
	// the controller retries with back-off.
	AccessKeyKossdUnreachableReason = "KossdUnreachable"
	// AccessKeyRegistrationFailedReason surfaces when the Region refused to register the key
	// (for example another key already uses its id with another secret).
	AccessKeyRegistrationFailedReason = "RegistrationFailed"
	// AccessKeyRevokingReason surfaces while the key is being revoked before the AccessKey and
	// its Secret go away.
	AccessKeyRevokingReason = "Revoking"
)

// AccessKeyFinalizer lets the controller revoke the key in its Region before the AccessKey
// (and, through its owner reference, the Secret) goes away.
const AccessKeyFinalizer = "koss.io/accesskey"
