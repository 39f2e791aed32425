// Command localcluster runs a local Kubernetes control plane (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler, built from
// source by hack/build-k8s.sh) with process kubelets, writes a kubeconfig,
// and stops everything on Ctrl-C or SIGTERM. Its state directory is reused
// by the next run, which resumes the same cluster.
//
// Usage:
//
//	localcluster [flags]
//
// Flags:
//
//	--state-dir DIR     state (default <repo>/.koss/localcluster)
//	--nodes N           kubelets (default 1)
//	--image PREFIX=BIN  map images starting with PREFIX to the binary BIN (repeatable)
//	--images FILE       image mappings from a YAML or JSON file (see below)
//	--bin-dir DIR       Kubernetes binaries (default $KOSS_K8S_BIN or <repo>/bin/k8s)
//	--timeout D         startup deadline (default 3m)
//
// Without --image or --images, koss/kossd maps to <repo>/bin/kossd and
// koss/manager to <repo>/bin/manager. The images file:
//
//	images:
//	- prefix: koss/kossd
//	  binary: bin/kossd        # relative to the file's directory
//	- prefix: example.com/tool
//	  binary: /usr/local/bin/tool
//	  args: ["serve"]          # the image's default CMD
package main
