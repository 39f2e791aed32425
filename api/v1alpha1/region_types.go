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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// MinRegionReplicas is the smallest Region: every object is kept on three pods, and raft
	// needs a majority of them to accept writes.
	MinRegionReplicas int32 = 3

	// DefaultRegionReplicas is spec.replicas when it is not set.
	DefaultRegionReplicas int32 = 3

	// DefaultRegionStorageSize is spec.storage.size when it is not set.
	DefaultRegionStorageSize = "10Gi"
)

// RegionSpec defines the desired state of a Region.
type RegionSpec struct {
	// replicas is the number of kossd pods. Every object is stored on three of them, so fewer
	// than three is rejected. Changes are applied one member at a time.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=3
	Replicas int32 `json:"replicas,omitempty"`

	// image overrides the kossd container image the operator runs by default
	// (the manager's --kossd-image flag).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	Image string `json:"image,omitempty"`

	// storage describes the volume each kossd pod gets. It cannot change after creation,
	// because a StatefulSet's volume claim templates cannot.
	// +optional
	// +kubebuilder:default={}
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="storage is immutable"
	Storage RegionStorage `json:"storage,omitzero"`

	// resources are the compute resources of each kossd container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitzero"`

	// bucketNamespaces selects the namespaces whose Buckets and AccessKeys may use this
	// Region. When unset, only the Region's own namespace may; an empty selector ({})
	// allows every namespace.
	// +optional
	BucketNamespaces *metav1.LabelSelector `json:"bucketNamespaces,omitempty"`

	// external asks for an endpoint reachable from outside the cluster.
	// +optional
	External RegionExternal `json:"external,omitzero"`

	// domain is the DNS name under which buckets are also served virtual-host style
	// (<bucket>.<domain>). When unset, only path-style requests are served.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Domain string `json:"domain,omitempty"`

	// nodeSelector restricts the kossd pods to nodes with these labels.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// affinity of the kossd pods. When unset, the pods prefer one per node
	// (preferred pod anti-affinity on kubernetes.io/hostname); when set, it replaces that
	// preference.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`

	// tolerations of the kossd pods, e.g. for nodes tainted for storage.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// topologySpreadConstraints of the kossd pods. When unset, the pods spread over zones
	// and hosts (maxSkew 1, whenUnsatisfiable ScheduleAnyway, so a one-node cluster still
	// schedules them). A constraint without labelSelector selects the Region's pods.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=16
	TopologySpreadConstraints []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`

	// priorityClassName of the kossd pods.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	PriorityClassName string `json:"priorityClassName,omitempty"`

	// podLabels are added to the kossd pods' labels; the labels the operator selects its
	// pods by cannot be overridden.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	PodLabels map[string]string `json:"podLabels,omitempty"`

	// podAnnotations are added to the kossd pods' annotations.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`

	// serviceAccountName is the ServiceAccount of the kossd pods. When unset they run as
	// the namespace's default ServiceAccount without a mounted token (kossd never calls the
	// Kubernetes API).
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// networkPolicy asks for a NetworkPolicy that admits the peer port (raft and blob
	// replication) only from the Region's own pods.
	// +optional
	NetworkPolicy RegionNetworkPolicy `json:"networkPolicy,omitzero"`

	// tls configures TLS on the Region's OSS API port and mutual TLS between its pods. By
	// default the operator runs a CA of the Region's own (Secret <region>-ca) and issues
	// and renews the pods' certificate (Secret <region>-tls) before it expires.
	// +optional
	TLS RegionTLS `json:"tls,omitzero"`
}

// RegionTLS describes where a Region's certificates come from.
// +kubebuilder:validation:XValidation:rule="!(has(self.disabled) && self.disabled && has(self.issuerRef))",message="issuerRef has no effect with TLS disabled"
type RegionTLS struct {
	// disabled serves plain HTTP on the OSS API port and plain TCP between pods.
	// +optional
	Disabled bool `json:"disabled,omitempty"`
	// issuerRef names a cert-manager issuer: the operator creates a cert-manager Certificate
	// whose Secret <region>-tls (ca.crt, tls.crt, tls.key) the pods use, instead of its own
	// CA. The issuer's CA must be the Region's alone: every certificate it signs may join the
	// Region's peer network (given the root secret).
	// +optional
	IssuerRef *IssuerReference `json:"issuerRef,omitempty"`
}

// IssuerReference names a cert-manager Issuer or ClusterIssuer.
type IssuerReference struct {
	// name of the issuer.
	// +required
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// kind of the issuer: Issuer (in the Region's namespace, the default) or ClusterIssuer.
	// +optional
	// +kubebuilder:default=Issuer
	Kind string `json:"kind,omitempty"`
	// group of the issuer; cert-manager.io by default.
	// +optional
	// +kubebuilder:default=cert-manager.io
	Group string `json:"group,omitempty"`
}

