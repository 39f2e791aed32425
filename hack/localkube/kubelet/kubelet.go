package kubelet

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"
)

// Config configures a Kubelet.
type Config struct {
	// NodeName is the Node this kubelet registers and serves.
	NodeName string
	// RESTConfig carries the node's credentials (user system:node:<name>
	// in group system:nodes, for the Node authorizer).
	RESTConfig *rest.Config
	// RootDir holds pods/<uid>/ (volumes, hosts file, rootfs mount point)
	// and logs/<ns>_<pod>_<uid>/<container>/<n>.log; several kubelets may
	// share it.
	RootDir string
	// ImageStore is the node's image store: an OCI image layout (as
	// hack/imagebuild writes it) whose index.json names each image by its
	// reference (org.opencontainers.image.ref.name). A container whose
	// image is there runs from it: layers unpacked once per digest under
	// RootDir/images, the image's entrypoint, cmd, env, working directory
	// and user, with the container's overrides. Empty: no store.
	ImageStore string
	// Images maps images to local binaries, for images not in ImageStore
	// (test helpers); an image in neither fails with ErrImagePull.
	Images []Image
	// Network assigns pod IPs and renders hosts files; shared by all
	// kubelets of a cluster and run by the caller.
	Network *Network
	// APIServerHost and APIServerPort are given to containers as
	// KUBERNETES_SERVICE_HOST/PORT, which in-cluster clients use.
	APIServerHost string
	APIServerPort int
	// Capacity is the Node's capacity and allocatable; defaults are
	// generous since all pods share this machine anyway.
	Capacity corev1.ResourceList
	// Labels are added to the Node's labels.
	Labels map[string]string
	// BackoffInitial and BackoffMax shape the crash-loop back-off
	// (defaults 10 s and 5 min).
	BackoffInitial, BackoffMax time.Duration
	// ShutdownGracePeriod caps each pod's termination grace when the
	// kubelet itself stops (default 5 s).
	ShutdownGracePeriod time.Duration
	// SyncPeriod is how often mounted Secrets, ConfigMaps and tokens are
	// refreshed (default 10 s).
	SyncPeriod time.Duration
	// ProcessEnv is added to every container's environment (the harness
	// uses it to find leftover processes).
	ProcessEnv []string
	// ServerTLS, when set, enables the kubelet API on 127.0.0.1 (a random
	// port published in the Node's daemonEndpoints) for `kubectl logs`.
	// It should require client certificates of the cluster CA.
	ServerTLS *tls.Config
	// Logger receives the kubelet's log; nil discards.
	Logger *slog.Logger
}

// Kubelet runs the pods bound to one Node as local processes.
type Kubelet struct {
	cfg      Config
	client   kubernetes.Interface
	log      *slog.Logger
	recorder record.EventRecorder
	capacity corev1.ResourceList
	version  string

	podLister corelisters.PodLister

	mu       sync.Mutex
	workers  map[types.UID]*podWorker
	finished map[types.UID]bool // pods whose deletion this kubelet completed
	stopping bool
	wg       sync.WaitGroup

	serverPort int32
}

// ErrNotRoot means the kubelet cannot create mount namespaces.
var ErrNotRoot = errors.New("kubelet: running pods needs root (mount namespaces, bind mounts, chroot)")

// New checks the configuration.
func New(cfg Config) (*Kubelet, error) {
	if cfg.NodeName == "" || cfg.RESTConfig == nil || cfg.RootDir == "" || cfg.Network == nil {
		return nil, errors.New("kubelet: NodeName, RESTConfig, RootDir and Network are required")
	}
	if os.Geteuid() != 0 {
		return nil, ErrNotRoot
	}
	if cfg.BackoffInitial <= 0 {
		cfg.BackoffInitial = 10 * time.Second
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = 5 * time.Minute
	}
	if cfg.ShutdownGracePeriod <= 0 {
		cfg.ShutdownGracePeriod = 5 * time.Second
	}
	if cfg.SyncPeriod <= 0 {
		cfg.SyncPeriod = 10 * time.Second
	}
	root, err := filepath.Abs(cfg.RootDir)
	if err != nil {
		return nil, err
	}
	cfg.RootDir = root
	rc := rest.CopyConfig(cfg.RESTConfig)
	rc.UserAgent = "koss-kubelet/" + cfg.NodeName
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, err
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("32"),
		corev1.ResourceMemory:           resource.MustParse("128Gi"),
		corev1.ResourcePods:             resource.MustParse("110"),
		corev1.ResourceEphemeralStorage: resource.MustParse("500Gi"),
	}
	for k, v := range cfg.Capacity {
		capacity[k] = v
	}
	return &Kubelet{
		cfg:      cfg,
		client:   client,
		log:      orDiscard(cfg.Logger),
		capacity: capacity,
		workers:  map[types.UID]*podWorker{},
		finished: map[types.UID]bool{},
	}, nil
}

