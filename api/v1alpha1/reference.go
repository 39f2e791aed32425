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
	"k8s.io/apimachinery/pkg/types"
)

// RegionReference names the Region a Bucket or AccessKey lives in. The Region may be in
// another namespace when its spec.bucketNamespaces selects the referring object's namespace.
type RegionReference struct {
	// name is the metadata.name of the Region.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`

	// namespace is the namespace of the Region. When unset, the Region is looked up in the
	// referring object's own namespace.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace,omitempty"`
}

// NamespacedName returns the Region's key, resolving an unset namespace to
// defaultNamespace (the namespace of the object that holds the reference).
func (r RegionReference) NamespacedName(defaultNamespace string) types.NamespacedName {
	ns := r.Namespace
	if ns == "" {
		ns = defaultNamespace
	}
	return types.NamespacedName{Namespace: ns, Name: r.Name}
}
