package kubelet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// podInitEnv tells a re-executed kubelet binary to act as a container's
// init: its value is the path of a podInitSpec file.
const podInitEnv = "KOSS_KUBELET_POD_INIT"

// ErrStartContainer means a container process could not be started (its
// mounts or its binary), as opposed to a process that started and failed.
var ErrStartContainer = errors.New("start container")

// init turns any binary that links this package (the localcluster command,
// a go test binary) into a container init when re-executed with podInitEnv,
// before main or TestMain run. It never returns in that case.
func init() {
	path, ok := os.LookupEnv(podInitEnv)
	if !ok {
		return
	}
	err := runPodInit(path)
	// Only reached on failure: the report pipe carries the reason to the
	// kubelet; stderr (the container log) gets it too for people.
	msg := err.Error()
	if f := os.NewFile(3, "report"); f != nil {
		_, _ = f.Write([]byte(msg))
	}
	fmt.Fprintf(os.Stderr, "koss kubelet: container init: %s\n", msg)
	os.Exit(128)
}

// podInitSpec is what a container init does, written by the kubelet.
type podInitSpec struct {
	// RootFS is an empty directory on the host; inside the new mount
	// namespace a tmpfs there becomes the container's root, mirroring the
	// host's top-level entries, so mount points can be created anywhere
	// without touching the host's file system.
	RootFS   string      `json:"rootfs"`
	Hostname string      `json:"hostname,omitempty"`
	Mounts   []initMount `json:"mounts,omitempty"`
	Argv     []string    `json:"argv"`
	Env      []string    `json:"env"`
	WorkDir  string      `json:"workDir,omitempty"`
	// Image, when set, makes the root an overlay on an unpacked image
	// (its files, nothing of the host's) instead of a mirror of the host.
	Image *initImage `json:"image,omitempty"`
	// User, when set, is who the command runs as (set after every mount,
	// just before exec); unset keeps the kubelet's user.
	User *initUser `json:"user,omitempty"`
	// ReadOnlyRoot remounts the root read-only once the volumes are in
	// place (securityContext.readOnlyRootFilesystem); volumes keep their
	// own mode.
	ReadOnlyRoot bool `json:"readOnlyRoot,omitempty"`
	// NoNewPrivs sets no_new_privs (allowPrivilegeEscalation: false):
	// neither set-id files nor file capabilities can raise privileges.
	NoNewPrivs bool `json:"noNewPrivs,omitempty"`
	// ImageID is reported in the container status; not used by the init.
	ImageID string `json:"-"`
}

// initImage is the overlay of an image-based root: Lower is the unpacked
// image (shared, never written), Upper and Work are this container's own.
type initImage struct {
	Lower string `json:"lower"`
	Upper string `json:"upper"`
	Work  string `json:"work"`
}

// initUser is a process identity.
type initUser struct {
	UID    uint32   `json:"uid"`
	GID    uint32   `json:"gid"`
	Groups []uint32 `json:"groups,omitempty"`
}

