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

// Package v1alpha1 contains API Schema definitions for the koss.io v1alpha1 API group:
// Region (a kossd storage cluster), Bucket (an OSS bucket in a Region) and AccessKey (a key
// pair with per-bucket grants, delivered as a Secret).
//
// The package is a leaf: it imports only the standard library, k8s.io/apimachinery and
// k8s.io/api/core/v1, so clients can use the types without controller-runtime. Validation
// lives in the markers on the types and is enforced at admission by the generated CRDs
// (config/crd/bases): OpenAPI for single fields, CEL for immutability and cross-field rules.
// Condition types, reasons and finalizers are in conditions.go.
//
// Regenerate the deep-copy code and the CRDs with `make generate manifests` after any change.
//
// +kubebuilder:object:generate=true
// +groupName=koss.io
package v1alpha1
