package replica

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/consensus/singlenode"
	"github.com/koss-io/koss/storage/internal/meta"
)

// newLocalSet is a single-node Set on real files, with a clock the test
// can move forward.
func newLocalSet(t *testing.T) (*Set, *blob.Disk, *atomic.Int64) {
	t.Helper()
	dir := t.TempDir()
	disk, err := blob.New(blob.Config{Dir: filepath.Join(dir, "blob")})
	if err != nil {
		t.Fatal(err)
	}
	fsm, err := meta.New(meta.Config{Path: filepath.Join(dir, "meta.db")})
	if err != nil {
		t.Fatal(err)
	}
	prop, err := singlenode.New(singlenode.Config{FSM: fsm})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		prop.Close()
		fsm.Close()
		disk.Close()
	})
	var offset atomic.Int64
	cfg := DefaultConfig()
	cfg.Local, cfg.Meta, cfg.Proposer = disk, fsm, prop
	cfg.DeleteRate = 0
	cfg.Clock = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, disk, &offset
}

func TestSweeperSparesInFlightBlobs(t *testing.T) {
	s, disk, offset := newLocalSet(t)
	ctx := t.Context()
	id := blob.NewID()
	if _, err := disk.Create(ctx, id, strings.NewReader("in flight"), blob.CreateOptions{Size: 9}); err != nil {
		t.Fatal(err)
	}
	s.track(id)
	offset.Store(int64(time.Hour))
	if n, _ := s.SweepOrphans(ctx); n != 0 {
		t.Fatal("sweeper deleted an in-flight blob")
	}
	s.untrack(id)
	if n, _ := s.SweepOrphans(ctx); n != 1 {
		t.Fatal("sweeper kept a finished orphan")
	}
}

// TestDeleteIsNotUnderTheLock checks that the lock every read and write
// takes is free while a blob file is being unlinked, and that a blob being
// deleted is not deleted twice.
func TestDeleteIsNotUnderTheLock(t *testing.T) {
	s, _, _ := newLocalSet(t)
	id := blob.NewID()
	unlinking := make(chan struct{})
	release := make(chan struct{})
	s.local = &slowDelete{Store: s.local, started: unlinking, release: release}
	done := make(chan error, 1)
	go func() {
		_, err := s.deleteIfUnused(id)
		done <- err
	}()
	<-unlinking
	unpin := make(chan func(), 1)
	go func() { unpin <- s.Pin([]string{"other"}) }()
	select {
	case f := <-unpin:
		f()
	case <-time.After(10 * time.Second):
		t.Fatal("Pin waited for a blob file to be unlinked")
	}
	if deleted, err := s.deleteIfUnused(id); deleted || err != nil {
		t.Fatalf("a second delete of a blob being deleted = %v, %v", deleted, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// slowDelete holds Delete until released.
type slowDelete struct {
	blob.Store
	started chan struct{}
	release chan struct{}
}

func (d *slowDelete) Delete(id string) error {
	close(d.started)
	<-d.release
	return d.Store.Delete(id)
}

func TestLimiterSpacesEvents(t *testing.T) {
	l := limiter{rate: 200}
	start := time.Now()
	for range 21 {
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("21 events at 200/s took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (&limiter{rate: 1}).wait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("wait with cancelled ctx = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	s, disk, _ := newLocalSet(t)
	valid := DefaultConfig()
	valid.Local, valid.Meta, valid.Proposer = disk, s.meta, s.prop
	tests := map[string]struct {
		tweak func(*Config)
		ok    bool
	}{
		"valid":                 {func(*Config) {}, true},
		"no local store":        {func(c *Config) { c.Local = nil }, false},
		"no meta":               {func(c *Config) { c.Meta = nil }, false},
		"no proposer":           {func(c *Config) { c.Proposer = nil }, false},
		"zero grace":            {func(c *Config) { c.SweepGrace = 0 }, false},
		"negative delete rate":  {func(c *Config) { c.DeleteRate = -1 }, false},
		"unlimited delete rate": {func(c *Config) { c.DeleteRate = 0 }, true},
		"cluster without remote": {func(c *Config) {
			c.Cluster = staticCluster{}
		}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := valid
			tc.tweak(&c)
			err := c.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if _, nerr := New(c); (nerr == nil) != tc.ok {
				t.Fatalf("New() = %v, want ok=%v", nerr, tc.ok)
			}
		})
	}
}

type staticCluster struct{}

func (staticCluster) Self() string                            { return "n1" }
func (staticCluster) IsLeader() bool                          { return true }
func (staticCluster) Members(context.Context) ([]Node, error) { return nil, nil }
