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
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DeletionPolicy says what happens to a bucket in its Region when its Bucket object is deleted.
// +kubebuilder:validation:Enum=Retain;Delete
type DeletionPolicy string

const (
	// DeletionPolicyRetain keeps the bucket and its objects in the Region.
	DeletionPolicyRetain DeletionPolicy = "Retain"
	// DeletionPolicyDelete deletes the bucket once it is empty; while it holds objects the
	// Bucket object stays, with Ready=False reason BucketNotEmpty.
	DeletionPolicyDelete DeletionPolicy = "Delete"
)

// BucketACL is the canned access control list of a bucket, as in OSS.
// +kubebuilder:validation:Enum=private;public-read;public-read-write
type BucketACL string

const (
	// BucketACLPrivate allows only requests signed by a key with a grant on the bucket.
	BucketACLPrivate BucketACL = "private"
	// BucketACLPublicRead also allows anonymous reads.
	BucketACLPublicRead BucketACL = "public-read"
	// BucketACLPublicReadWrite also allows anonymous reads and writes.
	BucketACLPublicReadWrite BucketACL = "public-read-write"
)

// BucketSpec defines the desired state of a Bucket.
// +kubebuilder:validation:XValidation:rule="!has(self.corsResponseVary) || !self.corsResponseVary || (has(self.cors) && size(self.cors) > 0)",message="corsResponseVary needs at least one rule in cors"
type BucketSpec struct {
	// regionRef is the Region the bucket lives in. A bucket never moves, so it is immutable.
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="regionRef is immutable"
	RegionRef RegionReference `json:"regionRef"`

	// name is the bucket's name in the Region, unique there across all namespaces. When unset,
	// metadata.name is used. It follows the OSS rules: 3 to 63 lower case letters, digits and
	// '-', starting and ending with a letter or digit. It is immutable, set or defaulted.
	// +optional
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9][a-z0-9-]*[a-z0-9]$`
	Name string `json:"name,omitempty"`

	// deletionPolicy says what happens to the bucket when this object is deleted: Retain
	// (the default) keeps the bucket and its data, Delete removes it once it is empty.
	// +optional
	// +kubebuilder:default=Retain
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// acl is the bucket's canned ACL: private, public-read or public-read-write. When set, the
	// operator keeps the bucket's ACL at this value: a change made around it (PutBucketAcl) is
	// put back and reported in a DriftCorrected event. When unset, the operator leaves the
	// bucket's ACL alone, so it may be managed through the OSS API; a bucket created without
	// one is private, as on OSS. (Until this field lost its default, the API server wrote
	// acl: private into every Bucket created without it; such objects keep it, and so keep
	// their bucket private, until the field is removed.)
	// +optional
	ACL BucketACL `json:"acl,omitempty"`

	// tags are the bucket's tags (OSS bucket tagging), as a whole: when set, the operator keeps
	// the bucket's tags exactly equal to this map (an empty map means no tags), putting back
	// changes made around it (PutBucketTags) and reporting them in a DriftCorrected event. When
	// unset, the operator leaves the bucket's tags alone. The API server checks OSS's static
	// limits, the same as the engine's: at most 20 tags, keys of 1 to 64 bytes that do not
	// start with "Aliyun", "http://" or "https://", values of at most 128 bytes. The Region's
	// engine is the final judge: a tag set it refuses shows as Ready=False with reason
	// ConfigRejected, and the bucket keeps its tags.
	// +optional
	// +kubebuilder:validation:MaxProperties=20
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) >= 1 && size(bytes(k)) <= 64)",message="tag keys must be 1 to 64 bytes long"
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('Aliyun') && !k.startsWith('http://') && !k.startsWith('https://'))",message="tag keys must not start with Aliyun, http:// or https://"
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(bytes(self[k])) <= 128)",message="tag values must be at most 128 bytes long"
	Tags map[string]string `json:"tags,omitzero"`

	// cors are the bucket's CORS rules (OSS PutBucketCors), as a whole and in order, the first
	// rule matching a browser's request deciding: when set, the operator keeps the bucket's
	// rules exactly equal to this list (an empty list means no CORS: the bucket answers no
	// preflight), putting back changes made around it (PutBucketCors, DeleteBucketCors) and
	// reporting them in a DriftCorrected event. When unset, the operator leaves the bucket's
	// rules alone. The API server checks OSS's static limits, the same as the engine's: at most
	// 10 rules, each with at least one origin and one method of GET, PUT, DELETE, POST or HEAD;
	// at most one "*" in an origin or an allowed header, none in an exposed header; no empty
	// entries, CR, LF or NUL; maxAgeSeconds not negative. The Region's engine is the final
	// judge (it also bounds a configuration to 16 KiB of strings): rules it refuses show as
	// Ready=False with reason ConfigRejected, and the bucket keeps its rules.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	CORS []BucketCORSRule `json:"cors,omitzero"`

	// corsResponseVary makes every response of the bucket carry Vary: Origin, matched by a rule
	// or not (OSS's ResponseVary), so that caches keep one answer per origin. It is part of the
	// CORS configuration and so needs cors with at least one rule; unset means false.
	// +optional
	CORSResponseVary bool `json:"corsResponseVary,omitempty"`

	// lifecycle are the bucket's lifecycle rules (OSS PutBucketLifecycle), as a whole and in
	// order: when set, the operator keeps the bucket's rules exactly equal to this list (an
	// empty list means no rules: nothing expires), putting back changes made around it
	// (PutBucketLifecycle, DeleteBucketLifecycle) and reporting them in a DriftCorrected event.
	// When unset, the operator leaves the bucket's rules alone. Every rule needs an id: the
	// engine gives rules without one a random id, which a declaration could never match, so
	// requiring it keeps the comparison exact and drift detection from flapping. The API server
	// checks OSS's static limits, the same as the engine's: at most 1000 rules with unique ids
	// of 1 to 255 characters, prefixes of at most 1024, no NUL; status Enabled or Disabled;
	// each rule with an expiration or an abortIncompleteUpload, each of them with exactly one
	// time (days of at least 1, or a date, midnight UTC); no tags on a rule that aborts uploads;
	// at most 10 tags, keys of 1 to 128 characters, values of at most 256. The Region's engine
	// is the final judge (it also counts prefixes in bytes, checks the tags' characters and
	// bounds a configuration to 1 MiB of strings): rules it refuses show as Ready=False with
	// reason ConfigRejected, and the bucket keeps its rules. Overlapping prefixes are allowed.
	// +optional
	// +listType=map
	// +listMapKey=id
	// +kubebuilder:validation:MaxItems=1000
	Lifecycle []BucketLifecycleRule `json:"lifecycle,omitzero"`
}

// BucketLifecycleRuleStatus says whether a lifecycle rule acts.
// +kubebuilder:validation:Enum=Enabled;Disabled
type BucketLifecycleRuleStatus string

// Lifecycle rule statuses.
const (
	// BucketLifecycleRuleEnabled rules act.
	BucketLifecycleRuleEnabled BucketLifecycleRuleStatus = "Enabled"
	// BucketLifecycleRuleDisabled rules are kept and do nothing.
	BucketLifecycleRuleDisabled BucketLifecycleRuleStatus = "Disabled"
)

// LifecycleDate is a day, YYYY-MM-DD, standing for its midnight UTC (OSS takes nothing else).
// +kubebuilder:validation:Format=date
// +kubebuilder:validation:Pattern=`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
type LifecycleDate string

