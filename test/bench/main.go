package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/koss-io/koss/test/kossdproc"
	"github.com/koss-io/koss/test/osssign"
)

type result struct {
	target  string
	nodes   int // replicas each write lands on: 1 for the raw disk and a single node
	op      string
	size    int
	clients int
	ops     int64
	elapsed time.Duration
	errors  int64
	// rawMiBps, when set, is the raw disk's MiB/s this result is compared
	// with instead of the raw row of its own size and clients: a multipart
	// upload's bracketing baseline (multipart.go).
	rawMiBps float64
	// rounds lists every round's share of raw when the row is the median
	// of several (multipart.go).
	rounds string
	// serverCPU is the CPU the server processes used during the row
	// (cpu.go); zero when not measured.
	serverCPU time.Duration
}

func (r result) opsPerSec() float64 { return float64(r.ops) / r.elapsed.Seconds() }
func (r result) mibPerSec() float64 {
	return float64(r.ops) * float64(r.size) / (1 << 20) / r.elapsed.Seconds()
}

func main() {
	if serveNothing() {
		return
	}
	kossd := flag.String("kossd", "bin/kossd", "kossd binary")
	dir := flag.String("dir", "", "working directory on the disk to measure (default: a temporary directory)")
	duration := flag.Duration("duration", 3*time.Second, "how long each measurement runs")
	nodes := flag.Int("nodes", 3, "size of the Region measured beside the single node")
	mpSize := flag.Int64("multipart-size", 1<<30, "bytes of the multipart upload (0 skips it)")
	mpParallel := flag.Int("multipart-parallel", 16, "parts of the multipart upload in flight at once")
	mpRounds := flag.Int("multipart-rounds", 3, "uploads per multipart row, each between two raw-disk runs of the same bytes")
	idleFor := flag.Duration("idle", 20*time.Second, "how long the idle Region's CPU is measured, before any load (0 skips it)")
	idleOnly := flag.Bool("idle-only", false, "measure only the idle Region's CPU")
	regionOnly := flag.Bool("region-only", false, "measure only the Region's rows (to profile it: no raw disk, do-nothing or single-node rows, so no shares)")
	smallOnly := flag.Bool("small-only", false, "measure only 4 KiB objects")
	withS3 := flag.Bool("s3", true, "measure the S3 rows beside the OSS rows")
	scale := flag.Int64("scale", 0, "instead of the rows: fill one bucket of the Region with this many 1 KiB objects, measuring at 10K, 100K, ... (make bench-scale)")
	scaleProbe := flag.Duration("scale-probe", 5*time.Second, "how long each operation is measured at each -scale checkpoint")
	flag.Parse()

	work := *dir
	if work == "" {
		var err error
		work, err = os.MkdirTemp("", "koss-bench-")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(work)
	}
	sizes := []int{4 << 10, 4 << 20}
	if *smallOnly {
		sizes = sizes[:1]
	}
	clients := []int{1, 16}
	var results []result
	if *idleOnly {
		measureRegionIdle(*kossd, work, *nodes, max(*idleFor, time.Second))
		return
	}
	if *scale > 0 {
		measureScale(*kossd, work, *nodes, *scale, *scaleProbe) // scale.go
		return
	}

	ctx := context.Background()
	if !*regionOnly {
		results = measureBaselinesAndNode(ctx, *kossd, work, sizes, clients, *duration, *withS3, *mpSize, *mpRounds, *mpParallel)
	}

	region, err := kossdproc.StartRegion(ctx, *nodes, kossdproc.Options{Binary: *kossd, DataDir: filepath.Join(work, "region"), Quiet: true})
	if err != nil {
		fail(err)
	}
	var endpoints []string
	var pids []int
	for _, n := range region {
		defer n.Stop()
		endpoints = append(endpoints, n.Endpoint())
		pids = append(pids, n.Pid())
	}
	target := fmt.Sprintf("kossd %d nodes", *nodes)
	var idle []idleCPU
	if *idleFor > 0 {
		fmt.Fprintf(os.Stderr, ">> %s idle for %s\n", target, *idleFor)
		idle = measureIdle(pids, idleSettle, *idleFor)
	}
	fmt.Fprintf(os.Stderr, ">> %s at %v (clients spread over the nodes)\n", target, endpoints)
	results = append(results, measureNode(target, endpoints, pids, sizes, clients, *duration)...)
	if *withS3 {
		results = append(results, measureS3(target, endpoints, pids, sizes, clients, *duration)...) // s3.go
	}
	if *mpSize > 0 {
		results = append(results, measureUploads(target, endpoints[0], filepath.Join(work, "raw"), *mpRounds, min(len(endpoints), 3), *mpSize, *mpParallel)...)
	}

	printTable(results)
	printTargets(results, *nodes, *mpSize, *mpParallel)
	printS3Targets(results) // s3.go
	printIdle(os.Stdout, target, idle, *idleFor)
}

