package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress prints "put 12.0/100.0 MiB  12%  34.5 MiB/s" on one line of
// standard error, rewritten in place with \r, at most every refresh.
// It is off unless stderr is a terminal or --progress asks for it: a
// script that captures stderr wants the summary line, not the \r noise.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	verb  string
	total int64 // -1: unknown
	done  int64
	start time.Time
	last  time.Time
}

// refresh bounds how often the line is rewritten: parallel parts report
// many times a second, a terminal needs a few.
const refresh = 200 * time.Millisecond

func newProgress(w io.Writer, force bool, verb string, total int64) *progress {
	if !force && !isTerminal(w) {
		return nil
	}
	now := time.Now()
	return &progress{w: w, verb: verb, total: total, start: now}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// update is an oss.ProgressFunc; the SDK calls it from its part goroutines.
func (p *progress) update(_, transferred, total int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = transferred
	if total >= 0 {
		p.total = total
	}
	if now := time.Now(); now.Sub(p.last) >= refresh {
		p.last = now
		p.printLocked(now)
	}
}

// finish prints the final figures and ends the line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.printLocked(time.Now())
	fmt.Fprintln(p.w)
}

func (p *progress) printLocked(now time.Time) {
	const mib = 1 << 20
	rate := 0.0
	if secs := now.Sub(p.start).Seconds(); secs > 0 {
		rate = float64(p.done) / mib / secs
	}
	line := fmt.Sprintf("%s %.1f MiB", p.verb, float64(p.done)/mib)
	if p.total >= 0 {
		pct := 100.0
		if p.total > 0 {
			pct = 100 * float64(p.done) / float64(p.total)
		}
		line = fmt.Sprintf("%s %.1f/%.1f MiB %3.0f%%", p.verb, float64(p.done)/mib, float64(p.total)/mib, pct)
	}
	// The trailing spaces wipe the end of a longer earlier line.
	fmt.Fprintf(p.w, "\r%s  %.1f MiB/s   ", line, rate)
}