// LifecycleTagValue is the value of a tag a lifecycle rule matches.
// +kubebuilder:validation:MaxLength=256
type LifecycleTagValue string

// BucketLifecycleRule is one lifecycle rule of a bucket: objects whose key starts with prefix
// and that carry every one of tags expire as expiration says; multipart uploads under prefix
// are aborted as abortIncompleteUpload says.
// +kubebuilder:validation:XValidation:rule="has(self.expiration) || has(self.abortIncompleteUpload)",message="a rule needs an expiration or an abortIncompleteUpload"
// +kubebuilder:validation:XValidation:rule="!has(self.abortIncompleteUpload) || !has(self.tags) || size(self.tags) == 0",message="a rule with tags cannot abort uploads"
type BucketLifecycleRule struct {
	// id names the rule, unique within the bucket.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[^\x00]+$`
	ID string `json:"id"`

	// prefix is the start of the keys the rule acts on; unset (or empty) is every key.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[^\x00]*$`
	Prefix string `json:"prefix,omitempty"`

	// status is Enabled (the rule acts; unset means Enabled) or Disabled (kept, does nothing).
	// +optional
	Status BucketLifecycleRuleStatus `json:"status,omitempty"`

	// expiration is when matching objects are deleted.
	// +optional
	Expiration *BucketLifecycleExpiration `json:"expiration,omitempty"`

	// abortIncompleteUpload is when multipart uploads under prefix are aborted.
	// +optional
	AbortIncompleteUpload *BucketLifecycleAbort `json:"abortIncompleteUpload,omitempty"`

	// tags restrict expiration to objects carrying every one of them (object tags).
	// +optional
	// +kubebuilder:validation:MaxProperties=10
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) >= 1 && size(k) <= 128)",message="tag keys must be 1 to 128 characters long"
	Tags map[string]LifecycleTagValue `json:"tags,omitempty"`
}

