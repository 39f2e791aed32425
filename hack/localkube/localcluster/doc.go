// Package localcluster runs a real Kubernetes control plane on this machine
// without Docker: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler as processes (binaries built from the pinned sources by
// hack/build-k8s.sh into bin/k8s, or $KOSS_K8S_BIN), plus process kubelets
// (hack/localkube/kubelet) inside the calling process.
//
//	c, err := localcluster.Start(ctx, localcluster.Options{
//		Images: []kubelet.Image{{Prefix: "koss/kossd", Binary: "bin/kossd"}},
//	})
//	defer c.Stop()
//	cfg := c.Config()            // admin *rest.Config
//	path := c.KubeconfigPath()   // for kubectl, helm, other processes
//
// Control plane: a fresh CA (ECDSA, crypto/x509) signs the API server's
// serving certificate (127.0.0.1, kubernetes.default.svc, ...) and client
// certificates for the admin (system:masters), the controller manager, the
// scheduler and each kubelet (system:node:<name>, for the Node authorizer);
// the service-account key pair signs tokens. The API server runs with
// Node,RBAC authorization, NodeRestriction, a service range inside
// 127.0.0.0/8 and --endpoint-reconciler-type=none; the controller manager
// with --use-service-account-credentials and all default controllers;
// controller manager and scheduler without serving ports, so several
// clusters can run side by side. etcd and the API server listen on random
// free ports of 127.0.0.1. Each cluster reserves a /16 of the loopback
// network (pods in the lower /17, Services in the upper) with an abstract
// Unix socket lock.
//
// State: everything lives in the state directory (certificates, etcd data,
// logs/<component>.log, kubelet/ for pods and container logs, volumes/ for
// claims, kubeconfig, hosts). A temporary one is removed by Stop; a given
// one is resumed by the next Start (same CA, data, loopback range and,
// when free, ports) and its pods run again.
//
// Hygiene: every process runs in its own process group with SIGKILL as its
// parent-death signal and MarkerEnv in its environment; Stop stops the
// kubelets (which stop their pods), then the control plane in reverse
// order, and waits for each. Mounts exist only in the pods' private mount
// namespaces. Leaks(stateDir) lists anything left, for tests.
//
// On a start failure the error carries the tail of the failing component's
// log.
package localcluster
