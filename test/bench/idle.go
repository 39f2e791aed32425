package main

// Idle CPU: what a Region costs when nobody uses it (issue 16: at most 1%
// of a core per node). Raft's empty appends, heartbeats and every node's
// background loops run whether or not there is traffic; on a shared
// machine a Region that burns a few percent per pod while idle is a
// Region nobody wants to leave running.

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/koss-io/koss/test/kossdproc"
)

// idleGoal is the most CPU, as a share of one core, an idle node may use.
const idleGoal = 0.01

// idleCPU is one node's CPU over an idle window, as a share of one core.
type idleCPU struct {
	node  int
	share float64
}

// measureIdle waits settle (startup work: elections, the first background
// passes), then returns each process's CPU share over d.
func measureIdle(pids []int, settle, d time.Duration) []idleCPU {
	time.Sleep(settle)
	before := make([]time.Duration, len(pids))
	for i, pid := range pids {
		before[i] = processCPU([]int{pid})
	}
	start := time.Now()
	time.Sleep(d)
	elapsed := time.Since(start)
	out := make([]idleCPU, len(pids))
	for i, pid := range pids {
		used := processCPU([]int{pid}) - before[i]
		out[i] = idleCPU{node: i, share: used.Seconds() / elapsed.Seconds()}
	}
	return out
}

// printIdle prints each node's idle CPU against the goal.
func printIdle(w io.Writer, target string, idle []idleCPU, d time.Duration) {
	if len(idle) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "idle (%s, %s)\tCPU\tgoal\t\n", target, d)
	for _, n := range idle {
		verdict := "met"
		if n.share > idleGoal {
			verdict = "MISSED"
		}
		fmt.Fprintf(tw, "node-%d\t%.2f%% of a core\t<= %.0f%%: %s\t\n", n.node, 100*n.share, 100*idleGoal, verdict)
	}
	_ = tw.Flush()
}

// idleSettle is how long a new Region runs before its idle CPU is measured.
const idleSettle = 5 * time.Second

// measureRegionIdle starts a Region of n nodes, prints its idle CPU, and
// stops it (make bench-idle).
func measureRegionIdle(kossd, work string, n int, d time.Duration) {
	region, err := kossdproc.StartRegion(context.Background(), n, kossdproc.Options{Binary: kossd, DataDir: filepath.Join(work, "region"), Quiet: true})
	if err != nil {
		fail(err)
	}
	var pids []int
	for _, p := range region {
		defer p.Stop()
		pids = append(pids, p.Pid())
	}
	target := fmt.Sprintf("kossd %d nodes", n)
	fmt.Fprintf(os.Stderr, ">> %s idle for %s\n", target, d)
	printIdle(os.Stdout, target, measureIdle(pids, idleSettle, d), d)
}
