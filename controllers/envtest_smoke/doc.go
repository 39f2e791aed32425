// Package envtest_smoke proves that controller-runtime's envtest runs on the
// control plane that hack/build-k8s.sh compiles from the pinned Kubernetes and
// etcd module sources: with KUBEBUILDER_ASSETS=<repo>/bin/k8s it starts that
// kube-apiserver and etcd, round-trips a ConfigMap, and checks that the
// server and kubectl report the pinned version, which only holds when the
// build stamped it (an unstamped build says v0.0.0-master).
//
// The suite fails, never skips, when KUBEBUILDER_ASSETS is unset or a binary
// is missing: a silently skipped suite would hide that every controller test
// built on envtest has stopped running. The fix it prints is to run
// hack/build-k8s.sh.
//
// The package holds only tests; this file exists for the package comment.
package envtest_smoke