// Run registers the Node, keeps its Lease and status fresh, and runs the
// pods bound to it until ctx ends. Then it stops every pod's processes
// (SIGTERM, SIGKILL after the shorter of the pod's grace period and
// ShutdownGracePeriod) and returns once all are gone; pod objects stay, so
// a kubelet started again on the same node runs them again.
func (k *Kubelet) Run(ctx context.Context) error {
	for _, d := range []string{"pods", "logs"} {
		if err := os.MkdirAll(filepath.Join(k.cfg.RootDir, d), 0o755); err != nil {
			return err
		}
	}
	if v, err := k.client.Discovery().ServerVersion(); err == nil {
		k.version = v.GitVersion
	}
	if k.cfg.ServerTLS != nil {
		stop, err := k.serve()
		if err != nil {
			return err
		}
		defer stop()
	}
	if err := retry(ctx, k.log, "register node", k.registerNode); err != nil {
		return err
	}
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: k.client.CoreV1().Events("")})
	defer broadcaster.Shutdown()
	k.recorder = broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: k.cfg.NodeName})

	var bg sync.WaitGroup
	defer bg.Wait()
	bgCtx, cancelBG := context.WithCancel(ctx)
	defer cancelBG()
	bg.Add(2)
	go func() { defer bg.Done(); k.leaseLoop(bgCtx) }()
	go func() { defer bg.Done(); k.nodeStatusLoop(bgCtx) }()

	// Pods get their hosts file from the network's records: wait for its
	// first full view, and listen for changes before any pod starts.
	hostsChanged, unsubscribe := k.cfg.Network.subscribe()
	defer unsubscribe()
	if err := k.cfg.Network.WaitSynced(ctx); err != nil {
		return k.shutdown(err)
	}
	factory := informers.NewSharedInformerFactoryWithOptions(k.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", k.cfg.NodeName).String()
		}))
	pods := factory.Core().V1().Pods()
	k.podLister = pods.Lister()
	if _, err := pods.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { k.dispatch(o.(*corev1.Pod)) },
		UpdateFunc: func(_, o any) { k.dispatch(o.(*corev1.Pod)) },
		DeleteFunc: func(o any) {
			if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
				o = t.Obj
			}
			if p, ok := o.(*corev1.Pod); ok {
				k.forget(p)
			}
		},
	}); err != nil {
		return err
	}
	factory.Start(bgCtx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), pods.Informer().HasSynced) {
		return k.shutdown(ctx.Err())
	}
	k.cleanOrphans()
	for {
		select {
		case <-ctx.Done():
			cancelBG()
			return k.shutdown(nil)
		case <-hostsChanged:
			k.mu.Lock()
			for _, w := range k.workers {
				w.poke()
			}
			k.mu.Unlock()
		}
	}
}

// shutdown stops all pod workers without touching the API.
func (k *Kubelet) shutdown(err error) error {
	k.mu.Lock()
	k.stopping = true
	for _, w := range k.workers {
		w.shutdown()
	}
	k.mu.Unlock()
	k.wg.Wait()
	return err
}

// dispatch hands a pod update to its worker, starting one for a new pod.
func (k *Kubelet) dispatch(pod *corev1.Pod) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.stopping || k.finished[pod.UID] {
		// Late events of a pod whose deletion is complete must not start
		// it again.
		return
	}
	if w, ok := k.workers[pod.UID]; ok {
		w.update(pod)
		return
	}
	w := newPodWorker(k, pod)
	k.workers[pod.UID] = w
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		done := w.run()
		k.mu.Lock()
		delete(k.workers, pod.UID)
		if done {
			k.finished[pod.UID] = true
		}
		k.mu.Unlock()
	}()
}

// forget handles a pod that vanished from the API (deleted by this kubelet,
// or force-deleted): a worker still running kills its processes at once.
func (k *Kubelet) forget(pod *corev1.Pod) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.finished, pod.UID)
	if w, ok := k.workers[pod.UID]; ok {
		w.removed()
	}
}