// measureBaselinesAndNode measures what the Region's rows are compared
// with: the raw disk, the do-nothing server and a single kossd.
func measureBaselinesAndNode(ctx context.Context, kossd, work string, sizes, clients []int, d time.Duration, withS3 bool, mpSize int64, mpRounds, mpParallel int) []result {
	var results []result
	fmt.Fprintf(os.Stderr, ">> raw disk baseline in %s\n", work)
	for _, size := range sizes {
		for _, n := range clients {
			r := rawDisk(filepath.Join(work, "raw"), size, n, d)
			progress(r)
			results = append(results, r)
		}
	}

	nothing, nothingPid, stopNothing := startNothing()
	fmt.Fprintf(os.Stderr, ">> do-nothing HTTP server at %s\n", nothing)
	results = append(results, measureNode(nothingTarget, []string{nothing}, []int{nothingPid}, sizes, clients, d)...)
	stopNothing()

	p, err := kossdproc.Start(ctx, kossdproc.Options{Binary: kossd, DataDir: filepath.Join(work, "kossd"), LogPath: filepath.Join(work, "kossd.log"), Quiet: true})
	if err != nil {
		fail(err)
	}
	defer p.Stop()
	fmt.Fprintf(os.Stderr, ">> kossd (1 node) at %s\n", p.Endpoint())
	results = append(results, measureNode("kossd 1 node", []string{p.Endpoint()}, []int{p.Pid()}, sizes, clients, d)...)
	if withS3 {
		results = append(results, measureS3("kossd 1 node", []string{p.Endpoint()}, []int{p.Pid()}, sizes, clients, d)...) // s3.go
	}
	if mpSize > 0 {
		results = append(results, measureUploads("kossd 1 node", p.Endpoint(), filepath.Join(work, "raw"), mpRounds, 1, mpSize, mpParallel)...)
	}
	return results
}

// nothingTarget names the do-nothing server's rows (nothing.go), and
// singleTarget a single kossd's.
const (
	nothingTarget = "do-nothing HTTP"
	singleTarget  = "kossd 1 node"
)

// goal is a speed goal from the issues: at least minOps ops/s, at least
// minRawShare of the raw disk's MiB/s (see rawShare), at least
// minNothingShare of the do-nothing server's ops/s, or at least
// minNodeShare of a single node's ops/s.
type goal struct {
	target, op      string
	size, clients   int
	minOps          float64
	minRawShare     float64
	minNothingShare float64
	minNodeShare    float64
}

