package replica

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sync"
	"time"
)

// Node is a member of the Region as replication sees it.
type Node struct {
	// ID is the node id (raft server id); replica lists name nodes by it.
	ID string
	// Addr is the node's peer address.
	Addr string
	// Voter is true for voting members; only voters hold blobs.
	Voter bool
	// Alive is false when the member did not answer lately.
	Alive bool
}

// Cluster tells replication who the members of the Region are. A nil
// Config.Cluster means a single node that keeps every blob locally.
type Cluster interface {
	// Self is this node's id.
	Self() string
	// Members lists the members of the latest configuration with their
	// liveness. It may ask every member (and so take a moment); the Set
	// caches its answer.
	Members(ctx context.Context) ([]Node, error)
	// IsLeader reports whether this node leads the Region now; the repair
	// loop runs on the leader only.
	IsLeader() bool
}

// memberView caches Cluster.Members. A background loop refreshes it every
// MemberRefresh; a caller that finds it much older refreshes it itself.
type memberView struct {
	c       Cluster
	refresh time.Duration

	mu    sync.Mutex
	nodes []Node
	at    time.Time
	err   error
	// down remembers nodes our own requests could not reach, until the
	// next refresh says otherwise, so reads try them last.
	down map[string]time.Time
}

func newMemberView(c Cluster, refresh time.Duration) *memberView {
	return &memberView{c: c, refresh: refresh, down: map[string]time.Time{}}
}

// update asks the cluster and stores the answer.
func (v *memberView) update(ctx context.Context) ([]Node, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	nodes, err := v.c.Members(ctx)
	v.mu.Lock()
	defer v.mu.Unlock()
	if err != nil {
		v.err = err
		return v.nodes, err
	}
	now := time.Now()
	v.nodes, v.at, v.err = nodes, now, nil
	for id, t := range v.down {
		if now.Sub(t) > v.refresh {
			delete(v.down, id)
		}
	}
	return nodes, nil
}

// get returns the members, refreshing them first when the cache is stale.
func (v *memberView) get(ctx context.Context) ([]Node, error) {
	v.mu.Lock()
	nodes, at := v.nodes, v.at
	v.mu.Unlock()
	if nodes != nil && time.Since(at) < 5*v.refresh {
		return nodes, nil
	}
	nodes, err := v.update(ctx)
	if nodes != nil {
		return nodes, nil
	}
	if err == nil {
		err = errors.New("no members")
	}
	return nil, fmt.Errorf("%w: cluster members: %w", ErrUnavailable, err)
}

// refreshAtMostEvery refreshes the members unless the cached list is
// younger than d, and returns the list: a read that finds a replica the
// list does not name asks again, but a blob whose placement still names a
// removed member does not make every read of it ask.
func (v *memberView) refreshAtMostEvery(ctx context.Context, d time.Duration) ([]Node, error) {
	v.mu.Lock()
	nodes, at := v.nodes, v.at
	v.mu.Unlock()
	if nodes != nil && time.Since(at) < d {
		return nodes, nil
	}
	return v.update(ctx)
}

// markDown records that a request to node id failed to connect.
func (v *memberView) markDown(id string) {
	v.mu.Lock()
	v.down[id] = time.Now()
	v.mu.Unlock()
}

func (v *memberView) isDown(id string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	_, ok := v.down[id]
	return ok
}

// score is the rendezvous (highest random weight) hash of a blob on a node:
// every node computes the same ranking of nodes for a blob, and adding or
// removing a node moves only the blobs that rank it first.
func score(blobID, nodeID string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(blobID))
	h.Write([]byte{0})
	h.Write([]byte(nodeID))
	x := h.Sum64()
	// splitmix64 finaliser: FNV's low bits mix poorly for similar inputs.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// rank orders candidate nodes for a blob: live ones first, then by
// rendezvous score.
func rank(blobID string, nodes []Node) []Node {
	out := slices.Clone(nodes)
	slices.SortFunc(out, func(a, b Node) int {
		if a.Alive != b.Alive {
			if a.Alive {
				return -1
			}
			return 1
		}
		return cmp.Compare(score(blobID, b.ID), score(blobID, a.ID))
	})
	return out
}

// voters returns the voting members.
func voters(nodes []Node) []Node {
	var out []Node
	for _, n := range nodes {
		if n.Voter {
			out = append(out, n)
		}
	}
	return out
}

// placeNew chooses up to meta.ReplicationFactor voters for a new blob: this
// node first when it votes (its copy costs no network transfer), then the
// others by rank.
func placeNew(blobID, self string, nodes []Node, n int) []Node {
	var out []Node
	var others []Node
	for _, nd := range voters(nodes) {
		if nd.ID == self {
			out = append(out, nd)
		} else {
			others = append(others, nd)
		}
	}
	out = append(out, rank(blobID, others)...)
	return out[:min(n, len(out))]
}

// quorum is how many copies a write needs: a majority of the replication
// factor, or every voter of a smaller cluster.
func quorum(replicationFactor, voterCount int) int {
	return min(replicationFactor/2+1, max(voterCount, 1))
}

// byID indexes nodes by id.
func byID(nodes []Node) map[string]Node {
	m := make(map[string]Node, len(nodes))
	for _, n := range nodes {
		m[n.ID] = n
	}
	return m
}
