package kossdproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Root credentials every process started here uses.
const (
	RootAccessKeyID     = "KOSSROOTTESTKEY0000001"
	RootAccessKeySecret = "kossRootTestSecret0000000000000000000001"
	Region              = "local"
)

// Binary returns the path of a kossd binary: $KOSSD_BIN when set, otherwise
// one built from this checkout into dir (once per dir).
func Binary(dir string) (string, error) {
	if p := os.Getenv("KOSSD_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("KOSSD_BIN=%s: %w", p, err)
		}
		return p, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "kossd")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/kossd")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/kossd: %w\n%s", err, b)
	}
	return out, nil
}

func repoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("kossdproc: cannot locate the repository")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..")), nil
}

// Options configure a process.
type Options struct {
	Binary  string   // kossd binary (see Binary)
	DataDir string   // data directory; kept across restarts
	LogPath string   // where stdout and stderr go; default DataDir/../kossd-<port>.log
	Args    []string // extra flags for `kossd server`
	Env     []string // extra environment
	// Addr and PeerAddr fix the OSS API and peer addresses (host:port);
	// empty picks free loopback ports. Both stay the same across restarts,
	// as a Region's peers expect.
	Addr     string
	PeerAddr string
	// Quiet leaves out --access-log, which tests pass so that the log has
	// a line per request to inspect; benchmarks measure the default.
	Quiet bool
}

