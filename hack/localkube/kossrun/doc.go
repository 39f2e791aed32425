// Command kossrun is `make run`: koss on this machine the way users meet it.
// It builds what is missing (bin/osscli with go build; the kossd and
// manager images with hack/imagebuild, as `make images` does, into
// bin/images; the Kubernetes, etcd and helm binaries with hack/build-k8s.sh),
// starts a local Kubernetes control plane with process kubelets
// (hack/localkube/localcluster), installs the operator from charts/koss
// with helm (the operator runs as a pod from the koss/manager image, the
// Region's pods from koss/kossd), applies config/samples (a 3-replica Region, a Bucket and an
// AccessKey) with kubectl, waits until they are ready, and prints the
// kubeconfig, the OSS endpoint reachable from this machine, the sample
// AccessKey's credentials and commands that write and read an object.
//
// Ctrl-C (or SIGTERM) stops everything. The state directory is kept, and
// the next run resumes the same cluster, objects and data: `helm upgrade
// --install` and `kubectl apply --server-side` change nothing that is
// already right.
//
// Usage:
//
//	kossrun [flags]
//
// Flags:
//
//	--state-dir DIR   cluster state (default <repo>/.koss/run)
//	--namespace NS    namespace of the samples (default "default")
//	--nodes N         process kubelets (default 3)
//	--timeout D       how long to wait for the samples to be ready (default 5m)
//	--no-build        use the binaries as they are (fail if one is missing)
//
// The credentials are printed to standard output only, because showing them
// is the point of the command; they are never written to a log.
// Needs root (the process kubelet gives each pod its own mount namespace).
package main
