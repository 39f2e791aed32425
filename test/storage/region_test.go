package storage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/koss-io/koss/test/kossdproc"
)

// sharedNode is the endpoint the shared tests use.
type sharedNode interface {
	Endpoint() string
	Stop()
}

// devRegion is a `kossd dev --nodes N` process: N kossd servers on
// 127.0.0.2... behind one endpoint.
type devRegion struct {
	cmd      *exec.Cmd
	done     chan struct{}
	endpoint string
}

// startDevRegion starts a Region of n nodes with the test root key and
// waits until it has printed its endpoint (which it does once every node
// is ready). Its output goes to dir/region-dev.log.
func startDevRegion(bin, dir string, n int) (*devRegion, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	listen := l.Addr().String()
	l.Close()
	out := filepath.Join(dir, "region-dev.out")
	logf, err := os.Create(filepath.Join(dir, "region-dev.log"))
	if err != nil {
		return nil, err
	}
	stdout, err := os.Create(out)
	if err != nil {
		logf.Close()
		return nil, err
	}
	cmd := exec.Command(bin, "dev", "--nodes", strconv.Itoa(n), "--data", filepath.Join(dir, "region"),
		"--listen", listen, "--region", kossdproc.Region, "--log-format", "json")
	cmd.Env = append(os.Environ(),
		"KOSS_ROOT_ACCESS_KEY_ID="+kossdproc.RootAccessKeyID,
		"KOSS_ROOT_ACCESS_KEY_SECRET="+kossdproc.RootAccessKeySecret)
	cmd.Stdout, cmd.Stderr = stdout, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		stdout.Close()
		return nil, err
	}
	r := &devRegion{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logf.Close()
		stdout.Close()
		close(r.done)
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for r.endpoint == "" {
		b, _ := os.ReadFile(out)
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "Endpoint" {
				r.endpoint = f[1]
			}
		}
		select {
		case <-r.done:
			return nil, errors.New("kossd dev exited before printing its endpoint; see region-dev.log")
		default:
		}
		if r.endpoint == "" && time.Now().After(deadline) {
			r.Stop()
			return nil, fmt.Errorf("kossd dev printed no endpoint within 2 minutes; see %s", filepath.Join(dir, "region-dev.log"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return r, nil
}

// Endpoint is the Region's OSS endpoint.
func (r *devRegion) Endpoint() string { return r.endpoint }

// Stop stops the Region (SIGTERM, then SIGKILL after a minute).
func (r *devRegion) Stop() {
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(time.Minute):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}
