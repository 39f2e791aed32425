package localcluster

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/koss-io/koss/hack/localkube/kubelet"
)

// ErrComponentExited means a control-plane process ended on its own.
var ErrComponentExited = errors.New("component exited")

// component is one control-plane process (etcd, kube-apiserver, ...), run in
// its own process group with its output in a log file.
type component struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
	err     error
}

// startComponent starts bin with args; env is added to the harness's.
func startComponent(name, bin string, args []string, dir, logPath string, env []string) (*component, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer func() { _ = logf.Close() }()
	_, _ = fmt.Fprintf(logf, "=== %s %s %s\n", time.Now().Format(time.RFC3339), bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group: Stop signals the group, so nothing the component
	// spawned survives it. SIGKILL on parent death: a harness that crashes
	// or is killed by `go test -timeout` leaves no control plane behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := kubelet.StartProcess(cmd); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &component{name: name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// exited reports whether the process is gone, with why.
func (c *component) exited() (bool, error) {
	select {
	case <-c.done:
		status := "exit status 0"
		if c.err != nil {
			status = c.err.Error()
		}
		return true, fmt.Errorf("%w: %s (%s); last log lines of %s:\n%s", ErrComponentExited, c.name, status, c.logPath, tail(c.logPath, 40))
	default:
		return false, nil
	}
}

// stop sends SIGTERM to the group, SIGKILL after grace, and waits.
func (c *component) stop(grace time.Duration) {
	pgid := c.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-c.done
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
