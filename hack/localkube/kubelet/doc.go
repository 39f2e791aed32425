// Package kubelet is a process kubelet, a test harness and no product: it
// registers a Node and runs the pods bound to it as local processes, so a
// real control plane (see hack/localkube/localcluster) can run workloads on
// a machine without Docker.
//
// # Containers
//
// With Config.ImageStore set (what `make run` and the e2e suite use), a
// container runs from its image: the reference is resolved in the local
// OCI layout (`make images`; an image that is not there fails the pod with
// ErrImagePull, then ImagePullBackOff), its layers are unpacked once per
// digest, and the container gets an overlay on that tree with a fresh
// writable layer, a fresh /proc and a minimal /dev, nothing of the host;
// it runs the image's entrypoint and cmd (or the container's command and
// args) with the image's env under the container's, in its working
// directory, as its user, honouring runAsUser/runAsGroup/runAsNonRoot,
// fsGroup, readOnlyRootFilesystem and no_new_privs (imagestore.go).
//
// Without an image store, images map to local binaries by prefix (Image),
// as below, and run as the kubelet's user. A container's process is
// this very executable re-run as a small container init (the package's init
// function takes over when KOSS_KUBELET_POD_INIT is set, so every binary
// linking the package, go test binaries included, can serve): started with
// CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWPID in its own process group and with
// SIGKILL as parent-death signal, it makes all mounts private, mounts a
// tmpfs on the pod's rootfs directory, bind-mounts the host's top-level
// entries into it (with a fresh /proc for its PID namespace), bind-mounts the pod's hosts file on /etc/hosts, its hostname file on
// /etc/hostname and each volume on its mountPath (a missing mount point
// inside a host directory is created on a tmpfs that shadows that
// directory, never on the host), chroots, sets the pod's hostname and
// execs the command. Every mount lives only in that namespace and dies
// with its processes: nothing is ever mounted on the host. The command is
// PID 1 of its PID namespace, so, as in a real container, its exit (or the
// kubelet process dying) kills everything it spawned, and it receives only
// the signals it handles (a server must handle SIGTERM to stop before the
// grace period's SIGKILL).
//
// Environment (value, secretKeyRef, configMapKeyRef, fieldRef,
// resourceFieldRef, envFrom) and $(VAR) expansion of env, command and args
// follow Kubernetes; KUBERNETES_SERVICE_HOST/PORT point at the API server,
// so in-cluster clients work with the projected service-account token
// (TokenRequest API, pod-bound, refreshed at 80% of its life), ca.crt and
// namespace. Volumes: emptyDir, hostPath, Secret, ConfigMap, downward API,
// projected, persistentVolumeClaim (hostPath or local volumes) and generic
// ephemeral; Secret, ConfigMap, downward API and token volumes are written
// with the kubelet's atomic ..data symlink swap and refreshed every
// SyncPeriod. HTTP, TCP and exec probes drive Started, Ready,
// ContainersReady and Ready conditions; failed liveness and startup probes
// kill the container. Restart policies apply with the kubelet's crash-loop
// back-off (first restart at once, then BackoffInitial doubling up to
// BackoffMax). Deletion sends SIGTERM to the container's process group,
// SIGKILL after the grace period, then deletes the pod with grace 0.
// Container output goes to RootDir/logs/<ns>_<pod>_<uid>/<container>/<n>.log,
// and with Config.ServerTLS the kubelet serves them to `kubectl logs`.
//
// # Network
//
// Pods share the host's network namespace; each gets its own address in a
// loopback range (Network.PodIP; every 127.0.0.0/8 address is local on
// Linux, so no interface is configured), sticky per namespace/name so a
// StatefulSet pod keeps its IP. Servers must bind their pod IP, which the
// downward API gives them (status.podIP). Cluster DNS is emulated with
// per-pod hosts files kept current from informers on Pods and Services
// (rewritten in place, since a bind mount pins the inode):
// <svc>.<ns>.svc.cluster.local (and .svc, .<ns>, and the bare name inside
// the namespace, which a pod's search path would give) points at a
// ClusterIP Service's ClusterIP, or at the ready pods of a headless
// Service; <hostname>.<subdomain>.<ns>.svc.cluster.local points at a pod
// behind its headless Service (not-ready pods too with
// publishNotReadyAddresses). The API server's service range is itself
// chosen inside 127.0.0.0/8 (it accepts that), and Network runs a
// user-space TCP proxy on each ClusterIP:port that forwards to a ready
// endpoint's targetPort (round robin), including `kubernetes.default` to
// the API server. Endpoints and EndpointSlices are not used: the API
// server rejects loopback addresses in them. From the host, pod and
// Service IPs are reachable directly, and Network.DialContext or
// LookupHost resolve the cluster names.
//
// # Storage
//
// Provisioner creates a default StorageClass (Immediate binding) and, for
// each pending claim of it, a hostPath PersistentVolume in its own
// directory, pre-bound to the claim; the controller manager completes the
// binding. Data outlives pods (a re-created StatefulSet pod gets the same
// claim back); a Released volume with reclaim policy Delete is removed.
// A second class, CappedStorageClass ("capped"), mounts a file system of
// exactly the claimed size on the directory (a loop-mounted ext4 image, or
// a tmpfs where loop devices are missing; root only), so a pod that
// outgrows its claim meets ENOSPC; it is unmounted when the volume is
// reclaimed. The default class does not enforce sizes.
//
// # Not supported
//
// Resource limits (nothing is enforced), securityContext for containers
// not run from an image (they run as the kubelet's user), capabilities of
// a container that stays uid 0, /sys, imagePullPolicy, exec/attach/port-forward, gRPC probes (they pass),
// lifecycle hooks, sidecar (restartable init) containers, the termination
// message file, Service environment variables beyond KUBERNETES_*, UDP
// Services, ExternalName Services, and Services without selectors other
// than `kubernetes`.
package kubelet
