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

// Package controllers holds the koss operator's reconcilers, one per kind of the koss.io API:
//
//   - RegionReconciler turns a Region into a headless Service (the peers' stable DNS names),
//     a client Service (the OSS endpoint, a LoadBalancer when spec.external asks for one), a
//     StatefulSet of kossd pods with one volume each, a PodDisruptionBudget and a root-key
//     Secret generated once. It owns the Region's Available, Progressing, Degraded and
//     Deleting conditions, and changes spec.replicas one member at a time through the admin
//     API. The koss.io/region finalizer keeps a Region while Buckets still use it.
//   - BucketReconciler creates the bucket in its Region through the admin API under an owner
//     tag (namespace/name/uid), never taking over a bucket another Bucket object owns, and
//     deletes or retains it per spec.deletionPolicy behind the koss.io/bucket finalizer. It
//     owns the Bucket's Ready condition and refreshes its object count and bytes.
//   - AccessKeyReconciler generates a key pair once, keeps it in an owned Secret (the source
//     of truth for the pair), registers it with the grants of spec.buckets, and revokes it
//     behind the koss.io/accesskey finalizer. It owns the AccessKey's Ready condition.
//
// Every reconciler follows one shape (cluster-api): Reconcile fetches the object, ensures
// its finalizer, builds a scope, defers a single status patch that is skipped when nothing
// changed, and runs reconcileX phases over the scope. Conditions are derived by pure
// set<X>Condition functions in <kind>_status.go; owned objects are built by pure functions
// and written with server-side apply under the field owner koss-operator. The operator never
// writes a spec, so GitOps tools see no drift.
//
// The controllers reach kossd only through storage/adminclient, obtained from an injected
// AdminClientFactory, and never log, record or store a secret value.
package controllers
