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
	// RegionCertificateUnavailableReason surfaces when TLS is on and the pods' certificate
	// cannot be had: cert-manager is not installed although spec.tls.issuerRef names an
	// issuer, or it has not issued the certificate yet (the message says which, with
	// cert-manager's own reason). The pods cannot start without it.
	RegionCertificateUnavailableReason = "CertificateUnavailable"
	// RegionStorageFullReason surfaces when a member's disk is full: it has less than 8 MiB
	// free above the reserve kossd keeps (--min-free-space), so it refuses writes with 507
	// XKossStorageFull; a Region writes that member's copies on the others and repairs them
	// once space is freed (by deleting objects or growing the volume). The message names the
	// members and their free space.
	RegionStorageFullReason = "StorageFull"
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

// Reasons the Bucket and AccessKey Ready conditions share: the verdicts on spec.regionRef,
// reached by the same checks for both kinds (the object's Region must exist, serve its
// namespace, not be being deleted, and be Available).
const (
	// RegionRefNotFoundReason surfaces when spec.regionRef names no Region.
	RegionRefNotFoundReason = "RegionNotFound"
	// RegionRefNotAllowedReason surfaces when the Region's spec.bucketNamespaces does not
	// select the object's namespace.
	RegionRefNotAllowedReason = "RegionNotAllowed"
	// RegionRefNotReadyReason surfaces when spec.regionRef does not (yet) point at an
	// Available Region, or points at one being deleted.
	RegionRefNotReadyReason = "RegionNotReady"
	// RegionRefUnreachableReason surfaces when the Region is not Available because its admin
	// API cannot be reached; the controllers retry with back-off.
	RegionRefUnreachableReason = "KossdUnreachable"
)

// Bucket's Provisioned condition and corresponding reasons. Provisioned is durable: it says
// whether the bucket exists in the Region and belongs to this Bucket object, and it changes
// only when the controller creates the bucket, deletes it, or learns from the Region that the
// bucket is gone or the name belongs to someone else. While the Region cannot be asked it
// keeps its value, so what follows it (an AccessKey's grants, the claim on the name) survives
// a Region outage or failover.
const (
	// BucketProvisionedCondition is True when the bucket exists in the Region under this
	// Bucket's owner tag.
	BucketProvisionedCondition = "Provisioned"
	// BucketCreatedReason surfaces (with status True) when the bucket exists in the Region
	// and belongs to this Bucket object, which created it.
	BucketCreatedReason = "Created"
	// BucketProvisioningPendingReason surfaces (with status Unknown) until the Region has
	// first been asked about the bucket.
	BucketProvisioningPendingReason = "Pending"
)

// Reasons of both Bucket conditions: Provisioned is False for them, and so Ready is too.
const (
	// BucketAlreadyExistsReason surfaces when another Bucket object (in any namespace, for
	// any Region: bucket names are unique across Regions) claims the name first, or the
	// Region holds a bucket of that name under another owner; the bucket is never taken over.
	BucketAlreadyExistsReason = "BucketAlreadyExists"
	// BucketProvisioningFailedReason surfaces when the Region refused to create the bucket,
	// or answered with an error, given in the message.
	BucketProvisioningFailedReason = "ProvisioningFailed"
)

// Bucket's Ready condition and corresponding reasons.
const (
	// BucketReadyCondition is True when the bucket can be used now: it is Provisioned, and
	// its Region is Available and answers.
	BucketReadyCondition = "Ready"
	// BucketProvisionedReason surfaces (with status True) when the bucket is Provisioned and
	// its Region answers.
	BucketProvisionedReason = "Provisioned"
	// BucketNotEmptyReason surfaces when deletionPolicy is Delete and the bucket still holds
	// objects; the finalizer stays until it is empty.
	BucketNotEmptyReason = "BucketNotEmpty"
	// BucketRegionNotFoundReason surfaces when spec.regionRef names no Region.
	BucketRegionNotFoundReason = RegionRefNotFoundReason
	// BucketRegionNotReadyReason surfaces when spec.regionRef does not (yet) point at an
	// Available Region.
	BucketRegionNotReadyReason = RegionRefNotReadyReason
	// BucketRegionNotAllowedReason surfaces when the Region's spec.bucketNamespaces does not
	// select the Bucket's namespace.
	BucketRegionNotAllowedReason = RegionRefNotAllowedReason
	// BucketKossdUnreachableReason surfaces when the Region's admin API cannot be reached; the
	// controller retries with back-off. The bucket stays Provisioned meanwhile.
	BucketKossdUnreachableReason = RegionRefUnreachableReason
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
	// AccessKeyBucketNotReadyReason surfaces when a granted Bucket exists but is not
	// Provisioned (yet): its bucket does not exist in the Region or belongs to someone else.
	// A grant follows the Bucket's Provisioned condition, not its Ready condition, so a Region
	// outage never takes a key's access away.
	AccessKeyBucketNotReadyReason = "BucketNotReady"
	// AccessKeyBucketInOtherRegionReason surfaces when a granted Bucket lives in another
	// Region than spec.regionRef.
	AccessKeyBucketInOtherRegionReason = "BucketInOtherRegion"
	// AccessKeyRegionNotFoundReason surfaces when spec.regionRef names no Region.
	AccessKeyRegionNotFoundReason = RegionRefNotFoundReason
	// AccessKeyRegionNotReadyReason surfaces when spec.regionRef does not (yet) point at an
	// Available Region.
	AccessKeyRegionNotReadyReason = RegionRefNotReadyReason
	// AccessKeyRegionNotAllowedReason surfaces when the Region's spec.bucketNamespaces does
	// not select the AccessKey's namespace.
	AccessKeyRegionNotAllowedReason = RegionRefNotAllowedReason
	// AccessKeySecretConflictReason surfaces when a Secret named like spec.secretName exists
	// and is not owned by this AccessKey; it is never overwritten.
	AccessKeySecretConflictReason = "SecretConflict"
	// AccessKeyConfigMapConflictReason surfaces when the ConfigMap of spec.workloadIdentity
	// (<name>-identity) exists and belongs to someone else; it is never overwritten.
	AccessKeyConfigMapConflictReason = "ConfigMapConflict"
	// AccessKeyKossdUnreachableReason surfaces when the Region's admin API cannot be reached;
	// the controller retries with back-off.
	AccessKeyKossdUnreachableReason = RegionRefUnreachableReason
	// AccessKeyIssuingReason surfaces while the key is not issued yet and nothing above
	// explains why: its key pair, its Secret or its registration is still to be done (a
	// failing step is retried with back-off, and its error is in the operator's log).
	AccessKeyIssuingReason = "Issuing"
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