type initMount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// runPodInit runs in a fresh mount and UTS namespace: it makes every mount
// private (so nothing propagates back to the host), builds the root,
// bind-mounts the volumes and the hosts file, changes root, and execs the
// container's command.
func runPodInit(specPath string) error {
	syscall.CloseOnExec(3)
	b, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	var spec podInitSpec
	if err := json.Unmarshal(b, &spec); err != nil {
		return fmt.Errorf("spec %s: %w", specPath, err)
	}
	if len(spec.Argv) == 0 {
		return errors.New("empty command")
	}
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	if spec.Hostname != "" {
		if err := syscall.Sethostname([]byte(spec.Hostname)); err != nil {
			return fmt.Errorf("sethostname: %w", err)
		}
	}
	r := &rootBuilder{root: spec.RootFS, owned: map[string]bool{}}
	build := r.build
	if spec.Image != nil {
		build = func() error { return r.buildFromImage(spec.Image) }
	}
	if err := build(); err != nil {
		return err
	}
	mounts := slices.Clone(spec.Mounts)
	// Parents before children: a volume at /data/sub must land on /data's
	// volume, not under it.
	slices.SortStableFunc(mounts, func(a, b initMount) int {
		return strings.Count(filepath.Clean(a.Target), "/") - strings.Count(filepath.Clean(b.Target), "/")
	})
	for _, m := range mounts {
		if err := r.bind(m); err != nil {
			return err
		}
	}
	wd := spec.WorkDir
	if wd == "" {
		wd = "/"
	}
	if _, err := r.resolve(wd, true, true); err != nil {
		return fmt.Errorf("working dir %s: %w", wd, err)
	}
	if spec.ReadOnlyRoot {
		if err := syscall.Mount("", r.root, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("make the root read-only: %w", err)
		}
	}
	if err := syscall.Chroot(r.root); err != nil {
		return fmt.Errorf("chroot: %w", err)
	}
	if err := syscall.Chdir(wd); err != nil {
		return fmt.Errorf("chdir %s: %w", wd, err)
	}
	argv0, err := lookPathIn(spec.Argv[0], spec.Env)
	if err != nil {
		return err
	}
	if spec.NoNewPrivs {
		if _, _, errno := syscall.RawSyscall6(syscall.SYS_PRCTL, prSetNoNewPrivs, 1, 0, 0, 0, 0); errno != 0 {
			return fmt.Errorf("no_new_privs: %w", errno)
		}
	}
	if u := spec.User; u != nil {
		// Groups first: once the uid is not 0 they can no longer change.
		groups := make([]int, 0, len(u.Groups))
		for _, g := range u.Groups {
			groups = append(groups, int(g))
		}
		if err := syscall.Setgroups(groups); err != nil {
			return fmt.Errorf("setgroups: %w", err)
		}
		if err := syscall.Setgid(int(u.GID)); err != nil {
			return fmt.Errorf("setgid %d: %w", u.GID, err)
		}
		// A non-zero uid loses every capability here (no keep-caps).
		if err := syscall.Setuid(int(u.UID)); err != nil {
			return fmt.Errorf("setuid %d: %w", u.UID, err)
		}
	}
	if err := syscall.Exec(argv0, spec.Argv, spec.Env); err != nil {
		return fmt.Errorf("exec %s: %w", spec.Argv[0], err)
	}
	return nil
}

// prSetNoNewPrivs is PR_SET_NO_NEW_PRIVS of prctl(2).
const prSetNoNewPrivs = 38

// lookPathIn finds a command without a slash on the PATH of env, inside
// the (already entered) container root, as a runtime does.
func lookPathIn(cmd string, env []string) (string, error) {
	if strings.Contains(cmd, "/") {
		return cmd, nil
	}
	path := ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, cmd)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec %q: not found in $PATH of the image (%s)", cmd, path)
}

// rootBuilder assembles a container's root inside its mount namespace.
type rootBuilder struct {
	root  string
	owned map[string]bool // host paths of directories on our own tmpfs
	stage int
	// writable: the root is an overlay whose writes go to the container's
	// own layer, so mount points are made in place, never shadowed.
	writable bool
}

