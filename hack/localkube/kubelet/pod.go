package kubelet

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// hostIP is every Node's InternalIP and every pod's hostIP: the nodes all
// are this machine.
const hostIP = "127.0.0.1"

// podWorker owns one pod: its IP, volumes, hosts file, container
// processes and status, from the first sight of the pod until its
// deletion is finished.
type podWorker struct {
	k      *Kubelet
	uid    types.UID
	ns     string
	name   string
	dir    string // RootDir/pods/<uid>
	logDir string // RootDir/logs/<ns>_<name>_<uid>
	log    *slog.Logger

	mu           sync.Mutex
	pod          *corev1.Pod
	ip           string
	startTime    *metav1.Time
	sandboxReady bool
	initDone     bool
	initFailed   bool
	terminal     corev1.PodPhase // latched Succeeded/Failed
	stopping     bool
	inits        []*containerRunner
	ctrs         []*containerRunner
	volumes      volumeSet
	tokens       map[string]cachedToken
	fsGroupDone  map[string]bool // volumes given to the pod's fsGroup
	lastEvent    string

	updateCh     chan struct{}
	statusCh     chan struct{}
	removedCh    chan struct{}
	removedOnce  sync.Once
	shutdownCh   chan struct{}
	shutdownOnce sync.Once
}

func newPodWorker(k *Kubelet, pod *corev1.Pod) *podWorker {
	return &podWorker{
		k:          k,
		uid:        pod.UID,
		ns:         pod.Namespace,
		name:       pod.Name,
		dir:        filepath.Join(k.cfg.RootDir, "pods", string(pod.UID)),
		logDir:     filepath.Join(k.cfg.RootDir, "logs", fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID)),
		log:        k.log.With("pod", pod.Namespace+"/"+pod.Name),
		pod:        pod,
		tokens:     map[string]cachedToken{},
		updateCh:   make(chan struct{}, 1),
		statusCh:   make(chan struct{}, 1),
		removedCh:  make(chan struct{}),
		shutdownCh: make(chan struct{}),
	}
}

func (w *podWorker) update(pod *corev1.Pod) {
	w.mu.Lock()
	w.pod = pod
	w.mu.Unlock()
	w.poke()
}

// poke wakes the worker (new pod object, or the cluster's names changed).
func (w *podWorker) poke() {
	select {
	case w.updateCh <- struct{}{}:
	default:
	}
}

func (w *podWorker) removed()  { w.removedOnce.Do(func() { close(w.removedCh) }) }
func (w *podWorker) shutdown() { w.shutdownOnce.Do(func() { close(w.shutdownCh) }) }

func (w *podWorker) markDirty() {
	select {
	case w.statusCh <- struct{}{}:
	default:
	}
}

// current returns the latest pod object with the status fields this
// kubelet owns filled in, for the downward API and env.
func (w *podWorker) current() *corev1.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.pod.DeepCopy()
	p.Status.HostIP = hostIP
	p.Status.HostIPs = []corev1.HostIP{{IP: hostIP}}
	if w.ip != "" {
		p.Status.PodIP = w.ip
		p.Status.PodIPs = []corev1.PodIP{{IP: w.ip}}
	}
	return p
}

func isTerminal(p corev1.PodPhase) bool { return p == corev1.PodSucceeded || p == corev1.PodFailed }

func (w *podWorker) event(typ, reason, msg string) {
	if w.k.recorder != nil {
		w.k.recorder.Event(w.current(), typ, reason, msg)
	}
}

