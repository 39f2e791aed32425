// Package e2e is the end-to-end suite of koss (Ginkgo): on a local
// Kubernetes control plane with process kubelets (hack/localkube), it
// installs the operator with the Helm chart, applies config/samples with
// kubectl, and talks to the kossd pods with the Alibaba Cloud OSS Go SDK v2
// using the credentials the operator wrote into the AccessKey's Secret.
//
// Run it with `make test-e2e` (or as part of `make test`), or directly:
//
//	make build k8s-tools
//	KOSS_K8S_BIN=$PWD/bin/k8s go test -race -v ./test/e2e/
//
// Binaries: the Kubernetes binaries come from $KOSS_K8S_BIN or bin/k8s
// (hack/build-k8s.sh); a missing one fails the suite with how to build it.
// kossd and the manager come from $KOSSD_BIN and $KOSS_MANAGER_BIN, or are
// built from this checkout. Nothing is skipped.
//
// Scenarios run in order on one cluster (see e2e_test.go); a failed spec
// dumps the koss objects, events and container logs, and keeps the
// cluster's state directory, whose path it prints. KOSS_E2E_KEEP=1 keeps it
// always.
package e2e
