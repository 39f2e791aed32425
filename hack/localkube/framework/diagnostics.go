package framework

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Dump writes what explains a failure to w: the koss objects, pods and
// events of every namespace, and the tail (tailLines) of every container
// log of the given namespaces (the operator's koss-system always). It
// reads logs from the kubelet's log directory, so it works even when the
// API server does not.
func (e *Env) Dump(w io.Writer, tailLines int, namespaces ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, args := range [][]string{
		{"get", "regions,buckets,accesskeys,statefulsets,pods,pvc,services", "-A", "-o", "wide"},
		{"get", "regions,buckets,accesskeys", "-A", "-o", "yaml"},
		{"get", "events", "-A", "--sort-by=.lastTimestamp"},
	} {
		fmt.Fprintf(w, "\n===== kubectl %s\n", strings.Join(args, " "))
		out, err := e.Kubectl(ctx, args...)
		fmt.Fprint(w, out)
		if err != nil {
			fmt.Fprintln(w, err)
		}
	}
	seen := map[string]bool{}
	for _, ns := range append([]string{ReleaseNamespace}, namespaces...) {
		if seen[ns] {
			continue
		}
		seen[ns] = true
		logs, _ := filepath.Glob(filepath.Join(e.Cluster.PodLogDir(), ns+"_*", "*", "*.log"))
		for _, path := range logs {
			rel, _ := filepath.Rel(e.Cluster.PodLogDir(), path)
			fmt.Fprintf(w, "\n===== container log %s (last %d lines)\n", rel, tailLines)
			if err := tail(w, path, tailLines); err != nil {
				fmt.Fprintln(w, err)
			}
		}
	}
	fmt.Fprintf(w, "\n===== control plane logs: %s\n", e.Cluster.LogDir())
}

// tail copies the last n lines of the file at path to w.
func tail(w io.Writer, path string, n int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	ring := make([]string, 0, n)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if len(ring) == n {
			ring = ring[1:]
		}
		ring = append(ring, sc.Text())
	}
	for _, l := range ring {
		fmt.Fprintln(w, l)
	}
	return sc.Err()
}