// describe names the goal; replicas is how many copies r's target writes.
func (g goal) describe(replicas int) string {
	clients := fmt.Sprintf("%d clients", g.clients)
	if g.clients == 1 {
		clients = "1 client"
	}
	want := fmt.Sprintf(">= %.0f ops/s", g.minOps)
	switch {
	case g.minRawShare > 0:
		want = fmt.Sprintf(">= %.0f%% of %s", 100*g.minRawShare, rawLabel(replicas))
	case g.minNothingShare > 0:
		want = fmt.Sprintf(">= %.0f%% of %s", 100*g.minNothingShare, nothingTarget)
	case g.minNodeShare > 0:
		want = fmt.Sprintf(">= %.0f%% of %s", 100*g.minNodeShare, singleTarget)
	}
	if g.op == opMultipart {
		return fmt.Sprintf("%s: %s multipart upload %s (%s parts, %d in flight)", g.target, human(g.size), want, human(multipartPartSize), g.clients)
	}
	return fmt.Sprintf("%s: %s %s, %s, %s", g.target, human(g.size), g.op, clients, want)
}

// rawLabel names what a target with this many replicas is compared with.
func rawLabel(replicas int) string {
	if replicas > 1 {
		return fmt.Sprintf("raw/%d", replicas)
	}
	return "raw disk"
}

// printTargets prints each goal with this run's figure. Benchmarks are not
// tests: a miss is reported, not failed, because a shared 2-core machine
// varies by a third between runs.
func printTargets(results []result, nodes int, mpSize int64, mpParallel int) {
	region := fmt.Sprintf("kossd %d nodes", nodes)
	goals := []goal{
		{target: "kossd 1 node", op: "PUT", size: 4 << 20, clients: 1, minRawShare: 0.7},
		{target: "kossd 1 node", op: "PUT", size: 4 << 20, clients: 16, minRawShare: 0.7},
		{target: "kossd 1 node", op: "GET", size: 4 << 10, clients: 1, minOps: 5000},
		{target: "kossd 1 node", op: "GET", size: 4 << 10, clients: 16, minOps: 5000},
		{target: region, op: "PUT", size: 4 << 20, clients: 16, minRawShare: 0.6},
		{target: region, op: "PUT", size: 4 << 10, clients: 16, minOps: 500},
		{target: region, op: "GET", size: 4 << 10, clients: 16, minOps: 4000},
		{target: "kossd 1 node", op: "GET", size: 4 << 10, clients: 16, minNothingShare: 0.6},
		{target: region, op: "GET", size: 4 << 10, clients: 16, minNothingShare: 0.5},
		{target: region, op: opMultipart, size: int(mpSize), clients: mpParallel, minRawShare: 0.8}, // 1 GiB by default
		// Issue 16's targets for a Region.
		{target: region, op: "PUT", size: 4 << 10, clients: 1, minOps: 400},
		{target: region, op: "PUT", size: 4 << 10, clients: 16, minOps: 2000},
		{target: region, op: "PUT", size: 4 << 10, clients: 1, minNodeShare: 0.35},
		{target: region, op: "PUT", size: 4 << 10, clients: 16, minNodeShare: 0.5},
		{target: region, op: "GET", size: 4 << 10, clients: 1, minNothingShare: 0.7},
		{target: region, op: "GET", size: 4 << 10, clients: 16, minNothingShare: 0.6},
		{target: region, op: "PUT", size: 4 << 20, clients: 1, minRawShare: 0.8},
		{target: region, op: "PUT", size: 4 << 20, clients: 16, minRawShare: 0.8},
	}
	raw := rawBaseline(results)
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "goal\tthis run\t\t")
	for _, g := range goals {
		for _, r := range results {
			if r.target != g.target || r.op != g.op || r.size != g.size || r.clients != g.clients {
				continue
			}
			got, met := fmt.Sprintf("%.0f ops/s", r.opsPerSec()), r.opsPerSec() >= g.minOps
			switch {
			case g.minRawShare > 0:
				share, ok := rawShare(r, raw)
				got, met = fmt.Sprintf("%.0f%% of %s", 100*share, rawLabel(r.nodes)), ok && share >= g.minRawShare
			case g.minNothingShare > 0:
				share, ok := nothingShare(r, results)
				got, met = fmt.Sprintf("%.0f%% of %s", 100*share, nothingTarget), ok && share >= g.minNothingShare
			case g.minNodeShare > 0:
				share, ok := targetShare(r, results, singleTarget)
				got, met = fmt.Sprintf("%.0f%% of %s", 100*share, singleTarget), ok && share >= g.minNodeShare
			}
			verdict := "met"
			if !met {
				verdict = "MISSED"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", g.describe(r.nodes), got, verdict)
		}
	}
	tw.Flush()
}

