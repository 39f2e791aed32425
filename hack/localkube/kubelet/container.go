package kubelet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// containerRunner runs one container of a pod: it starts the process,
// runs its probes, restarts it under the pod's restart policy with
// back-off, and keeps its ContainerStatus.
type containerRunner struct {
	w    *podWorker
	spec corev1.Container
	init bool

	mu       sync.Mutex
	status   corev1.ContainerStatus
	instance int // processes started by this worker
	started  bool
	stopped  bool
	grace    time.Duration
	proc     *podProcess
	initSpec *podInitSpec // of the running instance, for exec probes
	pullErrs int          // image resolutions failed in a row

	stopCh chan struct{}
	done   chan struct{}
}

func newContainerRunner(w *podWorker, spec *corev1.Container, init bool, pod *corev1.Pod) *containerRunner {
	reason := "ContainerCreating"
	if !init && len(pod.Spec.InitContainers) > 0 {
		reason = "PodInitializing"
	}
	r := &containerRunner{
		w:    w,
		spec: *spec.DeepCopy(),
		init: init,
		status: corev1.ContainerStatus{
			Name:    spec.Name,
			Image:   spec.Image,
			State:   corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}},
			Started: ptr.To(false),
		},
		stopCh: make(chan struct{}),
		done:   make(chan struct{}),
	}
	// A kubelet restart is a container restart: keep counting.
	old := pod.Status.ContainerStatuses
	if init {
		old = pod.Status.InitContainerStatuses
	}
	for _, cs := range old {
		if cs.Name == spec.Name {
			r.status.RestartCount = cs.RestartCount
			if cs.State.Running != nil || cs.State.Terminated != nil {
				r.status.RestartCount++
			}
		}
	}
	return r
}

// snapshot returns the container's status.
func (r *containerRunner) snapshot() corev1.ContainerStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return *r.status.DeepCopy()
}

// setStatus changes the status under the lock and has it pushed.
func (r *containerRunner) setStatus(f func(*corev1.ContainerStatus)) {
	r.mu.Lock()
	f(&r.status)
	r.mu.Unlock()
	r.w.markDirty()
}

func (r *containerRunner) waiting(reason, msg string) {
	r.setStatus(func(s *corev1.ContainerStatus) {
		s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
		s.Ready = false
		s.Started = ptr.To(false)
	})
}

// start marks the runner as running its loop; false once stopped.
func (r *containerRunner) start() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return false
	}
	r.started = true
	return true
}

// stop ends the loop: the running process gets SIGTERM, then SIGKILL after
// grace. It returns when the loop has ended.
func (r *containerRunner) stop(grace time.Duration) {
	r.mu.Lock()
	if !r.stopped {
		r.stopped = true
		r.grace = grace
		close(r.stopCh)
	}
	started := r.started
	r.mu.Unlock()
	if started {
		<-r.done
	}
}

func (r *containerRunner) isStopped() bool {
	select {
	case <-r.stopCh:
		return true
	default:
		return false
	}
}

// sleep waits d unless stopped first; it reports whether to go on.
func (r *containerRunner) sleep(d time.Duration) bool {
	if d <= 0 {
		return !r.isStopped()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-r.stopCh:
		return false
	case <-t.C:
		return true
	}
}

// runLoop runs the container until it must not run any more: under
// policy for a regular container; for an init container until it
// succeeded (true) or failed with policy Never (false).
func (r *containerRunner) runLoop(policy corev1.RestartPolicy) bool {
	defer close(r.done)
	cfg := r.w.k.cfg
	failures := 0
	for {
		if r.isStopped() {
			return false
		}
		startedAt := time.Now()
		exit, err := r.runInstance()
		if r.isStopped() {
			return err == nil && exit == 0
		}
		if err != nil {
			// Not started (a Secret not there yet, an unknown image): retry
			// soon whatever the policy, as the kubelet does on its next sync;
			// the missing piece often appears a moment later.
			if !r.sleep(2 * time.Second) {
				return false
			}
			continue
		}
		restart := policy == corev1.RestartPolicyAlways || (policy == corev1.RestartPolicyOnFailure && exit != 0)
		if r.init {
			if exit == 0 {
				return true
			}
			restart = policy != corev1.RestartPolicyNever
		}
		if !restart {
			return exit == 0
		}
		if time.Since(startedAt) > 2*cfg.BackoffMax {
			failures = 0
		}
		failures++
		d := restartDelay(failures, cfg.BackoffInitial, cfg.BackoffMax)
		r.setStatus(func(s *corev1.ContainerStatus) {
			s.LastTerminationState = *s.State.DeepCopy()
			if d > 0 {
				s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
					Reason:  "CrashLoopBackOff",
					Message: fmt.Sprintf("back-off %v restarting failed container=%s pod=%s_%s(%s)", d, r.spec.Name, r.w.name, r.w.ns, r.w.uid),
				}}
			}
		})
		if d > 0 {
			r.w.event(corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container "+r.spec.Name)
		}
		if !r.sleep(d) {
			return false
		}
	}
}

