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

// Package bucket holds the Bucket reconciler. It creates the bucket in its Region through
// the admin API under an owner tag (namespace/name/uid), never taking over a bucket another
// Bucket object owns: of several Bucket objects that claim one name in one Region, the
// Provisioned one, else the oldest, wins (claimsFirst). It deletes or retains the bucket per
// spec.deletionPolicy behind the koss.io/bucket finalizer (with Delete, the bucket's open
// multipart uploads are aborted first: they would keep it from being deleted, and no one
// completes them once the Bucket is going; objects are never removed), and refreshes the
// object count and bytes. On every pass it keeps the bucket's ACL, tags, CORS and lifecycle
// rules as spec.acl, spec.tags, spec.cors and spec.lifecycle declare them (bucket_config.go): an unset field is left alone, a change made
// around the operator is put back with a DriftCorrected event, and a value the Region
// refuses is a Ready=False ConfigRejected condition, tried again at the refresh, never a
// backed-off loop. The refresh is what finds drift: the For predicate passes spec changes only.
//
// It owns two conditions (bucket_status.go). Provisioned is durable: the bucket exists in
// the Region and belongs to this Bucket; it changes only on create, delete or a change of
// ownership, and keeps its value while the Region cannot be asked, which is why AccessKey
// grants and name claims follow it. Ready is Provisioned, the Region answering and holding
// the declared ACL, tags, CORS and lifecycle rules.
package bucket
