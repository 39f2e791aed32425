package localcluster

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Leaks lists what a stopped cluster with state directory dir left behind:
// processes (other than the caller) whose command line, working directory
// or environment mention dir (every process the harness starts carries
// MarkerEnv=dir), and mounts under dir in the caller's mount namespace.
// An empty result means nothing leaked.
func Leaks(dir string) ([]string, error) {
	var out []string
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	self := os.Getpid()
	needle := []byte(dir)
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		base := filepath.Join("/proc", e.Name())
		cmdline, _ := os.ReadFile(filepath.Join(base, "cmdline"))
		if len(cmdline) == 0 {
			continue // kernel thread or already gone
		}
		environ, _ := os.ReadFile(filepath.Join(base, "environ"))
		cwd, _ := os.Readlink(filepath.Join(base, "cwd"))
		if bytes.Contains(cmdline, needle) || bytes.Contains(environ, needle) || strings.HasPrefix(cwd, dir) {
			out = append(out, fmt.Sprintf("process %d: %s", pid, bytes.ReplaceAll(bytes.TrimRight(cmdline, "\x00"), []byte{0}, []byte{' '})))
		}
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(mounts), "\n") {
		if strings.Contains(line, dir) {
			out = append(out, "mount: "+line)
		}
	}
	return out, nil
}