// rawBaseline returns the raw disk's MiB/s by size and writer count.
func rawBaseline(results []result) map[[2]int]float64 {
	raw := map[[2]int]float64{}
	for _, r := range results {
		if r.target == "raw disk" {
			raw[[2]int{r.size, r.clients}] = r.mibPerSec()
		}
	}
	return raw
}

// rawShare is r's MiB/s as a share of what the raw disk allows it. Every
// replica writes the bytes to the same disk here, so a Region of three can
// at best reach a third of the raw bandwidth.
func rawShare(r result, raw map[[2]int]float64) (float64, bool) {
	base := raw[[2]int{r.size, r.clients}] / float64(r.nodes)
	if r.rawMiBps > 0 {
		base = r.rawMiBps / float64(r.nodes)
	}
	if base <= 0 {
		return 0, false
	}
	return r.mibPerSec() / base, true
}

// nothingShare is r's ops/s as a share of the do-nothing server's for the
// same operation, size and client count.
func nothingShare(r result, results []result) (float64, bool) {
	return targetShare(r, results, nothingTarget)
}

// targetShare is r's ops/s as a share of target's for the same operation,
// size and client count.
func targetShare(r result, results []result, target string) (float64, bool) {
	for _, n := range results {
		if n.target == target && n.op == r.op && n.size == r.size && n.clients == r.clients && n.opsPerSec() > 0 {
			return r.opsPerSec() / n.opsPerSec(), true
		}
	}
	return 0, false
}

func progress(r result) {
	fmt.Fprintf(os.Stderr, "   %-14s %-4s %7s x%-2d  %9.1f ops/s %8.1f MiB/s\n", r.target, r.op, human(r.size), r.clients, r.opsPerSec(), r.mibPerSec())
}

// measureNode runs PUT then GET for every size and client count; worker w
// talks to endpoints[w % len(endpoints)]. pids are the server processes
// whose CPU each row records.
func measureNode(target string, endpoints []string, pids []int, sizes, clients []int, d time.Duration) []result {
	var out []result
	bucket := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	if err := do(client, http.MethodPut, endpoints[0], bucket, "", nil); err != nil {
		fail(fmt.Errorf("create bucket: %w", err))
	}
	for _, size := range sizes {
		body := make([]byte, size)
		_, _ = rand.Read(body)
		for _, n := range clients {
			r := withServerCPU(pids, func() result {
				return runFor(target, "PUT", size, n, d, func(worker int, i int64) error {
					return do(client, http.MethodPut, endpoints[worker%len(endpoints)], bucket, key(size, worker, i), body)
				})
			})
			r.nodes = min(len(endpoints), 3)
			progress(r)
			out = append(out, r)
		}
		// Read back what the single-client run wrote, from every reader.
		for _, n := range clients {
			r := withServerCPU(pids, func() result {
				return runFor(target, "GET", size, n, d, func(worker int, i int64) error {
					return do(client, http.MethodGet, endpoints[worker%len(endpoints)], bucket, key(size, 0, i%8), nil)
				})
			})
			progress(r)
			out = append(out, r)
		}
	}
	return out
}

func key(size, worker int, i int64) string { return fmt.Sprintf("%s/w%d/%08d", human(size), worker, i) }

func do(client *http.Client, method, endpoint, bucket, key string, body []byte) error {
	u := endpoint + "/" + bucket + "/" + key
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body == nil {
		req.Body = http.NoBody
	}
	osssign.SignV1(req, bucket, key, kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // drained below; nothing to act on
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s", method, u, resp.Status)
	}
	return nil
}