// BucketLifecycleExpiration is when a lifecycle rule deletes objects: exactly one of its fields.
// +kubebuilder:validation:XValidation:rule="[has(self.days), has(self.date), has(self.createdBeforeDate)].exists_one(x, x)",message="expiration takes exactly one of days, date and createdBeforeDate"
type BucketLifecycleExpiration struct {
	// days: that many days after an object's last modification.
	// +optional
	// +kubebuilder:validation:Minimum=1
	Days *int32 `json:"days,omitempty"`

	// date (OSS's Expiration Date): from that day on every matching object expires, whenever it
	// was written.
	// +optional
	Date *LifecycleDate `json:"date,omitempty"`

	// createdBeforeDate: objects last modified before that day.
	// +optional
	CreatedBeforeDate *LifecycleDate `json:"createdBeforeDate,omitempty"`
}

// BucketLifecycleAbort is when a lifecycle rule aborts multipart uploads: exactly one of its
// fields.
// +kubebuilder:validation:XValidation:rule="has(self.days) != has(self.createdBeforeDate)",message="abortIncompleteUpload takes exactly one of days and createdBeforeDate"
type BucketLifecycleAbort struct {
	// days: that many days after an upload was initiated.
	// +optional
	// +kubebuilder:validation:Minimum=1
	Days *int32 `json:"days,omitempty"`

	// createdBeforeDate: uploads initiated before that day.
	// +optional
	CreatedBeforeDate *LifecycleDate `json:"createdBeforeDate,omitempty"`
}

// CORSMethod is a method a CORS rule allows, as OSS has them (upper case).
// +kubebuilder:validation:Enum=GET;PUT;DELETE;POST;HEAD
type CORSMethod string

// The CORS strings are checked by patterns, not CEL rules: their lists are bounded only by the
// engine's 16 KiB, and CEL's cost estimate refuses a rule on every item of such lists unless
// they get bounds the engine does not have.

// CORSPattern is an origin or a request header a CORS rule allows: "*" stands for any run of
// characters, and one is allowed at most; CR, LF and NUL are not allowed (they would end up in
// response headers).
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:Pattern=`^[^*\r\n\x00]*[*]?[^*\r\n\x00]*$`
type CORSPattern string

// CORSHeader is a response header a CORS rule exposes to the browser's script, by name: no
// "*", CR, LF or NUL.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:Pattern=`^[^*\r\n\x00]+$`
type CORSHeader string

// BucketCORSRule is one CORS rule of a bucket.
type BucketCORSRule struct {
	// allowedOrigins are the origins (scheme://host[:port]) the rule allows, "*" standing for
	// any run of characters (at most one per origin): "https://app.example.com",
	// "https://*.example.com", or "*" for any origin.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	AllowedOrigins []CORSPattern `json:"allowedOrigins"`

	// allowedMethods are the methods the rule allows: GET, PUT, DELETE, POST or HEAD.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	AllowedMethods []CORSMethod `json:"allowedMethods"`

	// allowedHeaders are the request headers a preflight may ask for (Access-Control-Request-
	// Headers), case-insensitive, "*" standing for any run of characters (at most one each).
	// +optional
	// +listType=atomic
	AllowedHeaders []CORSPattern `json:"allowedHeaders,omitempty"`

	// exposeHeaders are the response headers the browser lets the page read, such as ETag.
	// +optional
	// +listType=atomic
	ExposeHeaders []CORSHeader `json:"exposeHeaders,omitempty"`

	// maxAgeSeconds is how long a browser may cache a preflight's answer; unset sends no
	// Access-Control-Max-Age.
	// +optional
	// +kubebuilder:validation:Minimum=0
	MaxAgeSeconds *int64 `json:"maxAgeSeconds,omitempty"`
}

// BucketConfigRejectedReason surfaces (on Ready, with status False) when the Region's engine
// refused spec.acl, spec.tags, spec.cors or spec.lifecycle; the bucket keeps its previous setting, and the operator
// tries again at the refresh interval and on every change of the Bucket. It sits beside the
// spec it judges rather than in conditions.go.
const BucketConfigRejectedReason = "ConfigRejected"