// run is the pod's life on this node. It reports whether the pod is done
// here (deleted), as opposed to the kubelet stopping.
func (w *podWorker) run() bool {
	statusCtx, stopStatus := context.WithCancel(context.Background())
	statusDone := make(chan struct{})
	go func() { defer close(statusDone); w.statusLoop(statusCtx) }()
	defer func() { stopStatus(); <-statusDone }()

	pod := w.current()
	if pod.DeletionTimestamp != nil {
		// Being deleted before this kubelet ran anything of it (or before a
		// restart of the kubelet): nothing to stop.
		w.finalize()
		return true
	}
	lifeCtx, cancelLife := context.WithCancel(context.Background())
	lifeDone := make(chan struct{})
	if isTerminal(pod.Status.Phase) {
		// Finished before (an earlier kubelet run): nothing to start, only
		// the deletion to complete.
		w.mu.Lock()
		w.terminal = pod.Status.Phase
		w.mu.Unlock()
		close(lifeDone)
	} else {
		go func() { defer close(lifeDone); w.lifecycle(lifeCtx) }()
	}
	stopAll := func(grace time.Duration) {
		w.mu.Lock()
		w.stopping = true
		runners := append(append([]*containerRunner{}, w.inits...), w.ctrs...)
		w.mu.Unlock()
		cancelLife()
		var wg sync.WaitGroup
		for _, r := range runners {
			wg.Add(1)
			go func() { defer wg.Done(); r.stop(grace) }()
		}
		wg.Wait()
		<-lifeDone
	}
	defer cancelLife()

	sync := time.NewTicker(w.k.cfg.SyncPeriod)
	defer sync.Stop()
	for {
		select {
		case <-w.updateCh:
			pod := w.current()
			if pod.DeletionTimestamp != nil {
				grace := 30 * time.Second
				if pod.DeletionGracePeriodSeconds != nil {
					grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
				}
				w.log.Info("terminating", "grace", grace)
				stopAll(grace)
				w.markDirty()
				w.finalize()
				return true
			}
			w.updateHosts()
		case <-sync.C:
			w.refreshVolumes()
		case <-w.removedCh:
			w.log.Info("pod removed from the API, killing")
			stopAll(2 * time.Second)
			w.cleanup()
			return true
		case <-w.shutdownCh:
			grace := w.k.cfg.ShutdownGracePeriod
			if g := w.current().Spec.TerminationGracePeriodSeconds; g != nil {
				grace = min(grace, time.Duration(*g)*time.Second)
			}
			stopAll(grace)
			return false
		}
	}
}

// lifecycle prepares the pod and runs its containers: IP, volumes, hosts
// file, init containers in order, then all containers.
func (w *podWorker) lifecycle(ctx context.Context) {
	pod := w.current()
	if err := os.MkdirAll(filepath.Join(w.dir, "rootfs"), 0o755); err != nil {
		w.log.Error("pod dir", "err", err)
		return
	}
	_ = os.WriteFile(filepath.Join(w.dir, "node"), []byte(w.k.cfg.NodeName), 0o644)
	_ = os.WriteFile(filepath.Join(w.dir, "hostname"), []byte(hostnameOf(pod)+"\n"), 0o644)
	ip := hostIP
	if !pod.Spec.HostNetwork {
		var err error
		if ip, err = w.k.cfg.Network.PodIP(pod.Namespace, pod.Name); err != nil {
			w.log.Error("pod IP", "err", err)
			w.event(corev1.EventTypeWarning, "FailedCreatePodSandBox", err.Error())
			return
		}
	}
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	w.mu.Lock()
	if w.stopping {
		// Deleted or shut down before anything ran: stopAll has already
		// taken its list of runners, so none may be created now.
		w.mu.Unlock()
		return
	}
	w.ip = ip
	w.startTime = &now
	if pod.Status.StartTime != nil {
		w.startTime = pod.Status.StartTime
	}
	for i := range pod.Spec.InitContainers {
		w.inits = append(w.inits, newContainerRunner(w, &pod.Spec.InitContainers[i], true, pod))
	}
	for i := range pod.Spec.Containers {
		w.ctrs = append(w.ctrs, newContainerRunner(w, &pod.Spec.Containers[i], false, pod))
	}
	w.mu.Unlock()
	w.markDirty()

	for {
		vs, err := w.setupVolumes(ctx, w.current())
		if err == nil {
			w.mu.Lock()
			w.volumes = vs
			w.mu.Unlock()
			break
		}
		if ctx.Err() != nil {
			return
		}
		w.warnOnce("FailedMount", err.Error())
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
	w.updateHosts()
	w.mu.Lock()
	w.sandboxReady = true
	w.mu.Unlock()
	w.markDirty()

	policy := pod.Spec.RestartPolicy
	for _, r := range w.inits {
		if !r.start() {
			return
		}
		ok := r.runLoop(policy)
		if ctx.Err() != nil {
			return
		}
		if !ok {
			w.mu.Lock()
			w.initFailed = true
			w.mu.Unlock()
			w.markDirty()
			return
		}
	}
	w.mu.Lock()
	w.initDone = true
	w.mu.Unlock()
	w.markDirty()
	for _, r := range w.ctrs {
		if !r.start() {
			return
		}
		go r.runLoop(policy)
	}
}

// warnOnce records a Warning event unless the same message was the last.
func (w *podWorker) warnOnce(reason, msg string) {
	w.mu.Lock()
	same := w.lastEvent == reason+msg
	w.lastEvent = reason + msg
	w.mu.Unlock()
	if !same {
		w.log.Warn(reason, "msg", msg)
		w.event(corev1.EventTypeWarning, reason, msg)
	}
}

// refreshVolumes rewrites Secret, ConfigMap, downward API and token volumes
// of a running pod when their sources changed.
func (w *podWorker) refreshVolumes() {
	w.mu.Lock()
	ready := w.sandboxReady && !w.stopping
	w.mu.Unlock()
	if !ready {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := w.setupVolumes(ctx, w.current()); err != nil {
		w.log.Warn("refresh volumes", "err", err)
	}
}

// updateHosts rewrites the pod's hosts file from the cluster's records.
func (w *podWorker) updateHosts() {
	pod := w.current()
	if pod.Status.PodIP == "" {
		return
	}
	own := podHostsInfo{
		IP:        pod.Status.PodIP,
		Hostname:  hostnameOf(pod),
		Subdomain: pod.Spec.Subdomain,
		Namespace: pod.Namespace,
		Aliases:   pod.Spec.HostAliases,
	}
	if err := writeHostsInPlace(filepath.Join(w.dir, "hosts"), w.k.cfg.Network.hosts(own)); err != nil {
		w.log.Warn("hosts file", "err", err)
	}
}

// finalize completes a graceful deletion once every process is gone: the
// pod object is deleted with grace period 0, as the kubelet does.
func (w *podWorker) finalize() {
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := w.k.client.CoreV1().Pods(w.ns).Delete(ctx, w.name, metav1.DeleteOptions{
			GracePeriodSeconds: ptr.To[int64](0),
			Preconditions:      &metav1.Preconditions{UID: &w.uid},
		})
		cancel()
		if err == nil || isNotFound(err) || isConflict(err) {
			break
		}
		w.log.Warn("delete pod", "err", err)
		select {
		case <-w.removedCh:
		case <-w.shutdownCh:
			return
		case <-time.After(min(time.Duration(attempt+1)*time.Second, 10*time.Second)):
			continue
		}
		break
	}
	w.cleanup()
}

// cleanup removes the pod's directory (volumes other than claims, hosts
// file, specs); container logs stay until the state directory goes.
func (w *podWorker) cleanup() {
	if err := os.RemoveAll(w.dir); err != nil {
		w.log.Warn("remove pod dir", "err", err)
	}
}

// statusLoop pushes the pod's status whenever it changed.
func (w *podWorker) statusLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.statusCh:
		}
		for attempt := 0; ; attempt++ {
			err := w.pushStatus(ctx)
			if err == nil || ctx.Err() != nil || isNotFound(err) {
				break
			}
			if !isConflict(err) {
				w.log.Warn("update status", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(min(time.Duration(1<<min(attempt, 5))*100*time.Millisecond, 3*time.Second)):
			}
		}
	}
}