// buildFromImage makes the root an overlay on the unpacked image, with a
// fresh proc and a minimal /dev (the devices every runtime gives a
// container, bound from the host's), as in a real container; the host's
// file system is not visible at all.
func (r *rootBuilder) buildFromImage(im *initImage) error {
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", im.Lower, im.Upper, im.Work)
	if err := syscall.Mount("overlay", r.root, "overlay", 0, opts); err != nil {
		return fmt.Errorf("mount the image's overlay at %s: %w", r.root, err)
	}
	r.writable = true
	proc, err := r.resolve("/proc", true, true)
	if err != nil {
		return err
	}
	if err := syscall.Mount("proc", proc, "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount proc: %w", err)
	}
	dev, err := r.resolve("/dev", true, true)
	if err != nil {
		return err
	}
	if err := syscall.Mount("tmpfs", dev, "tmpfs", syscall.MS_NOSUID, "mode=755"); err != nil {
		return fmt.Errorf("mount /dev: %w", err)
	}
	for _, name := range []string{"null", "zero", "full", "random", "urandom", "tty"} {
		if err := mirror(filepath.Join("/dev", name), filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	for name, target := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"} {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	shm := filepath.Join(dev, "shm")
	if err := os.Mkdir(shm, 0o1777); err != nil {
		return err
	}
	if err := syscall.Mount("shm", shm, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, "mode=1777"); err != nil {
		return fmt.Errorf("mount /dev/shm: %w", err)
	}
	return nil
}

func (r *rootBuilder) build() error {
	if err := syscall.Mount("tmpfs", r.root, "tmpfs", 0, "mode=755"); err != nil {
		return fmt.Errorf("mount root tmpfs at %s: %w", r.root, err)
	}
	r.owned[r.root] = true
	entries, err := os.ReadDir("/")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == "proc" {
			// The container has its own PID namespace: a fresh proc shows
			// its processes only, with the numbers they see themselves.
			if err := os.Mkdir(filepath.Join(r.root, "proc"), 0o555); err != nil {
				return err
			}
			if err := syscall.Mount("proc", filepath.Join(r.root, "proc"), "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
				return fmt.Errorf("mount proc: %w", err)
			}
			continue
		}
		if err := mirror(filepath.Join("/", e.Name()), filepath.Join(r.root, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// mirror makes dst, a new name in a directory of ours, show src: a copy of
// a symlink, a recursive bind mount of anything else.
func mirror(src, dst string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		t, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(t, dst)
	case fi.IsDir():
		if err := os.Mkdir(dst, fi.Mode().Perm()); err != nil {
			return err
		}
	default:
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		_ = f.Close()
	}
	if err := syscall.Mount(src, dst, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s: %w", src, err)
	}
	return nil
}

// bind mounts a volume (or file) at its path inside the root.
func (r *rootBuilder) bind(m initMount) error {
	fi, err := os.Stat(m.Source)
	if err != nil {
		return fmt.Errorf("volume source: %w", err)
	}
	target, err := r.resolve(m.Target, true, fi.IsDir())
	if err != nil {
		return fmt.Errorf("mount point %s: %w", m.Target, err)
	}
	if err := syscall.Mount(m.Source, target, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("bind %s at %s: %w", m.Source, m.Target, err)
	}
	if m.ReadOnly {
		if err := syscall.Mount("", target, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			return fmt.Errorf("make %s read-only: %w", m.Target, err)
		}
	}
	return nil
}

// resolve maps a path inside the container to the host path under the root
// that stands for it, following symlinks as the container will (absolute
// ones from the container's root). With create, missing components are
// created; a missing name inside a directory that mirrors the host first
// gets that directory shadowed by a tmpfs, so the host never changes.
func (r *rootBuilder) resolve(p string, create, dir bool) (string, error) {
	parts := splitPath(p)
	cur := r.root
	for hops := 0; len(parts) > 0; {
		name := parts[0]
		parts = parts[1:]
		if name == ".." {
			if cur != r.root {
				cur = filepath.Dir(cur)
			}
			continue
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		switch {
		case err == nil && fi.Mode()&fs.ModeSymlink != 0:
			if hops++; hops > 40 {
				return "", syscall.ELOOP
			}
			t, err := os.Readlink(next)
			if err != nil {
				return "", err
			}
			if filepath.IsAbs(t) {
				cur = r.root
			}
			parts = append(splitPath(t), parts...)
		case err == nil:
			if len(parts) > 0 && !fi.IsDir() {
				return "", syscall.ENOTDIR
			}
			cur = next
		case errors.Is(err, fs.ErrNotExist) && create:
			if !r.owned[cur] && !r.writable {
				if err := r.shadow(cur); err != nil {
					return "", err
				}
			}
			if len(parts) > 0 || dir {
				if err := os.Mkdir(next, 0o755); err != nil {
					return "", err
				}
				r.owned[next] = true
			} else {
				f, err := os.OpenFile(next, os.O_CREATE|os.O_WRONLY, 0o644)
				if err != nil {
					return "", err
				}
				_ = f.Close()
			}
			cur = next
		default:
			return "", err
		}
	}
	return cur, nil
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" && s != "." {
			out = append(out, s)
		}
	}
	return out
}

// shadow replaces a mirrored directory by a tmpfs that mirrors each of its
// entries, making it writable for new mount points.
func (r *rootBuilder) shadow(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	r.stage++
	stage := filepath.Join(r.root, fmt.Sprintf(".koss-stage-%d", r.stage))
	if err := os.Mkdir(stage, 0o700); err != nil {
		return err
	}
	if err := syscall.Mount(dir, stage, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("shadow %s: %w", dir, err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("mode=%o", fi.Mode().Perm())); err != nil {
		return fmt.Errorf("shadow %s: %w", dir, err)
	}
	entries, err := os.ReadDir(stage)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := mirror(filepath.Join(stage, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	if err := syscall.Unmount(stage, syscall.MNT_DETACH); err != nil {
		return err
	}
	r.owned[dir] = true
	return os.Remove(stage)
}

// podProcess is one running container (or exec probe) process.
type podProcess struct {
	cmd      *exec.Cmd
	started  time.Time
	done     chan struct{}
	finished time.Time
	exitCode int32
	signal   syscall.Signal
}

// startPodProcess writes spec next to the pod and starts the init in new
// mount, UTS and PID namespaces, in its own process group, with SIGKILL as
// parent-death signal (so a crashed kubelet leaves nothing behind). It returns once the container's
// command is running, or with the reason it could not be.
func startPodProcess(spec *podInitSpec, specPath string, stdout, stderr io.Writer, extraEnv []string) (*podProcess, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(specPath, b, 0o600); err != nil {
		return nil, err
	}
	rd, wr, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rd.Close() }()
	cmd := exec.Command(self)
	cmd.Args = []string{"koss-container-init"}
	cmd.Env = append([]string{podInitEnv + "=" + specPath}, extraEnv...)
	cmd.Dir = filepath.Dir(specPath)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.ExtraFiles = []*os.File{wr}
	// Probes capture output through pipes; a daemon that inherited them must
	// not keep Wait from returning.
	cmd.WaitDelay = 2 * time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// A PID namespace makes the container's process PID 1: when it
		// ends (or is killed because the kubelet's process died), the
		// kernel kills every process left in the container, as with a
		// real runtime. Like there, PID 1 only gets the signals it
		// handles, so a command that ignores SIGTERM is SIGKILLed after
		// the grace period.
		Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS | syscall.CLONE_NEWPID,
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
	}
	if err := StartProcess(cmd); err != nil {
		_ = wr.Close()
		return nil, fmt.Errorf("%w: %w", ErrStartContainer, err)
	}
	_ = wr.Close()
	p := &podProcess{cmd: cmd, started: time.Now(), done: make(chan struct{})}
	go p.wait()
	// The init closes its end by exec (close-on-exec) or writes why it failed.
	msg, _ := io.ReadAll(rd)
	// The spec may hold secrets from the environment; it is not needed once
	// the init has read it.
	_ = os.Remove(specPath)
	if len(msg) > 0 {
		<-p.done
		return nil, fmt.Errorf("%w: %s", ErrStartContainer, msg)
	}
	return p, nil
}

func (p *podProcess) wait() {
	err := p.cmd.Wait()
	p.finished = time.Now()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			p.signal = ws.Signal()
			p.exitCode = 128 + int32(ws.Signal())
		} else {
			p.exitCode = int32(ee.ExitCode())
		}
	} else if err != nil {
		p.exitCode = 128
	}
	close(p.done)
}

// signalGroup sends sig to the process group of the container.
func (p *podProcess) signalGroup(sig syscall.Signal) {
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
}

// stop sends SIGTERM, then SIGKILL after grace, and waits for the exit.
func (p *podProcess) stop(grace time.Duration) {
	select {
	case <-p.done:
		p.signalGroup(syscall.SIGKILL) // stray children of an exited leader
		return
	default:
	}
	p.signalGroup(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
	}
	p.signalGroup(syscall.SIGKILL)
	<-p.done
}

// spawnRequests carries exec.Cmd starts to the one goroutine that performs
// them; see StartProcess.
var spawnRequests = make(chan spawnRequest)

type spawnRequest struct {
	cmd  *exec.Cmd
	done chan error
}

func init() {
	go func() {
		// Pdeathsig fires when the thread that forked the child exits, not
		// the process; this goroutine keeps its thread for the whole life of
		// the process, so the signal means exactly "the harness died".
		runtime.LockOSThread()
		for r := range spawnRequests {
			r.done <- r.cmd.Start()
		}
	}()
}

// StartProcess starts cmd from a thread that lives as long as the process,
// so a SysProcAttr.Pdeathsig set on cmd reliably kills the child when the
// process dies and never earlier.
func StartProcess(cmd *exec.Cmd) error {
	r := spawnRequest{cmd: cmd, done: make(chan error, 1)}
	spawnRequests <- r
	return <-r.done
}