// cleanOrphans removes the directories of this node's pods that no longer
// exist (left by an earlier run on the same state).
func (k *Kubelet) cleanOrphans() {
	entries, err := os.ReadDir(filepath.Join(k.cfg.RootDir, "pods"))
	if err != nil {
		return
	}
	pods, err := k.podLister.List(labels.Everything())
	if err != nil {
		return
	}
	known := map[string]bool{}
	for _, p := range pods {
		known[string(p.UID)] = true
	}
	for _, e := range entries {
		if !known[e.Name()] && k.ownsPodDir(e.Name()) {
			_ = os.RemoveAll(filepath.Join(k.cfg.RootDir, "pods", e.Name()))
		}
	}
}

// ownsPodDir tells whether a pod directory belongs to this node (kubelets
// may share RootDir).
func (k *Kubelet) ownsPodDir(uid string) bool {
	b, err := os.ReadFile(filepath.Join(k.cfg.RootDir, "pods", uid, "node"))
	return err == nil && string(b) == k.cfg.NodeName
}

func (k *Kubelet) registerNode(ctx context.Context) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: k.cfg.NodeName,
			Labels: map[string]string{
				corev1.LabelHostname:   k.cfg.NodeName,
				corev1.LabelOSStable:   "linux",
				corev1.LabelArchStable: runtime.GOARCH,
			},
		},
	}
	for key, v := range k.cfg.Labels {
		node.Labels[key] = v
	}
	_, err := k.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return k.updateNodeStatus(ctx)
}

func (k *Kubelet) updateNodeStatus(ctx context.Context) error {
	node, err := k.client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	now := metav1.Now()
	want := []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status"},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "kubelet has no disk pressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "kubelet has sufficient PID available"},
	}
	for i := range want {
		want[i].LastHeartbeatTime = now
		want[i].LastTransitionTime = now
		for _, old := range node.Status.Conditions {
			if old.Type == want[i].Type && old.Status == want[i].Status {
				want[i].LastTransitionTime = old.LastTransitionTime
			}
		}
	}
	node.Status.Conditions = want
	node.Status.Capacity = k.capacity
	node.Status.Allocatable = k.capacity
	node.Status.Addresses = []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: "127.0.0.1"},
		{Type: corev1.NodeHostName, Address: k.cfg.NodeName},
	}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = k.serverPort
	version := k.version
	if version == "" {
		version = "v0.0.0"
	}
	node.Status.NodeInfo = corev1.NodeSystemInfo{
		MachineID:               k.cfg.NodeName,
		SystemUUID:              k.cfg.NodeName,
		BootID:                  k.cfg.NodeName,
		KernelVersion:           kernelVersion(),
		OSImage:                 "koss process kubelet",
		ContainerRuntimeVersion: "koss-process://1.0.0",
		KubeletVersion:          version,
		OperatingSystem:         "linux",
		Architecture:            runtime.GOARCH,
	}
	_, err = k.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	return err
}

func kernelVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return string(trimNL(b))
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// leaseLoop renews the node Lease every 10 s; the node lifecycle controller
// marks a node NotReady (and evicts its pods) when it stops.
func (k *Kubelet) leaseLoop(ctx context.Context) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		if err := k.renewLease(ctx); err != nil && ctx.Err() == nil {
			k.log.Warn("renew lease", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (k *Kubelet) renewLease(ctx context.Context) error {
	leases := k.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(time.Now())
	l, err := leases.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		node, err := k.client.CoreV1().Nodes().Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{
				Name: k.cfg.NodeName,
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID,
				}},
			},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity:       ptr.To(k.cfg.NodeName),
				LeaseDurationSeconds: ptr.To[int32](40),
				RenewTime:            &now,
			},
		}, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	l.Spec.RenewTime = &now
	l.Spec.HolderIdentity = ptr.To(k.cfg.NodeName)
	_, err = leases.Update(ctx, l, metav1.UpdateOptions{})
	return err
}

func (k *Kubelet) nodeStatusLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := k.updateNodeStatus(ctx); err != nil && ctx.Err() == nil {
			k.log.Warn("update node status", "err", err)
		}
	}
}

// retry calls f until it succeeds or ctx ends.
func retry(ctx context.Context, log *slog.Logger, what string, f func(context.Context) error) error {
	delay := 200 * time.Millisecond
	for {
		err := f(ctx)
		if err == nil {
			return nil
		}
		log.Warn(what, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// objects returns the Secret/ConfigMap reader for env and volumes.
func (k *Kubelet) objects() objectSource { return apiObjects{k.client} }

type apiObjects struct{ c kubernetes.Interface }

func (a apiObjects) secret(ctx context.Context, ns, name string) (*corev1.Secret, error) {
	return a.c.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
}

func (a apiObjects) configMap(ctx context.Context, ns, name string) (*corev1.ConfigMap, error) {
	return a.c.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
}

// listenLocal listens on a random port of 127.0.0.1.
func listenLocal() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }
