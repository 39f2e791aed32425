package kubelet

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// probeClient is shared by all HTTP probes: no keep-alive (each probe is a
// fresh connection, as with the kubelet) and no certificate checks.
var probeClient = &http.Client{
	Transport: &http.Transport{
		DisableKeepAlives: true,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // probes never verify, like the kubelet's
	},
}

// startProbes runs the container's probes for the current instance: the
// startup probe first (liveness and readiness wait for it), then readiness
// (which sets Ready) and liveness (which asks for a kill on kill).
func (r *containerRunner) startProbes(ctx context.Context, wg *sync.WaitGroup, pod *corev1.Pod, kill chan<- string) {
	setReady := func(ok bool) {
		r.setStatus(func(s *corev1.ContainerStatus) { s.Ready = ok })
	}
	askKill := func(why string) {
		select {
		case kill <- why:
		default:
		}
	}
	afterStartup := func() {
		if r.spec.ReadinessProbe == nil {
			setReady(true)
		} else {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.probeLoop(ctx, pod, r.spec.ReadinessProbe, false, func(ok bool) bool {
					setReady(ok)
					return true
				})
			}()
		}
		if r.spec.LivenessProbe != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r.probeLoop(ctx, pod, r.spec.LivenessProbe, true, func(ok bool) bool {
					if !ok {
						r.w.event(corev1.EventTypeWarning, "Unhealthy", "Liveness probe failed for container "+r.spec.Name)
						askKill("failed liveness probe")
						return false
					}
					return true
				})
			}()
		}
	}
	if r.spec.StartupProbe == nil {
		afterStartup()
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.probeLoop(ctx, pod, r.spec.StartupProbe, false, func(ok bool) bool {
			if !ok {
				r.w.event(corev1.EventTypeWarning, "Unhealthy", "Startup probe failed for container "+r.spec.Name)
				askKill("failed startup probe")
				return false
			}
			r.setStatus(func(s *corev1.ContainerStatus) { s.Started = ptr.To(true) })
			afterStartup()
			return false
		})
	}()
}

// probeLoop runs a probe every period after the initial delay and calls
// onChange when the result flips (after successThreshold successes or
// failureThreshold failures in a row); it ends when onChange returns false
// or ctx ends. initial is the assumed result before the first probe.
func (r *containerRunner) probeLoop(ctx context.Context, pod *corev1.Pod, pr *corev1.Probe, initial bool, onChange func(bool) bool) {
	period := secondsOr(pr.PeriodSeconds, 10)
	successes, failures := int32(0), int32(0)
	needOK, needFail := max(pr.SuccessThreshold, 1), pr.FailureThreshold
	if needFail <= 0 {
		needFail = 3
	}
	state, known := initial, initial
	wait := time.Duration(pr.InitialDelaySeconds) * time.Second
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		wait = period
		ok, msg := r.probeOnce(ctx, pod, pr)
		if ctx.Err() != nil {
			return
		}
		if ok {
			successes, failures = successes+1, 0
		} else {
			successes, failures = 0, failures+1
			r.w.log.Debug("probe failed", "container", r.spec.Name, "msg", msg)
		}
		switch {
		case ok && successes >= needOK && (!known || !state):
			state, known = true, true
			if !onChange(true) {
				return
			}
		case !ok && failures >= needFail && (!known || state):
			state, known = false, true
			if !onChange(false) {
				return
			}
		}
	}
}

func secondsOr(s int32, def int) time.Duration {
	if s <= 0 {
		return time.Duration(def) * time.Second
	}
	return time.Duration(s) * time.Second
}

// probeOnce runs one probe attempt.
func (r *containerRunner) probeOnce(ctx context.Context, pod *corev1.Pod, pr *corev1.Probe) (bool, string) {
	ctx, cancel := context.WithTimeout(ctx, secondsOr(pr.TimeoutSeconds, 1))
	defer cancel()
	podIP := pod.Status.PodIP
	switch {
	case pr.HTTPGet != nil:
		g := pr.HTTPGet
		host := g.Host
		if host == "" {
			host = podIP
		}
		port, err := r.resolvePort(g.Port)
		if err != nil {
			return false, err.Error()
		}
		scheme := strings.ToLower(string(g.Scheme))
		if scheme == "" {
			scheme = "http"
		}
		path := g.Path
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+net.JoinHostPort(host, strconv.Itoa(port))+path, nil)
		if err != nil {
			return false, err.Error()
		}
		req.Header.Set("User-Agent", "kube-probe/koss")
		for _, h := range g.HTTPHeaders {
			if strings.EqualFold(h.Name, "Host") {
				req.Host = h.Value
			} else {
				req.Header.Add(h.Name, h.Value)
			}
		}
		resp, err := probeClient.Do(req)
		if err != nil {
			return false, err.Error()
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 10<<10))
		_ = resp.Body.Close()
		if resp.StatusCode >= 200 && resp.StatusCode < 400 {
			return true, ""
		}
		return false, "HTTP probe failed with statuscode: " + strconv.Itoa(resp.StatusCode)
	case pr.TCPSocket != nil:
		port, err := r.resolvePort(pr.TCPSocket.Port)
		if err != nil {
			return false, err.Error()
		}
		host := pr.TCPSocket.Host
		if host == "" {
			host = podIP
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return false, err.Error()
		}
		_ = c.Close()
		return true, ""
	case pr.Exec != nil:
		return r.execProbe(ctx, pr.Exec.Command)
	case pr.GRPC != nil:
		// Not implemented: treated as passing so such pods still run.
		return true, ""
	}
	return true, ""
}

// resolvePort turns a probe's port (a number or a container port name)
// into a number.
func (r *containerRunner) resolvePort(p intstr.IntOrString) (int, error) {
	if p.Type == intstr.Int {
		return p.IntValue(), nil
	}
	for _, cp := range r.spec.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(p.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("no container port named %q", p.StrVal)
}

// execProbe runs command in a namespace set up like the container's
// (same mounts, hostname and env) and reports whether it exited 0.
func (r *containerRunner) execProbe(ctx context.Context, command []string) (bool, string) {
	r.mu.Lock()
	base := r.initSpec
	r.mu.Unlock()
	if base == nil || len(command) == 0 {
		return false, "container not running"
	}
	spec := *base
	argv := append([]string{}, command...)
	if filepath.Base(argv[0]) == filepath.Base(base.Argv[0]) {
		argv[0] = base.Argv[0]
	} else if !filepath.IsAbs(argv[0]) {
		p, err := exec.LookPath(argv[0])
		if err != nil {
			return false, err.Error()
		}
		argv[0] = p
	}
	spec.Argv = argv
	var out strings.Builder
	w := &limitedWriter{w: &out, n: 10 << 10}
	p, err := startPodProcess(&spec, filepath.Join(r.w.dir, "run", r.spec.Name+"-probe.json"), w, w, nil)
	if err != nil {
		return false, err.Error()
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		p.stop(0)
		return false, "probe timed out"
	}
	p.signalGroup(9)
	return p.exitCode == 0, out.String()
}

type limitedWriter struct {
	mu sync.Mutex
	w  io.Writer
	n  int
}

func (l *limitedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n > 0 {
		k := min(len(b), l.n)
		_, _ = l.w.Write(b[:k])
		l.n -= k
	}
	return len(b), nil
}
