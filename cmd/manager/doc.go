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

// Command manager is the koss operator: it reconciles Regions into kossd StatefulSets,
// Buckets into buckets and AccessKeys into keys with their Secrets (the reconcilers of
// controllers/region, controllers/bucket and controllers/accesskey, over what the
// controllers package shares).
//
//	manager [flags]
//
// It serves Prometheus metrics and health probes, elects a leader among its replicas (on
// by default, lease koss-operator), and logs structured JSON (zap) at --zap-log-level.
package main
