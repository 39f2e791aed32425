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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// SchemeGroupVersion is the group version used to register these objects.
	SchemeGroupVersion = schema.GroupVersion{Group: "koss.io", Version: "v1alpha1"}

	// GroupVersion is an alias for SchemeGroupVersion, the name controller-runtime code expects.
	GroupVersion = SchemeGroupVersion

	// SchemeBuilder adds the types of this group version to a scheme. It is apimachinery's
	// builder, not controller-runtime's, so that this package stays a leaf.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this group version to the given scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// addKnownTypes lists every kind in one place. The list is explicit rather than filled by
// init functions because AddToScheme above is a method value: it copies the builder when the
// package variables are initialised, before any init function could append to it.
func addKnownTypes(scheme *runtime.Scheme) error {
	scheme.AddKnownTypes(SchemeGroupVersion,
		&Region{}, &RegionList{},
		&Bucket{}, &BucketList{},
		&AccessKey{}, &AccessKeyList{},
	)
	metav1.AddToGroupVersion(scheme, SchemeGroupVersion)
	return nil
}

// Resource takes an unqualified resource name and returns it qualified with this group.
func Resource(resource string) schema.GroupResource {
	return SchemeGroupVersion.WithResource(resource).GroupResource()
}