// Enabled reports whether the Region's pods serve TLS.
func (t RegionTLS) Enabled() bool { return !t.Disabled }

// RegionNetworkPolicy describes the NetworkPolicy of a Region's pods.
type RegionNetworkPolicy struct {
	// enabled creates the NetworkPolicy <region>-kossd: the peer port admits only the
	// Region's pods, the OSS port admits every client. Needs a network plugin that
	// enforces NetworkPolicies.
	// +optional
	Enabled bool `json:"enabled,omitempty"`
}

// RegionStorage describes the persistent volume of each kossd pod.
type RegionStorage struct {
	// size is the capacity requested for each pod's volume; it must be positive.
	// +optional
	// +kubebuilder:default="10Gi"
	// +kubebuilder:validation:XValidation:rule="type(self) == int ? self > 0 : quantity(self).isGreaterThan(quantity('0'))",message="size must be positive"
	Size resource.Quantity `json:"size,omitzero"`

	// storageClassName is the StorageClass of the volumes. When unset, the cluster's default
	// StorageClass is used.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	StorageClassName *string `json:"storageClassName,omitempty"`
}

// RegionExternal describes the endpoint of a Region outside the cluster.
type RegionExternal struct {
	// enabled exposes the Region through a LoadBalancer Service.
	// +optional
	Enabled bool `json:"enabled,omitempty"`

	// annotations are added to the LoadBalancer Service, e.g. to pick a cloud load balancer.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	Annotations map[string]string `json:"annotations,omitempty"`
}

// RegionStatus defines the observed state of a Region.
type RegionStatus struct {
	// conditions are Available, Progressing and Degraded (and Deleting while deletion waits),
	// see conditions.go for their reasons.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// observedGeneration is the metadata.generation this status was computed from.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// replicas is the number of kossd pods that currently exist.
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// readyReplicas is the number of kossd pods that are ready (members of a cluster with a
	// leader).
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`

	// endpoints are the URLs at which the Region serves the OSS API and, on the same
	// URLs with the same keys, the Amazon S3 API (S3 clients use path-style addressing
	// there, or virtual-host style under spec.domain).
	// +optional
	Endpoints RegionEndpoints `json:"endpoints,omitzero"`
}

// RegionEndpoints are the URLs of a Region's API: each serves both the OSS and the S3 dialect.
type RegionEndpoints struct {
	// internal is the in-cluster URL (the client Service), e.g. http://eu.storage.svc:9000.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Internal string `json:"internal,omitempty"`

	// external is the URL of the LoadBalancer Service once it has an address; empty unless
	// spec.external.enabled.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	External string `json:"external,omitempty"`
}

// Region is a kossd storage cluster: a StatefulSet of at least three pods that keeps every
// object on three of them, with its Services, PodDisruptionBudget and root-key Secret.
// Its name becomes the name of the StatefulSet and Services, so it must be a DNS label
// short enough for the suffixes Kubernetes and the operator add (40 characters).
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=koss
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Available")].status`,description="The Available condition"
// +kubebuilder:printcolumn:name="Ready-Replicas",type=integer,JSONPath=`.status.readyReplicas`,description="kossd pods that are ready"
// +kubebuilder:printcolumn:name="Replicas",type=integer,JSONPath=`.spec.replicas`,description="Desired kossd pods"
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.status.endpoints.internal`,description="In-cluster OSS endpoint"
// +kubebuilder:printcolumn:name="External",type=string,JSONPath=`.status.endpoints.external`,priority=1,description="External OSS endpoint"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.size() <= 40 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must be a DNS label (lower case letters, digits and '-', starting with a letter) of at most 40 characters"
type Region struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitzero"`

	// spec defines the desired state of the Region.
	// +required
	Spec RegionSpec `json:"spec"`

	// status defines the observed state of the Region.
	// +optional
	Status RegionStatus `json:"status,omitzero"`
}

// DesiredReplicas returns spec.replicas, or DefaultRegionReplicas when it is unset (an object
// that did not pass through the API server's defaulting, e.g. in a unit test).
func (r *Region) DesiredReplicas() int32 {
	if r.Spec.Replicas == 0 {
		return DefaultRegionReplicas
	}
	return r.Spec.Replicas
}

// GetConditions returns the Region's status conditions.
func (r *Region) GetConditions() []metav1.Condition {
	return r.Status.Conditions
}

// SetConditions replaces the Region's status conditions.
func (r *Region) SetConditions(conditions []metav1.Condition) {
	r.Status.Conditions = conditions
}

// +kubebuilder:object:root=true

// RegionList contains a list of Regions.
type RegionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitzero"`
	Items           []Region `json:"items"`
}