// runFor runs fn from n workers for d and counts successful calls.
func runFor(target, op string, size, n int, d time.Duration, fn func(worker int, i int64) error) result {
	deadline := time.Now().Add(d)
	return runWhile(target, op, size, n, func() bool { return time.Now().Before(deadline) }, fn)
}

// runWhile runs fn from n workers for as long as more, asked before every
// call, says so, and counts successful calls.
func runWhile(target, op string, size, n int, more func() bool, fn func(worker int, i int64) error) result {
	var ops, errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	var firstErr atomic.Value
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := int64(0); more(); i++ {
				if err := fn(w, i); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				ops.Add(1)
			}
		}(w)
	}
	wg.Wait()
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(os.Stderr, "   %s %s errors: %d (first: %v)\n", target, op, errs.Load(), e)
	}
	return result{nodes: 1, target: target, op: op, size: size, clients: n, ops: ops.Load(), elapsed: time.Since(start), errors: errs.Load()}
}

// rawDisk writes size-byte files with fsync (file, then directory), as a
// storage node must, from n writers for d.
func rawDisk(dir string, size, n int, d time.Duration) result {
	deadline := time.Now().Add(d)
	return rawDiskWhile(dir, size, n, func() bool { return time.Now().Before(deadline) })
}

// rawDiskWhile is rawDisk for as long as more says so.
func rawDiskWhile(dir string, size, n int, more func() bool) result {
	body := make([]byte, size)
	_, _ = rand.Read(body)
	sub := filepath.Join(dir, human(size), fmt.Sprint(n))
	if err := os.MkdirAll(sub, 0o755); err != nil {
		fail(err)
	}
	defer os.RemoveAll(sub)
	return runWhile("raw disk", "PUT", size, n, more, func(worker int, i int64) error {
		return writeSynced(sub, fmt.Sprintf("%d-%d", worker, i), body)
	})
}

// writeSynced creates dir/name with body, fsyncs it, then fsyncs dir.
func writeSynced(dir, name string, body []byte) error {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	// On a failed Write or Sync that error is the one to report.
	if _, err := f.Write(body); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	dirf, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() { _ = dirf.Close() }() // read-only; Sync's error is returned
	return dirf.Sync()
}

func printTable(results []result) {
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].size != results[j].size {
			return results[i].size < results[j].size
		}
		return results[i].op > results[j].op
	})
	raw := rawBaseline(results)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\top\tsize\tclients\tops/s\tMiB/s\tserver CPU/op\tvs raw disk\tvs do-nothing\terrors\t")
	for _, r := range results {
		ratio, nothing := "", ""
		if r.target != nothingTarget && r.target != "raw disk" {
			if share, ok := nothingShare(r, results); ok {
				nothing = fmt.Sprintf("%.0f%%", 100*share)
			}
		}
		if (r.op == "PUT" || r.op == opMultipart) && r.target != "raw disk" && r.target != nothingTarget {
			if share, ok := rawShare(r, raw); ok {
				ratio = fmt.Sprintf("%.0f%%", 100*share)
				if r.nodes > 1 {
					ratio += " of " + rawLabel(r.nodes)
				}
				if r.rounds != "" {
					ratio += " (rounds: " + r.rounds + ")"
				}
			}
		}
		cpu := ""
		if c := r.serverCPUPerOp(); c > 0 {
			cpu = c.Round(time.Microsecond).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.0f\t%.1f\t%s\t%s\t%s\t%d\t\n", r.target, r.op, human(r.size), r.clients, r.opsPerSec(), r.mibPerSec(), cpu, ratio, nothing, r.errors)
	}
	tw.Flush()
}

func human(size int) string {
	if size >= 1<<30 && size%(1<<30) == 0 {
		return fmt.Sprintf("%dGiB", size>>30)
	}
	if size >= 1<<20 {
		return fmt.Sprintf("%dMiB", size>>20)
	}
	return fmt.Sprintf("%dKiB", size>>10)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
