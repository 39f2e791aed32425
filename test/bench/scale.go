package main

// make bench-scale: a Region holding many small objects (issue 16). One
// bucket of a 3-node Region is filled with 1 KiB objects; at 10K, 100K and
// every tenfold after, up to the target, the bench measures PUT, GET, HEAD
// and LIST (1,000 keys) latencies, and each node's memory and disk per
// object. At the end it restarts a member (time to ready) and wipes one
// (time to catch up from the others).

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/test/kossdproc"
	"github.com/koss-io/koss/test/osssign"
)

const (
	scaleBucket     = "scale"
	scaleObjectSize = 1 << 10
	scaleWriters    = 16
	scaleProbers    = 4
)

// scalePoint is what one checkpoint measured.
type scalePoint struct {
	objects int64
	lat     map[string]latency // by operation
	nodes   []nodeUsage
}

type latency struct{ p50, p99 time.Duration }

type nodeUsage struct {
	rssAnon, rssFile int64 // bytes: the heap and the like; mapped files (bbolt's pages)
	disk             int64 // bytes allocated under the data directory
}

// measureScale runs make bench-scale: fill to target objects, probing at
// each checkpoint for probe per operation.
func measureScale(kossd, work string, n int, target int64, probe time.Duration) {
	region, err := kossdproc.StartRegion(context.Background(), n, kossdproc.Options{Binary: kossd, DataDir: filepath.Join(work, "region"), Quiet: true})
	if err != nil {
		fail(err)
	}
	for _, p := range region {
		defer p.Stop()
	}
	endpoints := make([]string, len(region))
	for i, p := range region {
		endpoints[i] = p.Endpoint()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	if err := do(client, http.MethodPut, endpoints[0], scaleBucket, "", nil); err != nil {
		fail(fmt.Errorf("create bucket: %w", err))
	}
	body := make([]byte, scaleObjectSize)
	_, _ = rand.Read(body)

	var points []scalePoint
	var filled atomic.Int64
	start := time.Now()
	for _, cp := range checkpoints(target) {
		fillTo(client, endpoints, body, &filled, cp, start)
		fmt.Fprintf(os.Stderr, ">> %d objects: probing PUT, GET, HEAD and LIST for %s each\n", cp, probe)
		points = append(points, probeAt(client, endpoints, region, body, cp, probe))
		printPoints(os.Stderr, points[len(points)-1:]) // as it goes: a million objects take a while
	}
	restart, catchUp := restartAndWipe(region, endpoints)
	printScale(os.Stdout, points, restart, catchUp, n)
}

// checkpoints are 10K, 100K, ... below target, and target.
func checkpoints(target int64) []int64 {
	var out []int64
	for c := int64(10_000); c < target; c *= 10 {
		out = append(out, c)
	}
	return append(out, target)
}

func scaleKey(i int64) string { return fmt.Sprintf("obj/%09d", i) }

// fillTo writes objects until filled reaches to, from scaleWriters
// workers, printing progress every 10 s.
func fillTo(client *http.Client, endpoints []string, body []byte, filled *atomic.Int64, to int64, start time.Time) {
	var next atomic.Int64
	next.Store(filled.Load())
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				f := filled.Load()
				fmt.Fprintf(os.Stderr, "   filled %d of %d (%.0f objects/s since the start)\n", f, to, float64(f)/time.Since(start).Seconds())
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range scaleWriters {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= to {
					return
				}
				err := do(client, http.MethodPut, endpoints[w%len(endpoints)], scaleBucket, scaleKey(i), body)
				for attempt := 0; err != nil && attempt < 5; attempt++ {
					time.Sleep(time.Second)
					err = do(client, http.MethodPut, endpoints[w%len(endpoints)], scaleBucket, scaleKey(i), body)
				}
				if err != nil {
					fail(fmt.Errorf("fill: %w", err))
				}
				filled.Add(1)
			}
		})
	}
	wg.Wait()
	close(stop)
}

// probeAt measures each operation for d from scaleProbers clients spread
// over the nodes, then reads each node's memory and disk.
func probeAt(client *http.Client, endpoints []string, region []*kossdproc.Process, body []byte, objects int64, d time.Duration) scalePoint {
	pt := scalePoint{objects: objects, lat: map[string]latency{}}
	ops := []struct {
		name string
		fn   func(ep string, w int, i int64) error
	}{
		{"PUT", func(ep string, w int, i int64) error {
			return do(client, http.MethodPut, ep, scaleBucket, fmt.Sprintf("probe/%d/%d/%d", objects, w, i), body)
		}},
		{"GET", func(ep string, _ int, _ int64) error {
			return do(client, http.MethodGet, ep, scaleBucket, scaleKey(randBelow(objects)), nil)
		}},
		{"HEAD", func(ep string, _ int, _ int64) error {
			return do(client, http.MethodHead, ep, scaleBucket, scaleKey(randBelow(objects)), nil)
		}},
		{"LIST", func(ep string, _ int, _ int64) error {
			return list1000(client, ep, scaleKey(randBelow(max(objects-1000, 1))))
		}},
	}
	for _, op := range ops {
		pt.lat[op.name] = timeOp(d, func(w int, i int64) error { return op.fn(endpoints[w%len(endpoints)], w, i) })
	}
	for _, p := range region {
		pt.nodes = append(pt.nodes, usageOf(p.Pid(), p.DataDir()))
	}
	return pt
}

