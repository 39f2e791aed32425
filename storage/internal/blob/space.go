package blob

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrNoSpace is returned by Create (and CheckSpace) when the disk has no
// room for the blob: its free space would fall below the store's reserve
// (Config.MinFreeSpace), or the file system itself reported ENOSPC or
// EDQUOT. Nothing is left behind under the id or in tmp/.
var ErrNoSpace = errors.New("blob: not enough free space on the disk")

// Default reserve: DefaultMinFreePercent of the file system, at least
// DefaultMinFreeFloor and at most DefaultMinFreeBytes (and never more than
// a quarter of a small file system). An explicit reserve is at least
// MinReserveBytes: without one a metadata commit can hit ENOSPC, and the
// state machine stops the node rather than diverge.
const (
	DefaultMinFreePercent = 1
	DefaultMinFreeBytes   = 256 << 20
	DefaultMinFreeFloor   = 16 << 20
	MinReserveBytes       = 1 << 20
)

// spaceTTL is how long a statfs result is trusted. Writes accepted meanwhile
// are subtracted from it, so a burst of writes cannot overrun the reserve
// between two refreshes.
const spaceTTL = time.Second

// Reserve is the free space a Disk keeps for the metadata (raft log, bbolt)
// and for deletes, which is how space is freed: blob writes that would leave
// less are refused with ErrNoSpace.
type Reserve struct {
	// Bytes is a fixed reserve.
	Bytes int64
	// Percent, when > 0, is a share of the file system's size instead.
	Percent float64
	// Default, when set, is DefaultMinFreePercent capped at
	// DefaultMinFreeBytes.
	Default bool
}

// ParseReserve parses --min-free-space: "" (the default: 1% of the file
// system, between 16 MiB and 256 MiB, at most a quarter of it), a
// percentage ("2%"), or a byte count of at least 1 MiB with an optional
// binary or decimal unit ("1048576", "512MiB", "1GiB", "500MB"). The guard
// cannot be turned off: a node that lets bbolt run out of space stops.
func ParseReserve(s string) (Reserve, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Reserve{Default: true}, nil
	}
	if p, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || v <= 0 || v >= 100 || math.IsNaN(v) {
			return Reserve{}, fmt.Errorf("blob: min free space %q: want a percentage in (0, 100)", s)
		}
		return Reserve{Percent: v}, nil
	}
	num, unit := s, int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
	} {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, unit = strings.TrimSpace(n), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil || v < 0 || v > math.MaxInt64/unit {
		return Reserve{}, fmt.Errorf("blob: min free space %q: want a byte count (e.g. 512MiB) or a percentage (e.g. 1%%)", s)
	}
	if v*unit < MinReserveBytes {
		return Reserve{}, fmt.Errorf("blob: min free space %q: want at least 1MiB, room for the metadata to commit (deletes included)", s)
	}
	return Reserve{Bytes: v * unit}, nil
}

// bytes is the reserve on a file system of total bytes.
func (r Reserve) bytes(total int64) int64 {
	switch {
	case r.Default:
		return min(max(total*DefaultMinFreePercent/100, DefaultMinFreeFloor), DefaultMinFreeBytes, total/4)
	case r.Percent > 0:
		return max(int64(float64(total)*r.Percent/100), MinReserveBytes)
	}
	return r.Bytes
}

// String renders r as ParseReserve reads it.
func (r Reserve) String() string {
	switch {
	case r.Default:
		return ""
	case r.Percent > 0:
		return strconv.FormatFloat(r.Percent, 'f', -1, 64) + "%"
	}
	return strconv.FormatInt(r.Bytes, 10)
}

// Space is a file system's size and free space, as statfs reports them for
// unprivileged users.
type Space struct {
	Free, Total int64
}

// StatSpace reads the space of the file system holding dir (one statfs).
func StatSpace(dir string) (Space, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return Space{}, fmt.Errorf("blob: statfs %s: %w", dir, err)
	}
	bs := int64(st.Bsize) //nolint:unconvert // Bsize's type differs across platforms
	return Space{Free: int64(st.Bavail) * bs, Total: int64(st.Blocks) * bs}, nil
}

// spaceGuard refuses writes that would eat into the reserve. It caches one
// statfs for spaceTTL and charges every accepted write against it, so a
// small request costs no syscall.
type spaceGuard struct {
	dir     string
	reserve Reserve
	now     func() time.Time
	stat    func(dir string) (Space, error)

	mu      sync.Mutex
	at      time.Time // of the cached statfs; zero forces a refresh
	space   Space
	claimed int64 // bytes accepted since the statfs

	refused atomic.Uint64
}