// runInstance starts one process of the container and waits for its end:
// exit, stop, or a failed liveness (or startup) probe. err is set only when
// no process could be started.
func (r *containerRunner) runInstance() (int32, error) {
	w := r.w
	pod := w.current()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	spec, err := r.buildSpec(ctx, pod)
	cancel()
	if err != nil {
		switch {
		case errors.Is(err, ErrImagePull):
			// As a kubelet reports a failed pull: ErrImagePull, then
			// ImagePullBackOff while it retries.
			r.mu.Lock()
			r.pullErrs++
			n := r.pullErrs
			r.mu.Unlock()
			if n == 1 {
				r.waiting("ErrImagePull", err.Error())
			} else {
				r.waiting("ImagePullBackOff", fmt.Sprintf("Back-off pulling image %q: %v", r.spec.Image, err))
			}
		case errors.Is(err, ErrConfig):
			r.waiting("CreateContainerConfigError", err.Error())
		default:
			r.waiting("CreateContainerError", err.Error())
		}
		w.warnOnce("Failed", fmt.Sprintf("container %s: %v", r.spec.Name, err))
		return 0, err
	}
	r.mu.Lock()
	r.pullErrs = 0
	r.mu.Unlock()
	if r.isStopped() {
		return 0, nil
	}
	r.mu.Lock()
	n := int(r.status.RestartCount)
	if r.instance > 0 {
		n++
	}
	r.mu.Unlock()
	logPath := filepath.Join(w.logDir, r.spec.Name, strconv.Itoa(n)+".log")
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return 0, err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	p, err := startPodProcess(spec, filepath.Join(w.dir, "run", r.spec.Name+".json"), logf, logf, nil)
	_ = logf.Close()
	if err != nil {
		r.waiting("RunContainerError", err.Error())
		w.warnOnce("Failed", fmt.Sprintf("container %s: %v", r.spec.Name, err))
		return 0, err
	}
	startedAt := metav1.NewTime(p.started.Truncate(time.Second))
	r.mu.Lock()
	if r.instance > 0 {
		r.status.RestartCount++
	}
	r.instance++
	r.proc, r.initSpec = p, spec
	r.status.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: startedAt}}
	r.status.ContainerID = fmt.Sprintf("koss://%s-%s-%d", w.uid, r.spec.Name, r.status.RestartCount)
	r.status.ImageID = "local://" + spec.Argv[0]
	if spec.ImageID != "" {
		r.status.ImageID = spec.ImageID
	}
	r.status.Ready = false
	r.status.Started = ptr.To(r.spec.StartupProbe == nil)
	r.mu.Unlock()
	w.markDirty()
	w.event(corev1.EventTypeNormal, "Started", "Started container "+r.spec.Name)
	w.log.Info("container started", "container", r.spec.Name, "pid", p.cmd.Process.Pid, "log", logPath)

	probeCtx, stopProbes := context.WithCancel(context.Background())
	kill := make(chan string, 1)
	var probes sync.WaitGroup
	r.startProbes(probeCtx, &probes, pod, kill)

	var reason string
	select {
	case <-p.done:
	case <-r.stopCh:
		r.mu.Lock()
		grace := r.grace
		r.mu.Unlock()
		p.stop(grace)
	case reason = <-kill:
		w.event(corev1.EventTypeNormal, "Killing", fmt.Sprintf("Container %s %s, will be restarted", r.spec.Name, reason))
		p.stop(r.killGrace(pod))
	}
	stopProbes()
	probes.Wait()
	// The container's main process is gone: like a PID namespace ending,
	// everything left in its group goes with it.
	p.signalGroup(syscall.SIGKILL)

	term := &corev1.ContainerStateTerminated{
		ExitCode:    p.exitCode,
		Signal:      int32(p.signal),
		Reason:      "Completed",
		StartedAt:   startedAt,
		FinishedAt:  metav1.NewTime(p.finished.Truncate(time.Second)),
		ContainerID: r.snapshot().ContainerID,
	}
	if p.exitCode != 0 {
		term.Reason = "Error"
	}
	r.setStatus(func(s *corev1.ContainerStatus) {
		s.State = corev1.ContainerState{Terminated: term}
		s.Ready = false
		s.Started = ptr.To(false)
	})
	w.log.Info("container exited", "container", r.spec.Name, "exitCode", p.exitCode, "killedFor", reason)
	return p.exitCode, nil
}