// timeOp runs fn from scaleProbers workers for d and returns the latency
// percentiles of the calls that succeeded.
func timeOp(d time.Duration, fn func(w int, i int64) error) latency {
	var mu sync.Mutex
	var all []time.Duration
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range scaleProbers {
		wg.Go(func() {
			var mine []time.Duration
			for i := int64(0); time.Now().Before(deadline); i++ {
				t := time.Now()
				if err := fn(w, i); err != nil {
					fail(err)
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(all)
	if len(all) == 0 {
		return latency{}
	}
	at := func(q float64) time.Duration { return all[min(len(all)-1, int(q*float64(len(all))))] }
	return latency{p50: at(0.5), p99: at(0.99)}
}

func randBelow(n int64) int64 {
	v, err := rand.Int(rand.Reader, big.NewInt(max(n, 1)))
	if err != nil {
		fail(err)
	}
	return v.Int64()
}

// list1000 lists 1,000 keys after marker (OSS ListObjects v1).
func list1000(client *http.Client, endpoint, marker string) error {
	req, err := http.NewRequest(http.MethodGet, endpoint+"/"+scaleBucket+"/?max-keys=1000&marker="+marker, nil)
	if err != nil {
		return err
	}
	osssign.SignV1(req, scaleBucket, "", kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }() // drained below
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("list after %s: %s", marker, resp.Status)
	}
	if n := bytes.Count(b, []byte("<Key>")); n != 1000 {
		return fmt.Errorf("list after %s: %d keys, want 1000", marker, n)
	}
	return nil
}

// usageOf reads a node's resident memory (/proc/<pid>/status) and the
// bytes its data directory takes on disk (allocated blocks, so
// preallocated log segments count in full).
func usageOf(pid int, dir string) nodeUsage {
	var u nodeUsage
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			name, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			switch name {
			case "RssAnon":
				u.rssAnon = kb << 10
			case "RssFile":
				u.rssFile = kb << 10
			}
		}
	}
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				u.disk += st.Blocks * 512
			}
		}
		return nil
	})
	return u
}

// restartAndWipe restarts the last member (time until it is ready), then
// stops it, wipes its data directory and starts it again: the time until
// it has applied what the leader had committed when it started.
func restartAndWipe(region []*kossdproc.Process, endpoints []string) (restart, catchUp time.Duration) {
	ctx := context.Background()
	p := region[len(region)-1]
	fmt.Fprintf(os.Stderr, ">> restarting %s\n", p.Endpoint())
	p.Stop()
	t := time.Now()
	if err := p.Restart(ctx); err != nil {
		fail(err)
	}
	restart = time.Since(t)

	fmt.Fprintf(os.Stderr, ">> wiping %s and letting it catch up\n", p.Endpoint())
	p.Stop()
	if err := os.RemoveAll(p.DataDir()); err != nil {
		fail(err)
	}
	admin, err := adminclient.New(endpoints[0], kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
	if err != nil {
		fail(err)
	}
	st, err := admin.ClusterStatus(ctx)
	if err != nil {
		fail(err)
	}
	// What the other members' state machines have applied: raft's commit
	// index may be a no-op or barrier entry no state machine sees.
	var want uint64
	wiped := fmt.Sprintf("node-%d", len(region)-1) // kossdproc's node ids
	for _, m := range st.Members {
		if m.ID != wiped {
			want = max(want, m.AppliedIndex)
		}
	}
	t = time.Now()
	if err := p.Restart(ctx); err != nil {
		fail(err)
	}
	self, err := adminclient.New(p.Endpoint(), kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
	if err != nil {
		fail(err)
	}
	for {
		if st, err := self.ClusterStatus(ctx); err == nil && st.AppliedIndex >= want {
			return restart, time.Since(t)
		}
		if time.Since(t) > 30*time.Minute {
			fail(fmt.Errorf("the wiped member did not reach index %d in 30 minutes", want))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func printScale(w io.Writer, points []scalePoint, restart, catchUp time.Duration, n int) {
	printPoints(w, points)
	fmt.Fprintf(w, "\n%d-node Region of 1 KiB objects; memory and disk per object include the process's fixed part.\n", n)
	fmt.Fprintf(w, "restart of a member to ready: %s; a wiped member caught up in %s\n", restart.Round(time.Millisecond), catchUp.Round(time.Millisecond))
	if len(points) > 1 {
		first, last := points[0], points[len(points)-1]
		fmt.Fprintf(w, "p99 from %d to %d objects:", first.objects, last.objects)
		for _, op := range []string{"PUT", "GET", "HEAD", "LIST"} {
			fmt.Fprintf(w, " %s %.2fx", op, float64(last.lat[op].p99)/float64(max(first.lat[op].p99, 1)))
		}
		fmt.Fprintln(w, " (goal: at most 1.5x)")
	}
}

// printPoints prints the checkpoints' table.
func printPoints(w io.Writer, points []scalePoint) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "objects\tPUT p50\tp99\tGET p50\tp99\tHEAD p50\tp99\tLIST p50\tp99\tnode\tRSS anon\tRSS files\tdisk\tanon/object\tdisk/object\t\n")
	for _, pt := range points {
		for i, u := range pt.nodes {
			lat := []string{"", "", "", "", "", "", "", ""}
			if i == 0 {
				lat = nil
				for _, op := range []string{"PUT", "GET", "HEAD", "LIST"} {
					lat = append(lat, ms(pt.lat[op].p50), ms(pt.lat[op].p99))
				}
			}
			objects := ""
			if i == 0 {
				objects = strconv.FormatInt(pt.objects, 10)
			}
			fmt.Fprintf(tw, "%s\t%s\tnode-%d\t%s\t%s\t%s\t%d B\t%d B\t\n", objects, strings.Join(lat, "\t"), i,
				mib(u.rssAnon), mib(u.rssFile), mib(u.disk), u.rssAnon/pt.objects, u.disk/pt.objects)
		}
	}
	_ = tw.Flush()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
func mib(b int64) string        { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }
