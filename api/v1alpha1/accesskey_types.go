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

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BucketAccess is what an AccessKey may do with a bucket.
// +kubebuilder:validation:Enum=read;write;readwrite
type BucketAccess string

const (
	// BucketAccessRead allows reading and listing objects.
	BucketAccessRead BucketAccess = "read"
	// BucketAccessWrite allows writing and deleting objects.
	BucketAccessWrite BucketAccess = "write"
	// BucketAccessReadWrite allows both.
	BucketAccessReadWrite BucketAccess = "readwrite"
)

// MaxAccessKeyBuckets is the most buckets one AccessKey may be granted.
const MaxAccessKeyBuckets = 100

// BucketGrant gives an AccessKey access to one Bucket.
type BucketGrant struct {
	// name is the metadata.name of a Bucket object in the AccessKey's own namespace, never
	// another namespace's: a team can only grant itself its own buckets.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`

	// access is what the key may do with the bucket: read, write or readwrite.
	// +required
	Access BucketAccess `json:"access"`
}

// AccessKeySpec defines the desired state of an AccessKey.
type AccessKeySpec struct {
	// regionRef is the Region that issues the key. A key belongs to one Region for its whole
	// life, so it is immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="regionRef is immutable"
	RegionRef RegionReference `json:"regionRef"`

	// buckets are the key's grants, at most one per Bucket. They follow spec changes.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=100
	Buckets []BucketGrant `json:"buckets,omitempty"`

	// secretName is the name of the Secret, in the AccessKey's namespace, that receives the
	// credentials. When unset, the AccessKey's name is used. It is immutable, set or defaulted.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	SecretName string `json:"secretName,omitempty"`

	// rotation replaces the key pair on a schedule (period) and whenever the annotation
	// koss.io/rotate changes value; the previous key keeps working for overlap after each
	// rotation, then it is revoked. The Secret is updated in place, so pods that mount it see
	// the new pair (Kubernetes refreshes Secret volumes) and pods that read it at start keep
	// working until they restart within the overlap. Unset: the pair changes only when the
	// Secret is deleted, and then the old key is revoked at once.
	// +optional
	Rotation *AccessKeyRotation `json:"rotation,omitempty"`

	// workloadIdentity lets pods of the named ServiceAccounts (in this AccessKey's namespace)
	// exchange a projected ServiceAccount token for temporary credentials with this key's
	// grants (STS AssumeRoleWithOIDC on the Region's endpoint, as Alibaba Cloud's RRSA
	// clients send it), so that they need no copy of the key pair. The operator publishes
	// what the pods need in the ConfigMap status.workloadIdentity.configMapName (for envFrom)
	// and what the Region needs to verify the tokens offline in the Region's
	// <region>-workload-identity Secret. Unset: only the static pair in the Secret works.
	// +optional
	WorkloadIdentity *AccessKeyWorkloadIdentity `json:"workloadIdentity,omitempty"`
}

// MaxWorkloadIdentityServiceAccounts is the most ServiceAccounts one AccessKey may name.
const MaxWorkloadIdentityServiceAccounts = 20

// DefaultMaxSessionDuration is spec.workloadIdentity.maxSessionDuration when it is unset.
const DefaultMaxSessionDuration = time.Hour

// MinSessionDuration is the shortest session STS issues (and so the shortest
// spec.workloadIdentity.maxSessionDuration), as Alibaba Cloud STS does.
const MinSessionDuration = 15 * time.Minute

// AccessKeyWorkloadIdentity names who may assume an AccessKey's grants with a ServiceAccount
// token, and for how long.
type AccessKeyWorkloadIdentity struct {
	// serviceAccounts are the names of the ServiceAccounts, in the AccessKey's namespace,
	// whose tokens are exchanged (the token's subject must be
	// system:serviceaccount:<namespace>:<name>).
	// +required
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ServiceAccounts []string `json:"serviceAccounts"`

	// maxSessionDuration is the longest a session may last (the DurationSeconds a client
	// asks for is capped to it), from 15m to 12h. Default 1h. With spec.rotation, a session
	// never outlives its parent key: the cap is the rotation overlap instead when the
	// overlap is shorter and at least 15m (a session ends when the key it was issued from is
	// retired at the end of the overlap).
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('15m') && duration(self) <= duration('12h')",message="maxSessionDuration must be between 15m and 12h"
	MaxSessionDuration *metav1.Duration `json:"maxSessionDuration,omitempty"`
}

// MaxSession is the longest session of the AccessKey's workload identity:
// spec.workloadIdentity.maxSessionDuration with its default, capped at the rotation overlap
// when spec.rotation is set and its overlap is shorter but still at least
// MinSessionDuration. Zero without spec.workloadIdentity.
func (k *AccessKey) MaxSession() time.Duration {
	w := k.Spec.WorkloadIdentity
	if w == nil {
		return 0
	}
	d := DefaultMaxSessionDuration
	if w.MaxSessionDuration != nil {
		d = w.MaxSessionDuration.Duration
	}
	if k.Spec.Rotation != nil {
		if o := k.Spec.Rotation.OverlapDuration(); o < d && o >= MinSessionDuration {
			d = o
		}
	}
	return d
}

// RotateAnnotation on an AccessKey requests a rotation whenever its value changes (for
// example to the current time): `kubectl annotate accesskey app koss.io/rotate="$(date +%s)"
// --overwrite`. It works with or without spec.rotation (whose overlap it then uses).
const RotateAnnotation = "koss.io/rotate"

// DefaultRotationOverlap is spec.rotation.overlap when it is unset.
const DefaultRotationOverlap = time.Hour

// AccessKeyRotation says when an AccessKey's pair is replaced and how long the previous one
// keeps working.
// +kubebuilder:validation:XValidation:rule="!has(self.period) || !has(self.overlap) || duration(self.overlap) < duration(self.period)",message="overlap must be shorter than period"
type AccessKeyRotation struct {
	// period is how long a pair is used before a new one replaces it, at least 1m, e.g.
	// 720h. Unset: only the koss.io/rotate annotation rotates.
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m')",message="period must be at least 1m"
	Period *metav1.Duration `json:"period,omitempty"`

	// overlap is how long the previous key keeps working after a rotation, so that every
	// holder can pick the new pair up; 0s revokes it at once. Default 1h.
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="overlap must not be negative"
	Overlap *metav1.Duration `json:"overlap,omitempty"`
}

// OverlapDuration is spec.rotation.overlap with its default.
func (r *AccessKeyRotation) OverlapDuration() time.Duration {
	if r == nil || r.Overlap == nil {
		return DefaultRotationOverlap
	}
	return r.Overlap.Duration
}

// AccessKeyStatus defines the observed state of an AccessKey. It never holds the secret.
type AccessKeyStatus struct {
	// conditions holds the Ready condition, see conditions.go for its reasons.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the metadata.generation this status was computed from.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// accessKeyId is the AccessKeyId of the issued key (the public half; the secret is only
	// in the Secret).
	// +optional
	// +kubebuilder:validation:MaxLength=128
	AccessKeyID string `json:"accessKeyId,omitempty"`

	// secretName is the name of the Secret that holds the credentials.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	SecretName string `json:"secretName,omitempty"`

	// keyIssuedAt is when the current pair was made.
	// +optional
	KeyIssuedAt *metav1.Time `json:"keyIssuedAt,omitempty"`

	// previousAccessKeyId is the key a rotation replaced, which keeps working until
	// previousKeyRetiresAt; empty when there is none.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	PreviousAccessKeyID string `json:"previousAccessKeyId,omitempty"`

	// previousKeyRetiresAt is when the previous key is revoked.
	// +optional
	PreviousKeyRetiresAt *metav1.Time `json:"previousKeyRetiresAt,omitempty"`

	// nextRotation is when spec.rotation.period next replaces the pair; unset without a
	// period.
	// +optional
	NextRotation *metav1.Time `json:"nextRotation,omitempty"`

	// workloadIdentity is what a pod needs to exchange its ServiceAccount token, set once
	// the ConfigMap that carries it is written; unset without spec.workloadIdentity.
	// +optional
	WorkloadIdentity *AccessKeyWorkloadIdentityStatus `json:"workloadIdentity,omitempty"`
}