// killGrace is the grace period for a probe-triggered kill.
func (r *containerRunner) killGrace(pod *corev1.Pod) time.Duration {
	for _, pr := range []*corev1.Probe{r.spec.LivenessProbe, r.spec.StartupProbe} {
		if pr != nil && pr.TerminationGracePeriodSeconds != nil {
			return time.Duration(*pr.TerminationGracePeriodSeconds) * time.Second
		}
	}
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return 30 * time.Second
}

// buildSpec resolves the container's environment, command and mounts.
func (r *containerRunner) buildSpec(ctx context.Context, pod *corev1.Pod) (*podInitSpec, error) {
	w := r.w
	k := w.k
	img, err := k.resolveImage(r.spec.Image)
	if err != nil {
		return nil, err
	}
	base := []envVar{
		{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		{"HOSTNAME", hostnameOf(pod)},
		{"HOME", "/root"},
	}
	if img != nil {
		// The image's environment comes before the container's, which
		// overrides it name by name (buildEnv keeps the first position).
		for _, e := range img.Config.Env {
			if n, v, ok := strings.Cut(e, "="); ok {
				base = append(base, envVar{n, v})
			}
		}
	}
	if k.cfg.APIServerHost != "" {
		port := strconv.Itoa(k.cfg.APIServerPort)
		base = append(base,
			envVar{"KUBERNETES_SERVICE_HOST", k.cfg.APIServerHost},
			envVar{"KUBERNETES_SERVICE_PORT", port},
			envVar{"KUBERNETES_SERVICE_PORT_HTTPS", port},
			envVar{"KUBERNETES_PORT", "tcp://" + k.cfg.APIServerHost + ":" + port},
		)
	}
	env, err := buildEnv(ctx, k.objects(), pod, &r.spec, base, k.capacity)
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	var envList []string
	for _, e := range env {
		vars[e.Name] = e.Value
		envList = append(envList, e.Name+"="+e.Value)
	}
	envList = append(envList, k.cfg.ProcessEnv...)
	lookup := func(n string) (string, bool) { v, ok := vars[n]; return v, ok }
	command, args := expandAll(r.spec.Command, lookup), expandAll(r.spec.Args, lookup)
	var argv []string
	if img != nil {
		argv = imageArgv(img.Config, &r.spec, command, args)
		if len(argv) == 0 {
			return nil, fmt.Errorf("%w: no command: the image has no entrypoint or cmd and the container sets none", ErrConfig)
		}
	} else if argv, err = resolveArgv(k.cfg.Images, &r.spec, command, args); err != nil {
		return nil, err
	}
	w.mu.Lock()
	vols := w.volumes
	w.mu.Unlock()
	mounts := []initMount{
		{Source: filepath.Join(w.dir, "hosts"), Target: "/etc/hosts"},
		{Source: filepath.Join(w.dir, "hostname"), Target: "/etc/hostname"},
	}
	for _, vm := range r.spec.VolumeMounts {
		src, ok := vols[vm.Name]
		if !ok {
			return nil, fmt.Errorf("%w: no volume %q", ErrConfig, vm.Name)
		}
		sub := vm.SubPath
		if vm.SubPathExpr != "" {
			sub = expand(vm.SubPathExpr, lookup)
		}
		if sub != "" {
			if strings.Contains("/"+sub+"/", "/../") || filepath.IsAbs(sub) {
				return nil, fmt.Errorf("%w: bad subPath %q", ErrConfig, sub)
			}
			src = filepath.Join(src, sub)
			if _, err := os.Lstat(src); err != nil {
				if err := os.MkdirAll(src, 0o755); err != nil {
					return nil, err
				}
			}
		}
		mounts = append(mounts, initMount{Source: src, Target: vm.MountPath, ReadOnly: vm.ReadOnly})
	}
	if err := os.MkdirAll(filepath.Join(w.dir, "run"), 0o755); err != nil {
		return nil, err
	}
	spec := &podInitSpec{
		RootFS:   filepath.Join(w.dir, "rootfs"),
		Hostname: hostnameOf(pod),
		Mounts:   mounts,
		Argv:     argv,
		Env:      envList,
		WorkDir:  r.spec.WorkingDir,
	}
	if img != nil {
		if err := r.imageSpec(spec, img, pod); err != nil {
			return nil, err
		}
	}
	return spec, nil
}

// imageSpec makes spec run from the image: an overlay with a fresh writable
// layer per container start (as a runtime gives each new container), the
// image's working directory and user unless the container or the pod's
// securityContext overrides them, and the securityContext's restrictions.
func (r *containerRunner) imageSpec(spec *podInitSpec, img *storeImage, pod *corev1.Pod) error {
	layer := filepath.Join(r.w.dir, "layers", r.spec.Name)
	if err := os.RemoveAll(layer); err != nil {
		return err
	}
	for _, d := range []string{"upper", "work"} {
		if err := os.MkdirAll(filepath.Join(layer, d), 0o755); err != nil {
			return err
		}
	}
	spec.Image = &initImage{Lower: img.RootFS, Upper: filepath.Join(layer, "upper"), Work: filepath.Join(layer, "work")}
	spec.ImageID = imageID(r.spec.Image, img.Digest)
	if spec.WorkDir == "" {
		spec.WorkDir = img.Config.WorkingDir
	}
	user, err := containerUser(img, pod, &r.spec)
	if err != nil {
		return err
	}
	spec.User = user
	if sc := r.spec.SecurityContext; sc != nil {
		spec.ReadOnlyRoot = sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem
		spec.NoNewPrivs = sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation
	}
	if user.UID != 0 {
		// A non-root process cannot gain privileges anyway; say so to the
		// kernel too, as runtimes do for every container.
		spec.NoNewPrivs = true
	}
	return nil
}

// imageID is what a container status reports: the repository at the
// digest that runs.
func imageID(ref, digest string) string {
	repo := ref
	if i := strings.LastIndex(repo, "@"); i >= 0 {
		repo = repo[:i]
	}
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return repo + "@" + digest
}

// imageArgv applies Kubernetes' rules to the image's entrypoint and cmd:
// command replaces the entrypoint and drops cmd; args replace cmd.
func imageArgv(cfg v1.Config, c *corev1.Container, command, args []string) []string {
	entry, cmd := cfg.Entrypoint, cfg.Cmd
	if len(c.Command) > 0 {
		entry, cmd = command, nil
	}
	if len(c.Args) > 0 {
		cmd = args
	}
	return append(slices.Clone(entry), cmd...)
}

// containerUser is the identity of a container: runAsUser/runAsGroup of
// the container's securityContext, else the pod's, else the image's user;
// supplementary groups fsGroup and supplementalGroups. runAsNonRoot with
// uid 0 refuses to start, as the kubelet does.
func containerUser(img *storeImage, pod *corev1.Pod, c *corev1.Container) (*initUser, error) {
	uid, gid, err := imageUser(img.Config.User, img.RootFS)
	if err != nil {
		return nil, fmt.Errorf("%w: image user: %w", ErrConfig, err)
	}
	var runAsUser, runAsGroup *int64
	var nonRoot *bool
	u := &initUser{}
	if psc := pod.Spec.SecurityContext; psc != nil {
		runAsUser, runAsGroup, nonRoot = psc.RunAsUser, psc.RunAsGroup, psc.RunAsNonRoot
		if psc.FSGroup != nil {
			u.Groups = append(u.Groups, uint32(*psc.FSGroup))
		}
		for _, g := range psc.SupplementalGroups {
			u.Groups = append(u.Groups, uint32(g))
		}
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			runAsUser = sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			runAsGroup = sc.RunAsGroup
		}
		if sc.RunAsNonRoot != nil {
			nonRoot = sc.RunAsNonRoot
		}
	}
	if runAsUser != nil {
		uid = uint32(*runAsUser)
	}
	if runAsGroup != nil {
		gid = uint32(*runAsGroup)
	}
	if nonRoot != nil && *nonRoot && uid == 0 {
		return nil, fmt.Errorf("%w: container has runAsNonRoot and image will run as root (pod: %q, container: %s)", ErrConfig, pod.Namespace+"/"+pod.Name, c.Name)
	}
	u.UID, u.GID = uid, gid
	return u, nil
}