func newSpaceGuard(dir string, r Reserve) *spaceGuard {
	return &spaceGuard{dir: dir, reserve: r, now: time.Now, stat: StatSpace}
}

// check accepts a write of n bytes (n < 0: unknown, counted as 0) or
// returns an error wrapping ErrNoSpace. A statfs failure accepts the write:
// the file system reports ENOSPC itself if it comes to that.
func (g *spaceGuard) check(n int64) error {
	n = max(n, 0)
	g.mu.Lock()
	defer g.mu.Unlock()
	if now := g.now(); g.at.IsZero() || now.Sub(g.at) >= spaceTTL {
		sp, err := g.stat(g.dir)
		if err != nil {
			return nil
		}
		g.at, g.space, g.claimed = now, sp, 0
	}
	reserve := g.reserve.bytes(g.space.Total)
	if free := g.space.Free - g.claimed; free-n < reserve {
		g.refused.Add(1)
		return fmt.Errorf("%w: %d bytes asked, %d free, %d kept in reserve on %s", ErrNoSpace, n, max(free, 0), reserve, g.dir)
	}
	g.claimed += n
	return nil
}

// invalidate makes the next check statfs again (after ENOSPC, or after
// space was freed).
func (g *spaceGuard) invalidate() {
	g.mu.Lock()
	g.at = time.Time{}
	g.mu.Unlock()
}

// noSpace reports whether err is the file system's "no space" (ENOSPC,
// EDQUOT).
func noSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// CheckSpace returns an error wrapping ErrNoSpace when a write of n bytes
// would leave less free space than the reserve, counting the write as
// refused. Create checks it itself; the object layer calls it for data it
// keeps in the metadata (inline objects), which shares the disk.
// The file systems of Config.MetaDirs must keep the reserve too.
func (d *Disk) CheckSpace(n int64) error {
	for _, g := range d.metaSpace {
		// Metadata grows by a record per write, not by its data.
		if err := g.check(0); err != nil {
			return err
		}
	}
	return d.space.check(n)
}

// Space reads the space of the store's file system (a statfs; for metrics).
func (d *Disk) Space() (Space, error) { return StatSpace(d.dir) }

// RefusedForSpace is the number of writes refused with ErrNoSpace.
func (d *Disk) RefusedForSpace() uint64 {
	n := d.space.refused.Load()
	for _, g := range d.metaSpace {
		n += g.refused.Load()
	}
	return n
}

// MinFreeSpace is the reserve the store keeps now, in bytes.
func (d *Disk) MinFreeSpace() (int64, error) {
	sp, err := StatSpace(d.dir)
	if err != nil {
		return 0, err
	}
	return d.space.reserve.bytes(sp.Total), nil
}

// FullHeadroom is how much room above its reserve a store needs not to be
// called full: with less, a write of that size (an SDK's usual part or a
// modest object) is refused. Operators are told about a full store
// (the admin API's member disk, the Region's Degraded condition) before
// every write fails, and the word means the same on every node.
const FullHeadroom = 8 << 20

// Headroom is the tightest of the store's file systems (its own and
// Config.MetaDirs'): the one with the least free space above its reserve.
type Headroom struct {
	// Dir is the directory on that file system.
	Dir string
	Space
	// Reserve is the free space the guard keeps there.
	Reserve int64
	// Refused counts the writes the store refused for space since it opened.
	Refused uint64
}

// Full reports whether a write of FullHeadroom bytes would be refused.
func (h Headroom) Full() bool { return h.Free-h.Reserve < FullHeadroom }

// Headroom reads the space of every file system the store guards (one
// statfs each, uncached: it is for status, not for the write path).
func (d *Disk) Headroom() (Headroom, error) {
	best := Headroom{}
	found := false
	for _, g := range append([]*spaceGuard{d.space}, d.metaSpace...) {
		sp, err := g.stat(g.dir)
		if err != nil {
			return Headroom{}, err
		}
		h := Headroom{Dir: g.dir, Space: sp, Reserve: g.reserve.bytes(sp.Total)}
		if !found || h.Free-h.Reserve < best.Free-best.Reserve {
			best, found = h, true
		}
	}
	best.Refused = d.RefusedForSpace()
	return best, nil
}