// AccessKeyWorkloadIdentityStatus names the role, the OIDC provider, the token audience and
// the STS endpoint of an AccessKey's workload identity. None of it is secret.
type AccessKeyWorkloadIdentityStatus struct {
	// roleArn is the role a pod assumes: acs:ram::koss:role/<namespace>/<accesskey>
	// (ALIBABA_CLOUD_ROLE_ARN).
	// +required
	// +kubebuilder:validation:MaxLength=512
	RoleArn string `json:"roleArn"`

	// oidcProviderArn names the Region's token issuer:
	// acs:ram::koss:oidc-provider/<region-namespace>/<region> (ALIBABA_CLOUD_OIDC_PROVIDER_ARN).
	// +required
	// +kubebuilder:validation:MaxLength=512
	OIDCProviderArn string `json:"oidcProviderArn"`

	// audience is the audience the projected ServiceAccount token must be issued for:
	// koss.io/<region-namespace>/<region>.
	// +required
	// +kubebuilder:validation:MaxLength=512
	Audience string `json:"audience"`

	// stsEndpoint is host:port of the Region's in-cluster endpoint, which serves STS
	// (ALIBABA_CLOUD_STS_ENDPOINT).
	// +required
	// +kubebuilder:validation:MaxLength=512
	STSEndpoint string `json:"stsEndpoint"`

	// configMapName is the ConfigMap, in the AccessKey's namespace, with the environment of
	// a pod that uses the workload identity (for envFrom).
	// +required
	// +kubebuilder:validation:MaxLength=253
	ConfigMapName string `json:"configMapName"`
}

// AccessKey is a key pair issued by a Region with per-bucket grants. The operator writes the
// credentials into an owned Secret (spec.secretName) and revokes the key when the AccessKey
// is deleted.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=koss
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`,description="The Ready condition"
// +kubebuilder:printcolumn:name="KeyID",type=string,JSONPath=`.status.accessKeyId`,description="The AccessKeyId"
// +kubebuilder:printcolumn:name="Secret",type=string,JSONPath=`.status.secretName`,description="Secret with the credentials"
// +kubebuilder:printcolumn:name="Region",type=string,JSONPath=`.spec.regionRef.name`,priority=1,description="The Region"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="(has(self.spec.secretName) ? self.spec.secretName : self.metadata.name) == (has(oldSelf.spec.secretName) ? oldSelf.spec.secretName : oldSelf.metadata.name)",message="the Secret name (spec.secretName, or metadata.name when spec.secretName is unset) is immutable"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.workloadIdentity) || self.metadata.name.size() <= 244",message="with spec.workloadIdentity, metadata.name is at most 244 characters (the ConfigMap is <name>-identity)"
type AccessKey struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec defines the desired state of the AccessKey.
	// +required
	Spec AccessKeySpec `json:"spec"`

	// status defines the observed state of the AccessKey.
	// +optional
	Status AccessKeyStatus `json:"status,omitzero"`
}

// SecretName returns the name of the credentials Secret: spec.secretName, or metadata.name
// when unset.
func (k *AccessKey) SecretName() string {
	if k.Spec.SecretName != "" {
		return k.Spec.SecretName
	}
	return k.Name
}

// GetConditions returns the AccessKey's status conditions.
func (k *AccessKey) GetConditions() []metav1.Condition {
	return k.Status.Conditions
}

// SetConditions replaces the AccessKey's status conditions.
func (k *AccessKey) SetConditions(conditions []metav1.Condition) {
	k.Status.Conditions = conditions
}

// +kubebuilder:object:root=true

// AccessKeyList contains a list of AccessKeys.
type AccessKeyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []AccessKey `json:"items"`
}
