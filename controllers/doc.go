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

// Package controllers is what the koss operator's reconcilers share. The reconcilers
// themselves live one package per kind, as in cluster-api:
//
//   - controllers/region reconciles a Region into its Services, StatefulSet,
//     PodDisruptionBudget and root-key Secret, and changes its membership one member at a
//     time through the admin API.
//   - controllers/bucket reconciles a Bucket into a bucket of its Region.
//   - controllers/accesskey reconciles an AccessKey into a registered key and its Secret.
//
// This package holds what they have in common, and what the composition root (cmd/manager)
// wires:
//
//   - The reconcile skeleton (reconcile.go): Phase and RunPhases, which never return a
//     requeue interval beside an error (cluster-api's doReconcile); EnsureFinalizer and
//     RemoveFinalizer; PatchStatus, the one status write of a pass, skipped when nothing
//     changed; ApplyOwned, server-side apply under FieldOwner; GetOrNil, a read from the
//     cache confirmed against the API server on a miss; SetCondition.
//   - How a Bucket or AccessKey reaches its Region (region_access.go): UseRegion runs one
//     chain of checks (cert-manager policies.Chain style) whose verdict both kinds report
//     as it is, and AdminClientFor gives the Region's admin client, signed with its root key.
//   - The admin client factory (adminclient.go): AdminClientFactory, injected so that tests
//     can point the operator at kossd outside a cluster, HTTPAdminClientFactory for the real
//     thing, and the classification of admin API errors.
//   - The manager's field indexes and cache restrictions (indexes.go), the names and labels
//     the kinds share (names.go), and KeyPair, which never prints its secret (credentials.go).
//   - Workload identity (AccessKey spec.workloadIdentity): the role and provider ARNs, the
//     token audience and the objects' names that the Region controller publishes to kossd
//     and the AccessKey controller to the pods (workloadidentity.go), and IssuerFetcher,
//     the cached ServiceAccount issuer and JWKS of the manager's API server (issuer.go).
//
// Every reconciler follows one shape: Reconcile fetches the object, ensures its finalizer,
// builds a scope, defers a single status patch, and runs reconcileX phases over the scope.
// Conditions are derived by pure set<X>Condition functions in <kind>_status.go; owned
// objects are built by pure functions and written with server-side apply under the field
// owner koss-operator. The operator never writes a spec, so GitOps tools see no drift. The
// controllers reach kossd only through storage/adminclient and never log, record or store a
// secret value.
package controllers
