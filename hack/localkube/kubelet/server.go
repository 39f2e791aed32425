package kubelet

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// serve starts the kubelet API subset the API server proxies to: container
// logs (kubectl logs, with -f, --previous and --tail). Exec, attach and
// port-forward answer 501.
func (k *Kubelet) serve() (stop func(), err error) {
	ln, err := listenLocal()
	if err != nil {
		return nil, err
	}
	k.serverPort = int32(ln.Addr().(*net.TCPAddr).Port)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux.HandleFunc("GET /containerLogs/{ns}/{pod}/{container}", k.serveLogs)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not supported by the koss process kubelet", http.StatusNotImplemented)
	})
	srv := &http.Server{Handler: mux, TLSConfig: k.cfg.ServerTLS, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = srv.Close()
	}, nil
}

// logPaths returns the log files of a container, oldest first.
func (k *Kubelet) logPaths(ns, pod, container string) ([]string, *containerRunner, error) {
	k.mu.Lock()
	var w *podWorker
	for _, cand := range k.workers {
		if cand.ns == ns && cand.name == pod {
			w = cand
		}
	}
	k.mu.Unlock()
	if w == nil {
		return nil, nil, errors.New("pod not found on this node")
	}
	w.mu.Lock()
	var r *containerRunner
	for _, c := range append(append([]*containerRunner{}, w.inits...), w.ctrs...) {
		if c.spec.Name == container || (container == "" && len(w.ctrs) == 1) {
			r = c
		}
	}
	w.mu.Unlock()
	if r == nil {
		return nil, nil, fmt.Errorf("container %q not found", container)
	}
	entries, err := os.ReadDir(filepath.Join(w.logDir, r.spec.Name))
	if err != nil {
		return nil, r, err
	}
	type numbered struct {
		n    int
		path string
	}
	var files []numbered
	for _, e := range entries {
		if n, err := strconv.Atoi(strings.TrimSuffix(e.Name(), ".log")); err == nil {
			files = append(files, numbered{n, filepath.Join(w.logDir, r.spec.Name, e.Name())})
		}
	}
	for i := 1; i < len(files); i++ {
		for j := i; j > 0 && files[j].n < files[j-1].n; j-- {
			files[j], files[j-1] = files[j-1], files[j]
		}
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out, r, nil
}

func (k *Kubelet) serveLogs(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	paths, r, err := k.logPaths(req.PathValue("ns"), req.PathValue("pod"), req.PathValue("container"))
	if err != nil || len(paths) == 0 {
		http.Error(w, fmt.Sprintf("no logs: %v", err), http.StatusNotFound)
		return
	}
	path := paths[len(paths)-1]
	if q.Get("previous") == "true" {
		if len(paths) < 2 {
			http.Error(w, "previous terminated container not found", http.StatusBadRequest)
			return
		}
		path = paths[len(paths)-2]
	}
	b, err := os.ReadFile(path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if n, err := strconv.Atoi(q.Get("tailLines")); err == nil && n >= 0 {
		lines := strings.SplitAfter(string(b), "\n")
		if len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		if len(lines) > n {
			lines = lines[len(lines)-n:]
		}
		b = []byte(strings.Join(lines, ""))
	}
	if n, err := strconv.Atoi(q.Get("limitBytes")); err == nil && n >= 0 && len(b) > n {
		b = b[:n]
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write(b)
	if q.Get("follow") != "true" || q.Get("previous") == "true" {
		return
	}
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		return
	}
	flusher, _ := w.(http.Flusher)
	rd := bufio.NewReader(f)
	for {
		if flusher != nil {
			flusher.Flush()
		}
		n, _ := io.Copy(w, rd)
		if n > 0 {
			continue
		}
		r.mu.Lock()
		running := r.status.State.Running != nil
		r.mu.Unlock()
		if !running {
			_, _ = io.Copy(w, rd)
			return
		}
		select {
		case <-req.Context().Done():
			return
		case <-time.After(250 * time.Millisecond):
		}
	}
}
