package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/koss-io/koss/storage/internal/consensus"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/peer"
)

// fakeRaft records proposals and lists fixed peers.
type fakeRaft struct {
	mu       sync.Mutex
	proposed [][]byte
	peers    []string
}

func (f *fakeRaft) Propose(_ context.Context, cmd []byte) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.proposed = append(f.proposed, cmd)
	return "ok", nil
}
func (f *fakeRaft) Barrier(context.Context) error { return nil }
func (f *fakeRaft) PeerAddresses(context.Context) ([]string, error) {
	return f.peers, nil
}

// TestCodecGate: a command newer than the oldest member's codec is refused
// before it reaches the log (with an error callers treat as "retry"),
// older commands pass; an unreachable member keeps its last version, one
// never heard from does not block, and an upgraded member lifts the gate.
func TestCodecGate(t *testing.T) {
	ctx := context.Background()
	f := &fakeRaft{peers: []string{"a", "b"}}
	versions := map[string]int{"a": record.CodecVersion, "b": record.CodecVersion - 1}
	var down sync.Map
	g := &codecGate{raft: f, log: slog.New(slog.DiscardHandler), known: map[string]int{}}
	g.oldest.Store(record.CodecVersion)
	g.ask = func(_ context.Context, addr string) (int, error) {
		if _, ok := down.Load(addr); ok {
			return 0, errors.New("unreachable")
		}
		return versions[addr], nil
	}
	current := []byte{1, record.CodecVersion, 0xAA}
	older := []byte{1, record.CodecVersion - 1, 0xBB}

	g.refresh(ctx)
	if _, err := g.Propose(ctx, older); err != nil {
		t.Fatalf("a command every member reads: %v", err)
	}
	_, err := g.Propose(ctx, current)
	var om errOlderMember
	if !errors.As(err, &om) || !errors.Is(err, consensus.ErrNoQuorum) || om.oldest != record.CodecVersion-1 {
		t.Fatalf("a command member b cannot read: %v, want errOlderMember wrapping ErrNoQuorum", err)
	}
	if len(f.proposed) != 1 {
		t.Fatalf("%d commands proposed, want only the older one", len(f.proposed))
	}

	// b goes down while still old: it keeps its version.
	down.Store("b", true)
	g.refresh(ctx)
	if _, err := g.Propose(ctx, current); err == nil {
		t.Fatal("the gate opened while the old member was merely unreachable")
	}
	// b comes back upgraded.
	down.Delete("b")
	versions["b"] = record.CodecVersion
	g.refresh(ctx)
	if _, err := g.Propose(ctx, current); err != nil {
		t.Fatalf("after every member was upgraded: %v", err)
	}
	// A new member never heard from does not block writes.
	f.peers = append(f.peers, "c")
	down.Store("c", true)
	g.refresh(ctx)
	if _, err := g.Propose(ctx, current); err != nil {
		t.Fatalf("with a member never heard from: %v", err)
	}
}

// TestAskCodecOverThePeerPort: a node answers its codec version on the
// peer port; a node without the endpoint (older kossd, 404) is taken to
// run codecBeforeReport, which is never above this code's version.
func TestAskCodecOverThePeerPort(t *testing.T) {
	start := func(id string) *peer.Server {
		cfg := peer.DefaultConfig()
		cfg.Listen = "127.0.0.1:0"
		cfg.Secret = peer.DeriveSecret("root secret")
		cfg.NodeID = id
		s, err := peer.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	current, older := start("new"), start("old")
	serveCodec(current)
	ctx := context.Background()
	if v, err := askCodec(ctx, older.Client(), current.Advertise()); err != nil || v != record.CodecVersion {
		t.Fatalf("codec of an up-to-date node = %d, %v; want %d", v, err, record.CodecVersion)
	}
	if v, err := askCodec(ctx, current.Client(), older.Advertise()); err != nil || v != codecBeforeReport {
		t.Fatalf("codec of a node without the endpoint = %d, %v; want %d", v, err, codecBeforeReport)
	}
	if codecBeforeReport > record.CodecVersion {
		t.Fatalf("codecBeforeReport %d is above this code's %d", codecBeforeReport, record.CodecVersion)
	}
}
