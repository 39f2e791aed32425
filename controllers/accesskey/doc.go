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

// Package accesskey holds the AccessKey reconciler. It generates a key pair once, keeps it
// in an owned Secret (the source of truth for the pair; a deleted Secret means a new pair
// and the old key revoked), registers the key with the grants of spec.buckets, and revokes
// it behind the koss.io/accesskey finalizer. It owns the AccessKey's Ready condition
// (accesskey_status.go).
//
// A grant names a Bucket of the AccessKey's own namespace and Region, and follows that
// Bucket's Provisioned condition, never its Ready reasons: Provisioned holds while the
// Region is away, so a Region outage or failover never takes a key's access away, and a
// Bucket refused the name (BucketAlreadyExists) never opens someone else's bucket.
//
// Rotation (rotation.go): spec.rotation.period and the koss.io/rotate annotation replace the
// pair in the same Secret; the previous key stays registered, with the same grants, until
// its overlap ends. Which key was replaced and until when it works is kept in the Secret's
// annotations, written with the new pair, so a pass cut short never forgets a registered
// key; a previous key is revoked before the Secret stops naming it.
//
// Workload identity (accesskey_workloadidentity.go): with spec.workloadIdentity, the
// controller writes a ConfigMap <name>-identity (the role and provider ARNs, the token file,
// the STS endpoint, the audience: no secret) for the pods' envFrom, and the same in
// status.workloadIdentity; it deletes the ConfigMap when the field is removed. Which
// ServiceAccount may assume which key is for the Region controller to tell kossd.
package accesskey