// BucketStatus defines the observed state of a Bucket.
type BucketStatus struct {
	// conditions holds the Provisioned and Ready conditions, see conditions.go for their reasons.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the metadata.generation this status was computed from.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// bucketName is the name of the bucket in the Region (spec.name or metadata.name).
	// +optional
	// +kubebuilder:validation:MaxLength=63
	BucketName string `json:"bucketName,omitempty"`

	// endpoint is the URL of the bucket on the Region's internal endpoint.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Endpoint string `json:"endpoint,omitempty"`

	// objectCount is the number of objects in the bucket, refreshed periodically.
	// +optional
	// +kubebuilder:validation:Minimum=0
	ObjectCount int64 `json:"objectCount,omitempty"`

	// bytes is the total size of the objects in the bucket, refreshed periodically.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Bytes int64 `json:"bytes,omitempty"`

	// acl is the bucket's canned ACL as the Region last reported it: spec.acl once applied, or
	// whatever the bucket has when spec.acl is unset.
	// +optional
	ACL BucketACL `json:"acl,omitempty"`

	// tags are the bucket's tags as the Region last reported them: spec.tags once applied, or
	// whatever the bucket has when spec.tags is unset. Absent when the bucket has none.
	// +optional
	// +kubebuilder:validation:MaxProperties=20
	Tags map[string]string `json:"tags,omitempty"`

	// cors are the bucket's CORS rules as the Region last reported them: spec.cors once
	// applied, or whatever the bucket has when spec.cors is unset. Absent when it has none. The
	// whole list is shown, not a summary: it is bounded like spec.cors (10 rules, 16 KiB), and
	// comparing it with spec is how the operator tells a change made around it from a change
	// of spec.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	CORS []BucketCORSRule `json:"cors,omitempty"`

	// corsResponseVary is the bucket's ResponseVary as the Region last reported it.
	// +optional
	CORSResponseVary bool `json:"corsResponseVary,omitempty"`

	// lifecycle are the bucket's lifecycle rules as the Region last reported them: spec.lifecycle
	// once applied, or whatever the bucket has when spec.lifecycle is unset (ids the engine
	// generated included; status always set). Absent when it has none. The whole list is
	// shown, bounded like spec.lifecycle: comparing it with spec is how the operator tells a
	// change made around it from a change of spec.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	Lifecycle []BucketLifecycleRule `json:"lifecycle,omitempty"`
}

// Bucket is an OSS bucket in a Region. Its bucket name is spec.name, or metadata.name when
// spec.name is unset; that name must then be a valid bucket name too, and whichever it is,
// it never changes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=koss
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`,description="The Ready condition"
// +kubebuilder:printcolumn:name="Bucket",type=string,JSONPath=`.status.bucketName`,description="Bucket name in the Region"
// +kubebuilder:printcolumn:name="Region",type=string,JSONPath=`.spec.regionRef.name`,description="The Region"
// +kubebuilder:printcolumn:name="ACL",type=string,JSONPath=`.status.acl`,priority=1,description="The bucket's ACL in the Region"
// +kubebuilder:printcolumn:name="Objects",type=integer,JSONPath=`.status.objectCount`,priority=1,description="Objects in the bucket"
// +kubebuilder:printcolumn:name="Bytes",type=integer,JSONPath=`.status.bytes`,priority=1,description="Bytes in the bucket"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="has(self.spec.name) || (self.metadata.name.size() >= 3 && self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z0-9][a-z0-9-]*[a-z0-9]$'))",message="metadata.name is not a valid bucket name (3-63 of a-z, 0-9 and '-', starting and ending with a letter or digit); set spec.name"
// +kubebuilder:validation:XValidation:rule="(has(self.spec.name) ? self.spec.name : self.metadata.name) == (has(oldSelf.spec.name) ? oldSelf.spec.name : oldSelf.metadata.name)",message="the bucket name (spec.name, or metadata.name when spec.name is unset) is immutable"
type Bucket struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec defines the desired state of the Bucket.
	// +required
	Spec BucketSpec `json:"spec"`

	// status defines the observed state of the Bucket.
	// +optional
	Status BucketStatus `json:"status,omitzero"`
}

// BucketName returns the bucket's name in its Region: spec.name, or metadata.name when unset.
func (b *Bucket) BucketName() string {
	if b.Spec.Name != "" {
		return b.Spec.Name
	}
	return b.Name
}

// IsProvisioned reports whether the bucket exists in its Region and belongs to this Bucket, as
// its Provisioned condition records. A status written before that condition existed counts
// as provisioned when it is Ready, which then meant the same; the next reconcile adds the
// condition.
func (b *Bucket) IsProvisioned() bool {
	if meta.FindStatusCondition(b.Status.Conditions, BucketProvisionedCondition) != nil {
		return meta.IsStatusConditionTrue(b.Status.Conditions, BucketProvisionedCondition)
	}
	return meta.IsStatusConditionTrue(b.Status.Conditions, BucketReadyCondition)
}

// GetConditions returns the Bucket's status conditions.
func (b *Bucket) GetConditions() []metav1.Condition {
	return b.Status.Conditions
}

// SetConditions replaces the Bucket's status conditions.
func (b *Bucket) SetConditions(conditions []metav1.Condition) {
	b.Status.Conditions = conditions
}

// +kubebuilder:object:root=true

// BucketList contains a list of Buckets.
type BucketList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []Bucket `json:"items"`
}
