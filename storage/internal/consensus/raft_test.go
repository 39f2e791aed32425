package consensus

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"github.com/hashicorp/raft-wal/migrate"

	"github.com/koss-io/koss/storage/internal/consensus/hcslog"
	"github.com/koss-io/koss/storage/internal/consensus/raftlog"
	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

func TestRaftReplicatesAndForwards(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.waitLeader()

	// A proposal on every node, followers forwarding to the leader.
	for _, id := range c.order {
		res := c.mustOK(id, createBucket("b-"+id))
		if res.Bucket == nil || res.Bucket.Name != "b-"+id {
			t.Fatalf("result from %s lost its bucket: %+v", id, res)
		}
	}
	// Read-your-writes on every node after a barrier.
	for _, id := range c.order {
		for _, b := range c.order {
			if err := c.readBucket(id, "b-"+b); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A domain rejection crosses the wire as a result, not an error.
	f := c.followers(leader)[0]
	res := c.propose(f, record.Encode(&record.CreateBucket{Name: "b-" + leader, Created: 2, Owner: "someone-else"}))
	if res.Code != record.CodeBucketExists {
		t.Fatalf("conflicting create via follower: code %d, want CodeBucketExists", res.Code)
	}

	// Concurrent writers on all nodes; every write visible everywhere.
	const writers, each = 6, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		id := c.order[w%len(c.order)]
		r := c.node(id).raft
		wg.Go(func() {
			for i := range each {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				v, err := r.Propose(ctx, putInline("b-"+leader, fmt.Sprintf("k-%d-%d", w, i), "data"))
				cancel()
				if err != nil {
					errs <- err
					continue
				}
				if res := v.(*record.Result); res.Code != record.CodeOK || res.Object == nil || res.Object.Size != 4 {
					errs <- fmt.Errorf("put on %s: %+v", id, res)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, id := range c.order {
		nd := c.node(id)
		if err := nd.raft.Barrier(context.Background()); err != nil {
			t.Fatal(err)
		}
		list, err := nd.fsm.ListObjects("b-"+leader, meta.ListOptions{MaxKeys: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Objects) != writers*each {
			t.Fatalf("%s lists %d objects after a barrier, want %d", id, len(list.Objects), writers*each)
		}
	}

	// Status from a follower sees all three members and who leads.
	st, err := c.node(f).raft.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.ID != f || st.LeaderID != leader || len(st.Members) != 3 {
		t.Fatalf("status: %+v", st)
	}
	leaders := 0
	for _, m := range st.Members {
		if m.Suffrage != "Voter" || m.State == StateUnreachable || m.AppliedIndex == 0 {
			t.Fatalf("member %+v", m)
		}
		if m.State == "Leader" {
			leaders++
		}
	}
	if leaders != 1 {
		t.Fatalf("%d members report Leader", leaders)
	}
	for _, id := range c.order {
		if err := c.node(id).raft.Ready(); err != nil {
			t.Fatalf("%s not ready: %v", id, err)
		}
	}
}

func TestRaftLeaderFailoverAndRestart(t *testing.T) {
	c := newCluster(t, 3, nil)
	old := c.waitLeader()
	c.mustOK(old, createBucket("before"))

	c.stop(old)
	rest := c.followers(old)
	leader := c.waitLeader(rest...)
	if leader == old {
		t.Fatalf("stopped node %s still leads", old)
	}
	for _, id := range rest {
		c.mustOK(id, createBucket("during-"+id))
	}

	// The old leader restarts on its directories (its initial cluster is
	// ignored now that it has state) and catches up.
	c.start(old, c.initial)
	eventually(t, 30*time.Second, func() error {
		for _, id := range rest {
			if err := c.readBucket(old, "during-"+id); err != nil {
				return err
			}
		}
		return c.readBucket(old, "before")
	})
	// And its proposals work again.
	c.mustOK(old, createBucket("after"))
	for _, id := range c.order {
		if err := c.readBucket(id, "after"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRaftWholeClusterRestart(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.waitLeader()
	c.mustOK(leader, createBucket("kept"))
	for _, id := range c.order {
		c.stop(id)
	}
	for _, id := range c.order {
		c.start(id, nil) // no initial cluster needed: they have state
	}
	c.waitLeader()
	for _, id := range c.order {
		if err := c.readBucket(id, "kept"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRaftMinorityRefuses(t *testing.T) {
	for _, which := range []string{"leader", "follower"} {
		t.Run(which, func(t *testing.T) {
			c := newCluster(t, 3, nil)
			leader := c.waitLeader()
			c.mustOK(leader, createBucket("b"))
			// Warm up the forwarding and read paths of every node.
			for _, id := range c.order {
				if err := c.readBucket(id, "b"); err != nil {
					t.Fatal(err)
				}
			}
			cut := leader
			if which == "follower" {
				cut = c.followers(leader)[0]
			}
			var majority []string
			for _, id := range c.order {
				if id != cut {
					majority = append(majority, id)
				}
			}
			c.net.Isolate(cut)
			// An isolated leader may still serve reads on its lease (see
			// "Leases" in the package doc: no other leader can be elected
			// before it ends); once it has ended it must refuse them.
			time.Sleep(testRaftConfig().LeaseDuration())

			// The isolated node refuses writes and linearizable reads
			// with ErrNoQuorum, within its request timeout.
			limit := testRaftConfig().RequestTimeout + 3*time.Second
			r := c.node(cut).raft
			for name, op := range map[string]func(context.Context) error{
				"propose": func(ctx context.Context) error {
					_, err := r.Propose(ctx, createBucket("minority"))
					return err
				},
				"barrier": r.Barrier,
			} {
				start := time.Now()
				err := op(context.Background())
				if !errors.Is(err, ErrNoQuorum) {
					t.Fatalf("%s on the isolated node: %v, want ErrNoQuorum", name, err)
				}
				d := time.Since(start)
				if d > limit {
					t.Fatalf("%s on the isolated node took %s, limit %s", name, d, limit)
				}
				t.Logf("%s on the isolated %s refused after %s: %v", name, which, d.Round(time.Millisecond), err)
			}
			// A caller's shorter deadline wins and is reported as such.
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			if err := r.Barrier(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("barrier with a short deadline: %v", err)
			}
			cancel()

			// The majority carries on.
			newLeader := c.waitLeader(majority...)
			for _, id := range majority {
				c.mustOK(id, createBucket("majority-"+id))
			}
			_ = newLeader

			// After healing, the isolated node converges; the write it
			// was refused either committed or not, but nothing is lost.
			c.net.Heal()
			eventually(t, 30*time.Second, func() error {
				for _, id := range majority {
					if err := c.readBucket(cut, "majority-"+id); err != nil {
						return err
					}
				}
				return nil
			})
			c.mustOK(cut, createBucket("healed"))
			for _, id := range c.order {
				if err := c.readBucket(id, "healed"); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestRaftMembership(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.waitLeader()
	c.mustOK(leader, createBucket("b0"))

	// Two new nodes start empty, outside the initial cluster.
	for _, id := range []string{"n4", "n5"} {
		c.reserve(id)
		c.start(id, nil)
		if err := c.node(id).raft.Ready(); err == nil {
			t.Fatalf("%s is ready before being added", id)
		}
	}
	ctx := context.Background()
	f := c.followers(leader)[0]
	if err := c.node(f).raft.AddVoter(ctx, "n4", c.nodes["n4"].addr); err != nil {
		t.Fatalf("add n4 via follower: %v", err)
	}
	if err := c.node(leader).raft.AddVoter(ctx, "n5", c.nodes["n5"].addr); err != nil {
		t.Fatalf("add n5 via leader: %v", err)
	}
	// Adding again is a no-op; a bad address or a taken one is refused.
	if err := c.node(f).raft.AddVoter(ctx, "n5", c.nodes["n5"].addr); err != nil {
		t.Fatalf("re-add n5: %v", err)
	}
	if err := c.node(f).raft.AddVoter(ctx, "n6", "no-port"); !errors.Is(err, ErrBadMember) {
		t.Fatalf("bad address: %v", err)
	}
	if err := c.node(f).raft.AddVoter(ctx, "n6", c.nodes["n5"].addr); !errors.Is(err, ErrBadMember) {
		t.Fatalf("taken address: %v", err)
	}
	for _, id := range []string{"n4", "n5"} {
		eventually(t, 30*time.Second, func() error {
			if err := c.node(id).raft.Ready(); err != nil {
				return err
			}
			return c.readBucket(id, "b0")
		})
	}
	c.mustOK("n5", createBucket("b5"))
	voters(t, c, "n5", "n1", "n2", "n3", "n4", "n5")

	// The leader removes itself: leadership moves first, then the new
	// leader removes it.
	if err := c.node(leader).raft.RemoveServer(ctx, leader); err != nil {
		t.Fatalf("leader removes itself: %v", err)
	}
	var rest []string
	for _, id := range c.order {
		if id != leader {
			rest = append(rest, id)
		}
	}
	c.waitLeader(rest...)
	voters(t, c, rest[0], rest...)
	c.mustOK(rest[0], createBucket("without-"+leader))

	// Added back, it catches up.
	if err := c.node("n4").raft.AddVoter(ctx, leader, c.nodes[leader].addr); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error { return c.readBucket(leader, "without-"+leader) })

	// Back to three: remove n4 through n5 and n5 through an original node.
	if err := c.node("n5").raft.RemoveServer(ctx, "n4"); err != nil {
		t.Fatal(err)
	}
	if err := c.node("n1").raft.RemoveServer(ctx, "n5"); err != nil {
		t.Fatal(err)
	}
	if err := c.node("n1").raft.RemoveServer(ctx, "n5"); err != nil {
		t.Fatalf("removing an absent member: %v", err)
	}
	c.stop("n4")
	c.stop("n5")
	l := c.waitLeader("n1", "n2", "n3")
	voters(t, c, l, "n1", "n2", "n3")
	c.mustOK("n2", createBucket("three-again"))
	for _, id := range []string{"n1", "n2", "n3"} {
		if err := c.readBucket(id, "three-again"); err != nil {
			t.Fatal(err)
		}
	}
}

// voters checks the configuration as node at sees it.
func voters(t *testing.T, c *testCluster, at string, want ...string) {
	t.Helper()
	eventually(t, 30*time.Second, func() error {
		st, err := c.node(at).raft.Status(context.Background())
		if err != nil {
			return err
		}
		var got []string
		for _, m := range st.Members {
			if m.Suffrage == "Voter" {
				got = append(got, m.ID)
			}
		}
		if strings.Join(sortedCopy(got), ",") != strings.Join(sortedCopy(want), ",") {
			return fmt.Errorf("voters %v, want %v", got, want)
		}
		return nil
	})
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func TestRaftSnapshotCatchUp(t *testing.T) {
	c := newCluster(t, 3, func(rc *RaftConfig) {
		rc.SnapshotThreshold = 16
		rc.TrailingLogs = 4
		rc.SnapshotInterval = 200 * time.Millisecond
	})
	leader := c.waitLeader()
	c.mustOK(leader, createBucket("snap"))
	for i := range 60 {
		c.mustOK(c.order[i%3], putInline("snap", fmt.Sprintf("k%03d", i), "v"))
	}
	// Wait for the leader to snapshot and compact its log.
	eventually(t, 30*time.Second, func() error {
		entries, _ := os.ReadDir(filepath.Join(c.nodes[leader].dir, "raft", "snapshots"))
		if len(entries) == 0 {
			return errors.New("no snapshot yet")
		}
		first, err := c.node(leader).raft.logs.FirstIndex()
		if err != nil || first <= 1 {
			return fmt.Errorf("log not compacted (first index %d): %w", first, err)
		}
		return nil
	})
	// A new node can only catch up from the snapshot.
	c.reserve("n4")
	c.start("n4", nil)
	if err := c.node(leader).raft.AddVoter(context.Background(), "n4", c.nodes["n4"].addr); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() error { return c.readBucket("n4", "snap") })
	nd := c.node("n4")
	list, err := nd.fsm.ListObjects("snap", meta.ListOptions{MaxKeys: 1000})
	if err != nil || len(list.Objects) != 60 {
		t.Fatalf("n4 lists %d objects (%v), want 60", len(list.Objects), err)
	}
	// A restarted node with snapshots on disk keeps its state.
	f := c.followers(leader)[0]
	c.stop(f)
	c.start(f, nil)
	eventually(t, 30*time.Second, func() error { return c.readBucket(f, "snap") })
	list, err = c.node(f).fsm.ListObjects("snap", meta.ListOptions{MaxKeys: 1000})
	if err != nil || len(list.Objects) != 60 {
		t.Fatalf("restarted %s lists %d objects (%v), want 60", f, len(list.Objects), err)
	}
}

func TestRaftRefusesStateWithoutLog(t *testing.T) {
	c := newCluster(t, 1, nil)
	c.waitLeader()
	c.mustOK("n1", createBucket("b"))
	c.stop("n1")
	// Losing the raft directory but keeping the state machine must not
	// silently start a new log under it.
	if err := os.RemoveAll(filepath.Join(c.nodes["n1"].dir, "raft")); err != nil {
		t.Fatal(err)
	}
	nd := c.nodes["n1"]
	fcfg := meta.DefaultConfig()
	fcfg.Path = filepath.Join(nd.dir, "meta.db")
	fsm, err := meta.New(fcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = fsm.Close() }()
	p := c.startPeerOnly("n1")
	defer func() { _ = p.Close() }()
	rcfg := testRaftConfig()
	rcfg.NodeID, rcfg.Dir, rcfg.Peer, rcfg.FSM, rcfg.Codec = "n1", filepath.Join(nd.dir, "raft"), p, fsm, record.ResultCodec{}
	rcfg.InitialCluster = c.initial
	if r, err := NewRaft(rcfg); !errors.Is(err, ErrStateMismatch) {
		if r != nil {
			_ = r.Close()
		}
		t.Fatalf("NewRaft over a state machine without its log: %v, want ErrStateMismatch", err)
	}
}

func TestRaftSingleNode(t *testing.T) {
	c := newCluster(t, 1, nil)
	c.waitLeader()
	c.mustOK("n1", createBucket("solo"))
	if err := c.readBucket("n1", "solo"); err != nil {
		t.Fatal(err)
	}
	st, err := c.node("n1").raft.Status(context.Background())
	if err != nil || st.State != raft.Leader.String() || len(st.Members) != 1 {
		t.Fatalf("status %+v, %v", st, err)
	}
	// Removing the only voter is refused, not a dead cluster.
	if err := c.node("n1").raft.RemoveServer(context.Background(), "n1"); !errors.Is(err, ErrBadMember) {
		t.Fatalf("removing the last voter: %v, want ErrBadMember", err)
	}
}

func TestRaftClosed(t *testing.T) {
	c := newCluster(t, 1, nil)
	c.waitLeader()
	r := c.node("n1").raft
	_ = r.Close()
	if _, err := r.Propose(context.Background(), createBucket("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("propose after close: %v", err)
	}
	if err := r.Barrier(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("barrier after close: %v", err)
	}
	if err := r.Ready(); !errors.Is(err, ErrClosed) {
		t.Fatalf("ready after close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

func TestParseInitialCluster(t *testing.T) {
	tests := map[string]struct {
		in   string
		want []Peer
		ok   bool
	}{
		"three":        {in: "a=10.0.0.1:9001,b=10.0.0.2:9001, c = host-c:9001", want: []Peer{{"a", "10.0.0.1:9001"}, {"b", "10.0.0.2:9001"}, {"c", "host-c:9001"}}, ok: true},
		"one":          {in: "solo=127.0.0.1:9001", want: []Peer{{"solo", "127.0.0.1:9001"}}, ok: true},
		"empty":        {in: ""},
		"no equals":    {in: "a"},
		"no port":      {in: "a=10.0.0.1"},
		"port zero":    {in: "a=10.0.0.1:0"},
		"wildcard":     {in: "a=0.0.0.0:9001"},
		"empty id":     {in: "=10.0.0.1:9001"},
		"dup id":       {in: "a=h1:1,a=h2:1"},
		"dup address":  {in: "a=h1:1,b=h1:1"},
		"trailing sep": {in: "a=h1:1,", want: []Peer{{"a", "h1:1"}}, ok: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseInitialCluster(tc.in)
			if tc.ok != (err == nil) {
				t.Fatalf("err %v, want ok=%v", err, tc.ok)
			}
			if !tc.ok {
				if !errors.Is(err, ErrBadCluster) {
					t.Fatalf("err %v does not wrap ErrBadCluster", err)
				}
				return
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if back, _ := ParseInitialCluster(FormatInitialCluster(got)); fmt.Sprint(back) != fmt.Sprint(got) {
				t.Fatalf("format/parse round trip: %v", back)
			}
		})
	}
}

func TestRaftConfigValidate(t *testing.T) {
	c := newCluster(t, 1, nil)
	nd := c.node("n1")
	good := testRaftConfig()
	good.NodeID, good.Dir, good.Peer, good.FSM, good.Codec = "n1", t.TempDir(), nd.peer, nd.fsm, record.ResultCodec{}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	tests := map[string]func(*RaftConfig){
		"no id":             func(c *RaftConfig) { c.NodeID = "" },
		"no dir":            func(c *RaftConfig) { c.Dir = "" },
		"no peer":           func(c *RaftConfig) { c.Peer = nil },
		"no fsm":            func(c *RaftConfig) { c.FSM = nil },
		"no codec":          func(c *RaftConfig) { c.Codec = nil },
		"lease > heartbeat": func(c *RaftConfig) { c.LeaderLeaseTimeout = 2 * c.HeartbeatTimeout },
		"self elsewhere":    func(c *RaftConfig) { c.InitialCluster = []Peer{{"n1", "10.9.9.9:1"}} },
		"bad cluster":       func(c *RaftConfig) { c.InitialCluster = []Peer{{"n1", "x"}} },
		"no request limit":  func(c *RaftConfig) { c.RequestTimeout = 0 },
	}
	for name, mod := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := good
			mod(&cfg)
			if err := cfg.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestRaftLeaseReads checks the leader lease: with it, back-to-back read
// barriers on the leader (and the ones followers ask it for) confirm
// leadership with a quorum about once per lease, not once per barrier;
// without it, every barrier does. Either way a barrier sees the writes
// acknowledged before it.
func TestRaftLeaseReads(t *testing.T) {
	for _, lease := range []bool{true, false} {
		t.Run(fmt.Sprintf("lease=%v", lease), func(t *testing.T) {
			c := newCluster(t, 3, func(cfg *RaftConfig) { cfg.LeaseReads = lease })
			leader := c.waitLeader()
			f := c.followers(leader)[0]
			c.mustOK(leader, createBucket("seed"))
			lr := c.node(leader).raft
			before := lr.verifications.Load()
			const rounds = 20
			for i := range rounds {
				// A write through the follower, then a barrier on each node:
				// both must see it.
				c.mustOK(f, createBucket(fmt.Sprintf("b-%d", i)))
				for _, id := range []string{leader, f} {
					if err := c.readBucket(id, fmt.Sprintf("b-%d", i)); err != nil {
						t.Fatal(err)
					}
				}
			}
			n := lr.verifications.Load() - before
			if lease && n > rounds/2 {
				t.Fatalf("with the lease, %d barriers confirmed leadership %d times", 2*rounds, n)
			}
			if !lease && n < 2*rounds {
				t.Fatalf("without the lease, %d barriers confirmed leadership only %d times", 2*rounds, n)
			}
		})
	}
}

func TestRaftFollowerReadIndexStream(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.waitLeader()
	f := c.followers(leader)[0]
	lr := c.node(leader).raft
	read := func(i int) {
		t.Helper()
		c.mustOK(leader, createBucket(fmt.Sprintf("b-%d", i)))
		if err := c.readBucket(f, fmt.Sprintf("b-%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	const rounds = 10
	for i := range rounds {
		read(i)
	}
	if s, h := lr.streamRounds.Load(), lr.httpRounds.Load(); s < rounds || h != 0 {
		t.Fatalf("after %d follower barriers the leader answered %d rounds on the stream and %d over HTTP; want >= %d and 0", rounds, s, h, rounds)
	}

	// A leader that does not serve the stream (an older kossd during a
	// rolling upgrade) is asked over HTTP, and the reads stay correct.
	if err := lr.readStream.Close(); err != nil {
		t.Fatal(err)
	}
	c.node(f).raft.readClient.close()
	for i := rounds; i < 2*rounds; i++ {
		read(i)
	}
	if h := lr.httpRounds.Load(); h < rounds {
		t.Fatalf("with the stream refused, the leader answered %d rounds over HTTP, want >= %d", h, rounds)
	}
}

// TestRaftFollowerBarrierNudges checks that a follower's read barrier right
// after a write does not wait for the leader's next empty append: with
// CommitTimeout far longer than the test allows, every barrier ends through
// a nudge, and a leader that refuses nudges (an older kossd) only makes
// barriers wait for CommitTimeout.
func TestRaftFollowerBarrierNudges(t *testing.T) {
	// Empty appends every 3-6 s: a barrier that waited for one would take a
	// second or more with odds of 7 in 9, in each of five rounds.
	const commitTimeout, nudged = 3 * time.Second, time.Second
	c := newCluster(t, 3, func(rc *RaftConfig) {
		rc.CommitTimeout = commitTimeout
		rc.RequestTimeout = 10 * time.Second // outlasts the wait without a nudge
	})
	leader := c.waitLeader()
	f := c.followers(leader)[0]
	lr := c.node(leader).raft
	const rounds = 5
	for i := range rounds {
		c.mustOK(leader, createBucket(fmt.Sprintf("n-%d", i)))
		start := time.Now()
		if err := c.readBucket(f, fmt.Sprintf("n-%d", i)); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took >= nudged {
			t.Fatalf("barrier %d on a follower after a write took %s (CommitTimeout %s): no nudge ended it", i, took, commitTimeout)
		}
	}
	if n := lr.nudges.Load(); n == 0 {
		t.Fatalf("the leader was asked for no nudge in %d follower barriers after writes", rounds)
	}

	// Without nudges the barrier still ends, at the next empty append.
	c.node(f).raft.askNudge.send = func(context.Context, uint64) error { return errors.New("refused") }
	c.mustOK(leader, createBucket("n-refused"))
	if err := c.readBucket(f, "n-refused"); err != nil {
		t.Fatal(err)
	}
}

// TestRaftRebuildsAStoreLostWithItsMachine checks the other half of the
// state machine's deferred sync: a member whose store was not closed when
// its machine stopped (so the store may be torn) discards it at start, and
// raft rebuilds it from the member's own snapshot and the log after it.
// What must never happen: an entry committed before the stop missing
// afterwards, or the member refusing to start.
func TestRaftRebuildsAStoreLostWithItsMachine(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.waitLeader()
	f := c.followers(leader)[0]
	c.mustOK(leader, createBucket("torn"))
	c.putThroughEveryNode(f, "torn", "a", 10)
	// Part of the state in f's snapshot, the rest only in the log after it.
	if err := c.node(f).raft.raft.Snapshot().Error(); err != nil {
		t.Fatalf("snapshot on %s: %v", f, err)
	}
	c.putThroughEveryNode(f, "torn", "b", 10)
	c.stop(f)

	// The machine stopped with the store unsynced: its marker names an
	// earlier boot, and the file holds no tree.
	path := filepath.Join(c.nodes[f].dir, "meta.db")
	if err := os.WriteFile(path+".unsynced", []byte("an-earlier-boot\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("torn"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.start(f, nil)
	eventually(t, 30*time.Second, func() error { return c.readBucket(f, "torn") })
	list, err := c.node(f).fsm.ListObjects("torn", meta.ListOptions{MaxKeys: 1000})
	if err != nil || len(list.Objects) != 20 {
		t.Fatalf("%s rebuilt from its snapshot and log lists %d objects (%v), want 20", f, len(list.Objects), err)
	}
	if !strings.Contains(c.logs.String(), "discarding it so raft rebuilds it") {
		t.Fatal("the torn store was not discarded (no log line says so)")
	}
}

// TestRaftMovesABoltLogToTheWAL checks the upgrade of a member whose raft
// log is still in raft-boltdb (what kossd wrote before the WAL): it starts
// with every entry and its term, and raft.db is gone. What must never
// happen: a committed entry or the member's vote lost in the move.
func TestRaftMovesABoltLogToTheWAL(t *testing.T) {
	c := newCluster(t, 3, nil)
	leader := c.waitLeader()
	f := c.followers(leader)[0]
	c.mustOK(leader, createBucket("moved"))
	c.putThroughEveryNode(f, "moved", "k", 20)
	term := c.node(f).raft.raft.CurrentTerm()
	c.stop(f)

	// Turn f's WAL back into the raft-boltdb store an older kossd left,
	// and drop its state machine so that only the log can rebuild it.
	dir := filepath.Join(c.nodes[f].dir, "raft")
	w, err := raftlog.OpenWAL(filepath.Join(dir, raftlog.Dir), hcslog.New(c.lg, "raft"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := raftboltdb.NewBoltStore(filepath.Join(dir, raftlog.BoltFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.CopyLogs(context.Background(), b, w, 1<<20, nil); err != nil {
		t.Fatal(err)
	}
	if err := raftlog.CopyStable(b, w); err != nil {
		t.Fatal(err)
	}
	entries, _ := b.LastIndex()
	_ = w.Close()
	_ = b.Close()
	if err := os.RemoveAll(filepath.Join(dir, raftlog.Dir)); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(c.nodes[f].dir, "meta.db")); err != nil {
		t.Fatal(err)
	}
	// A move that a crash interrupted is made again.
	if err := os.MkdirAll(filepath.Join(dir, raftlog.MigratingDir), 0o755); err != nil {
		t.Fatal(err)
	}

	c.start(f, nil)
	if _, err := os.Stat(filepath.Join(dir, raftlog.BoltFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("raft.db still there after the move (%v)", err)
	}
	if got := c.node(f).raft.raft.CurrentTerm(); got < term {
		t.Fatalf("term %d after the move, was %d", got, term)
	}
	eventually(t, 30*time.Second, func() error { return c.readBucket(f, "moved") })
	list, err := c.node(f).fsm.ListObjects("moved", meta.ListOptions{MaxKeys: 1000})
	if err != nil || len(list.Objects) != 20 {
		t.Fatalf("%s rebuilt from its moved log (%d entries) lists %d objects (%v), want 20", f, entries, len(list.Objects), err)
	}
	if !strings.Contains(c.logs.String(), "Moved the raft log from raft-boltdb to the WAL") {
		t.Fatal("no log line tells of the move")
	}
}
