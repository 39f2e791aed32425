// Package chart tests the Helm chart charts/koss with the helm binary the project builds
// from source (bin/k8s/helm, or $KOSS_K8S_BIN/helm): `helm lint --strict`, the objects `helm
// template` renders with default and non-default values (flags the manager really has, RBAC
// that covers what the controllers do, no render-time randomness), the generated copies of
// config/ it ships (CRDs and RBAC rules, byte for byte), the Argo CD health checks of its docs
// (run in gopher-lua, the interpreter Argo CD embeds), and an install on the local control
// plane (hack/localkube/localcluster) with the operator built from ./cmd/manager.
//
// The package has only tests; `make test` runs it.
package chart