func (w *podWorker) pushStatus(ctx context.Context) error {
	pods := w.k.client.CoreV1().Pods(w.ns)
	pod, err := pods.Get(ctx, w.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if pod.UID != w.uid {
		return nil
	}
	st := w.buildStatus(pod)
	if equality.Semantic.DeepEqual(pod.Status, st) {
		return nil
	}
	pod.Status = st
	_, err = pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	return err
}

// buildStatus computes the pod's status from what runs here, on top of
// the stored one (keeping the scheduler's condition, qosClass, ...).
func (w *podWorker) buildStatus(pod *corev1.Pod) corev1.PodStatus {
	st := *pod.Status.DeepCopy()
	w.mu.Lock()
	defer w.mu.Unlock()
	st.HostIP = hostIP
	st.HostIPs = []corev1.HostIP{{IP: hostIP}}
	if w.ip != "" {
		st.PodIP = w.ip
		st.PodIPs = []corev1.PodIP{{IP: w.ip}}
	}
	if st.StartTime == nil {
		st.StartTime = w.startTime
	}
	if len(w.inits) > 0 {
		st.InitContainerStatuses = nil
		for _, r := range w.inits {
			st.InitContainerStatuses = append(st.InitContainerStatuses, r.snapshot())
		}
	}
	if len(w.ctrs) > 0 {
		st.ContainerStatuses = nil
		for _, r := range w.ctrs {
			st.ContainerStatuses = append(st.ContainerStatuses, r.snapshot())
		}
	}
	phase := w.terminal
	if phase == "" {
		phase = podPhase(pod.Spec.RestartPolicy, w.initDone, w.initFailed, st.ContainerStatuses)
		if isTerminal(phase) {
			w.terminal = phase
		}
	}
	if isTerminal(pod.Status.Phase) {
		phase = pod.Status.Phase // never leave a terminal phase
	}
	st.Phase = phase
	st.Conditions = mergeConditions(pod.Status.Conditions, kubeletConditions(condInput{
		sandboxReady: w.sandboxReady,
		initDone:     w.initDone,
		phase:        phase,
		statuses:     st.ContainerStatuses,
		gatesOK:      readinessGatesOK(pod),
	}), metav1.NewTime(time.Now().Truncate(time.Second)), pod.Generation)
	st.ObservedGeneration = pod.Generation
	return st
}
