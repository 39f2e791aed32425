package blob

import (
	"errors"
	"testing"
	"time"
)

func TestParseReserve(t *testing.T) {
	tests := map[string]struct {
		in      string
		want    Reserve
		wantErr bool
	}{
		"empty is the default":   {in: "", want: Reserve{Default: true}},
		"plain bytes":            {in: "1048576", want: Reserve{Bytes: 1 << 20}},
		"zero is refused":        {in: "0", wantErr: true},
		"below 1 MiB":            {in: "512KiB", wantErr: true},
		"zero percent":           {in: "0%", wantErr: true},
		"binary unit":            {in: "512MiB", want: Reserve{Bytes: 512 << 20}},
		"binary unit with space": {in: "2 GiB", want: Reserve{Bytes: 2 << 30}},
		"decimal unit":           {in: "500MB", want: Reserve{Bytes: 500e6}},
		"percentage":             {in: "2.5%", want: Reserve{Percent: 2.5}},
		"negative":               {in: "-1", wantErr: true},
		"unknown unit":           {in: "12XB", wantErr: true},
		"percentage too large":   {in: "100%", wantErr: true},
		"overflow":               {in: "9999999999TiB", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseReserve(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseReserve(%q) error %v, want error %v", tc.in, err, tc.wantErr)
			}
			if err == nil && got != tc.want {
				t.Fatalf("ParseReserve(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestReserveBytes(t *testing.T) {
	def := Reserve{Default: true}
	if got := def.bytes(10 << 30); got != 10<<30/100 {
		t.Errorf("default reserve of 10 GiB = %d, want 1%%", got)
	}
	if got := def.bytes(1 << 40); got != DefaultMinFreeBytes {
		t.Errorf("default reserve of 1 TiB = %d, want the 256 MiB cap", got)
	}
	if got := def.bytes(1 << 30); got != DefaultMinFreeFloor {
		t.Errorf("default reserve of 1 GiB = %d, want the 16 MiB floor", got)
	}
	if got := def.bytes(32 << 20); got != 8<<20 {
		t.Errorf("default reserve of 32 MiB = %d, want a quarter", got)
	}
	if got := (Reserve{Percent: 5}).bytes(1 << 30); got != 1<<30/20 {
		t.Errorf("5%% of 1 GiB = %d", got)
	}
	if got := (Reserve{Percent: 5}).bytes(1000); got != MinReserveBytes {
		t.Errorf("5%% of 1000 bytes = %d, want the 1 MiB floor", got)
	}
	if got := (Reserve{Bytes: 7}).bytes(1000); got != 7 {
		t.Errorf("fixed reserve = %d", got)
	}
}

// fakeSpace is a file system whose free space the test sets, counting
// statfs calls.
type fakeSpace struct {
	sp    Space
	err   error
	calls int
}

func (f *fakeSpace) stat(string) (Space, error) { f.calls++; return f.sp, f.err }

func newTestGuard(r Reserve, fs *fakeSpace) (*spaceGuard, *time.Time) {
	now := time.Unix(1000, 0)
	g := newSpaceGuard("/data", r)
	g.stat = fs.stat
	g.now = func() time.Time { return now }
	return g, &now
}

func TestSpaceGuard(t *testing.T) {
	t.Run("refuses a write that would eat into the reserve", func(t *testing.T) {
		fs := &fakeSpace{sp: Space{Free: 100, Total: 1000}}
		g, _ := newTestGuard(Reserve{Bytes: 40}, fs)
		if err := g.check(60); err != nil {
			t.Fatalf("60 of 100 free above a 40 reserve: %v", err)
		}
		if err := g.check(1); !errors.Is(err, ErrNoSpace) {
			t.Fatalf("one more byte: %v, want ErrNoSpace", err)
		}
		if got := g.refused.Load(); got != 1 {
			t.Fatalf("refused = %d, want 1", got)
		}
	})
	t.Run("accepted writes are charged against the cached statfs", func(t *testing.T) {
		fs := &fakeSpace{sp: Space{Free: 1000, Total: 1000}}
		g, _ := newTestGuard(Reserve{Bytes: 100}, fs)
		n := 0
		for g.check(10) == nil {
			n++
		}
		if n != 90 {
			t.Fatalf("accepted %d writes of 10 bytes in 1000 free above 100, want 90", n)
		}
		if fs.calls != 1 {
			t.Fatalf("%d statfs calls within the TTL, want 1", fs.calls)
		}
	})
	t.Run("unknown sizes count as zero; an empty write fits exactly at the reserve", func(t *testing.T) {
		fs := &fakeSpace{sp: Space{Free: 100, Total: 1000}}
		g, _ := newTestGuard(Reserve{Bytes: 100}, fs)
		if err := g.check(-1); err != nil {
			t.Fatal(err)
		}
		fs.sp.Free = 99
		g.invalidate()
		if err := g.check(0); !errors.Is(err, ErrNoSpace) {
			t.Fatalf("below the reserve: %v, want ErrNoSpace", err)
		}
	})
	t.Run("freed space is seen after the TTL or an invalidate", func(t *testing.T) {
		fs := &fakeSpace{sp: Space{Free: 10, Total: 1000}}
		g, now := newTestGuard(Reserve{Bytes: 50}, fs)
		if err := g.check(1); !errors.Is(err, ErrNoSpace) {
			t.Fatalf("full: %v", err)
		}
		fs.sp.Free = 500
		if err := g.check(1); !errors.Is(err, ErrNoSpace) {
			t.Fatalf("within the TTL the cached statfs holds: %v", err)
		}
		*now = now.Add(spaceTTL)
		if err := g.check(1); err != nil {
			t.Fatalf("after the TTL: %v", err)
		}
		if fs.calls != 2 {
			t.Fatalf("%d statfs calls, want 2", fs.calls)
		}
		fs.sp.Free = 0
		g.invalidate()
		if err := g.check(1); !errors.Is(err, ErrNoSpace) {
			t.Fatalf("after invalidate: %v", err)
		}
	})
	t.Run("a percentage reserve follows the file system size", func(t *testing.T) {
		fs := &fakeSpace{sp: Space{Free: 150 << 20, Total: 10000 << 20}}
		g, _ := newTestGuard(Reserve{Percent: 1}, fs)
		if err := g.check(50 << 20); err != nil {
			t.Fatal(err)
		}
		if err := g.check(1); !errors.Is(err, ErrNoSpace) {
			t.Fatalf("%v, want ErrNoSpace", err)
		}
	})
	t.Run("a statfs failure lets the write through", func(t *testing.T) {
		fs := &fakeSpace{err: errors.New("statfs: boom")}
		g, _ := newTestGuard(Reserve{Bytes: 50}, fs)
		if err := g.check(1 << 40); err != nil {
			t.Fatal(err)
		}
	})
}
