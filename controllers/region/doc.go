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

// Package region holds the Region reconciler. It turns a Region into a headless Service
// (the peers' stable DNS names), a client Service (the OSS endpoint, a LoadBalancer when
// spec.external asks for one), a StatefulSet of kossd pods with one volume each, a
// PodDisruptionBudget and a root-key Secret generated once and never replaced silently. It
// owns the Region's Available, Progressing, Degraded and Deleting conditions
// (region_status.go), and changes spec.replicas one member at a time through the admin API
// (the scale subpackage plans each step: add a member before its pod exists, drain it and
// remove it before its pod goes). The koss.io/region finalizer keeps a Region while Buckets
// use it.
//
// Workload identity (region_workloadidentity.go): kossd has no Kubernetes client, so the
// operator writes what it needs to verify ServiceAccount tokens offline into the Region's
// <region>-workload-identity Secret, which the pods mount: the API server's issuer and JWKS
// (controllers.IssuerFetcher, refreshed every five minutes, the last known keys kept while
// the API server does not answer) and one role per issued AccessKey of the Region with
// spec.workloadIdentity. AccessKey changes that move a role wake the Region. The file itself
// is rendered and read back by the identityfile subpackage.
//
// TLS (region_tls.go): the operator issues the pods' certificate from the Region's own CA
// and renews it, or asks cert-manager for it; what the certificate must name, and the
// cert-manager Certificate, come from the certificate subpackage.
//
// The builders of the Region's objects are pure (region_resources.go, names.go), and so are
// the status functions and the scale planner (scale); all three have table tests without an
// API server.
package region
