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

// Package controllertest is what the controller packages' tests share, so that no suite
// copies another's helpers:
//
//   - Start runs an envtest control plane (the pinned kube-apiserver and etcd in bin/k8s)
//     with a manager whose reconcilers the calling suite registers, and real kossd
//     processes (test/kossdproc) standing in for the Regions' pods. There is no kubelet or
//     StatefulSet controller: a spec starts kossd for each Region it needs Available and
//     plays the StatefulSet controller by writing the StatefulSet's status. Env has the
//     helpers the specs use to create, wait for and inspect objects, and to talk OSS to a
//     Region with the official SDK. Stop checks that no secret value reached the manager's
//     log or an Event.
//   - CheckNeverResultAndError drives one reconcile pass of a reconciler against a fake API
//     server and fake admin API with every single failure injected in turn, and fails when
//     a pass returns a requeue interval together with an error.
//   - CheckCondition, TestRegion, Decode and ErrConnRefused serve the table tests of the
//     pure status and builder functions.
//
// It lives under a test directory: it is test code, imported only by _test.go files.
package controllertest