// Process is one running (or stopped) kossd node.
type Process struct {
	opts Options
	addr string // host:port of the OSS API
	peer string // host:port of the peer (raft + replication) listener

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

// Start starts kossd and waits until /-/readyz answers 200.
func Start(ctx context.Context, opts Options) (*Process, error) {
	p, err := newProcess(opts)
	if err != nil {
		return nil, err
	}
	if err := p.Restart(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

func newProcess(opts Options) (*Process, error) {
	var err error
	if opts.Addr == "" {
		if opts.Addr, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	if opts.PeerAddr == "" {
		if opts.PeerAddr, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	p := &Process{opts: opts, addr: opts.Addr, peer: opts.PeerAddr}
	if p.opts.LogPath == "" {
		p.opts.LogPath = filepath.Join(filepath.Dir(filepath.Clean(opts.DataDir)), "kossd-"+strings.ReplaceAll(p.addr, ":", "_")+".log")
	}
	return p, nil
}

// StartRegion starts n kossd processes that form one Region (raft over
// their peer ports, --initial-cluster naming all of them) and waits until
// every node is ready. opts.DataDir is the parent of the nodes' data
// directories; Addr, PeerAddr and LogPath are chosen per node.
func StartRegion(ctx context.Context, n int, opts Options) ([]*Process, error) {
	nodes := make([]*Process, n)
	var cluster []string
	for i := range nodes {
		o := opts
		o.Addr, o.PeerAddr, o.LogPath = "", "", ""
		o.DataDir = filepath.Join(opts.DataDir, fmt.Sprintf("node-%d", i))
		p, err := newProcess(o)
		if err != nil {
			return nil, err
		}
		p.opts.LogPath = filepath.Join(opts.DataDir, fmt.Sprintf("node-%d.log", i))
		nodes[i] = p
		cluster = append(cluster, fmt.Sprintf("node-%d=%s", i, p.peer))
	}
	if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
		return nil, err
	}
	for i, p := range nodes {
		p.opts.Args = append([]string{"--node-id", fmt.Sprintf("node-%d", i), "--initial-cluster", strings.Join(cluster, ",")}, opts.Args...)
		p.mu.Lock()
		err := p.launchLocked()
		p.mu.Unlock()
		if err != nil {
			stopAll(nodes)
			return nil, err
		}
	}
	for _, p := range nodes {
		if err := p.waitReady(ctx, p.done); err != nil {
			stopAll(nodes)
			return nil, fmt.Errorf("%w\n--- %s tail ---\n%s", err, p.opts.LogPath, tail(p.opts.LogPath, 40))
		}
	}
	return nodes, nil
}

func stopAll(nodes []*Process) {
	for _, p := range nodes {
		if p != nil {
			p.Kill()
		}
	}
}

// Endpoint is the base URL of the OSS API, e.g. http://127.0.0.1:39211.
func (p *Process) Endpoint() string { return "http://" + p.addr }

// Addr is host:port of the OSS API.
func (p *Process) Addr() string { return p.addr }

// Pid is the process id of the running kossd, 0 when it is not running.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil || p.cmd.Process == nil || p.done == nil {
		return 0
	}
	select {
	case <-p.done:
		return 0
	default:
		return p.cmd.Process.Pid
	}
}

// LogPath is the file that receives the process's output.
func (p *Process) LogPath() string { return p.opts.LogPath }

// Restart starts the process again on the same address and data directory
// (it must not be running) and waits until it is ready.
func (p *Process) Restart(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return errors.New("kossdproc: process is still running")
	}
	if err := p.launchLocked(); err != nil {
		return err
	}
	if err := p.waitReady(ctx, p.done); err != nil {
		p.killLocked()
		return fmt.Errorf("%w\n--- kossd log tail ---\n%s", err, tail(p.opts.LogPath, 40))
	}
	return nil
}

// launchLocked starts the process without waiting for it to be ready.
func (p *Process) launchLocked() error {
	lf, err := os.OpenFile(p.opts.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := []string{"server", "--data", p.opts.DataDir, "--listen", p.addr, "--peer-listen", p.peer, "--region", Region}
	if !p.opts.Quiet {
		args = append(args, "--access-log")
	}
	args = append(args, p.opts.Args...)
	cmd := exec.Command(p.opts.Binary, args...)
	cmd.Env = append(os.Environ(),
		"KOSS_ROOT_ACCESS_KEY_ID="+RootAccessKeyID,
		"KOSS_ROOT_ACCESS_KEY_SECRET="+RootAccessKeySecret)
	cmd.Env = append(cmd.Env, p.opts.Env...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		_ = lf.Close() // nothing was written; the start error is the one to report
		return fmt.Errorf("start kossd: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	p.cmd, p.done, p.log = cmd, done, lf
	return nil
}

func (p *Process) waitReady(ctx context.Context, done <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.Endpoint()+"/-/readyz", nil)
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close() // drained; only the status matters
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-done:
			return errors.New("kossd exited before it became ready")
		case <-ctx.Done():
			return fmt.Errorf("kossd not ready at %s: %w", p.addr, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Kill sends SIGKILL and waits for the process to be gone: the crash the
// durability tests simulate.
func (p *Process) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.killLocked()
}

func (p *Process) killLocked() {
	if p.cmd == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	// The child wrote the log through its own descriptor, unbuffered; ours
	// has nothing pending, so a Close error loses nothing.
	_ = p.log.Close()
	p.cmd, p.done, p.log = nil, nil, nil
}

// Stop asks the process to shut down (SIGTERM) and kills it if it has not
// exited after 10 seconds.
func (p *Process) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		_ = p.log.Close() // as in killLocked: nothing of ours is pending
		p.cmd, p.done, p.log = nil, nil, nil
	case <-time.After(10 * time.Second):
		p.killLocked()
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }() // only reserved the port to learn it
	return l.Addr().String(), nil
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// Tail returns the last n lines of the process's log, for failure messages.
func (p *Process) Tail(n int) string { return tail(p.opts.LogPath, n) }

// AddArgs appends flags for the next Restart (the process must be
// stopped); a flag given again overrides the earlier one, as kossd's flag
// parsing keeps the last. Crash tests use it to change a setting that is
// only safe once their load has stopped.
func (p *Process) AddArgs(args ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.opts.Args = append(p.opts.Args, args...)
}

// DataDir is the node's data directory.
func (p *Process) DataDir() string { return p.opts.DataDir }
