package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/koss-io/koss/storage/internal/consensus"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/peer"
)

// The codec gate keeps a command out of the raft log until every member
// can read it. A node applies every committed entry, and one whose code is
// older than an entry's codec version stops rather than diverge
// (record.Decode). During a rolling upgrade the upgraded pods would
// otherwise accept a request that needs a new command type (a bucket
// setting added in the new release, say) while older pods still run: the
// older ones would stop, one after the other, and the Region would lose
// its quorum in the middle of the rollout. With the gate such a request
// fails with 503 (nothing was proposed, so a retry is safe) until the last
// member runs the new code, and every request the old code could serve
// keeps working throughout (Encode writes the lowest version a command
// needs).
//
// Every node serves its codec version on the peer port and asks the other
// members for theirs every codecRefresh. A member that cannot be reached
// keeps the version it last reported (it will apply the log when it
// returns); one never heard from counts as this node's own version, so a
// member being down does not block writes. A member that answers 404 runs
// code from before this endpoint: codec version 8 at most (the version
// that was current when it was added), which is what it is taken to be.

// pathCodec answers this node's record.CodecVersion.
const pathCodec = "/-/peer/v1/codec"

// codecBeforeReport is the version taken for a member without pathCodec.
const codecBeforeReport = 8

// codecRefresh is how often the other members' versions are asked for.
const codecRefresh = 5 * time.Second

// codecReport is the body of pathCodec.
type codecReport struct {
	Codec int `json:"codec"`
}

// serveCodec registers pathCodec on p.
func serveCodec(p *peer.Server) {
	p.HandleFunc("GET "+pathCodec, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(codecReport{Codec: record.CodecVersion})
	})
}

// codecGate is an object.Proposer over raft that refuses commands newer
// than the oldest member's codec.
type codecGate struct {
	raft interface {
		Propose(ctx context.Context, cmd []byte) (any, error)
		Barrier(ctx context.Context) error
		PeerAddresses(ctx context.Context) ([]string, error)
	}
	// ask returns the codec version of the member at a peer address.
	ask func(ctx context.Context, addr string) (int, error)
	log *slog.Logger

	// oldest is the lowest codec version among the members as last seen.
	oldest atomic.Uint32

	mu    sync.Mutex
	known map[string]int // peer address -> last reported version
}

func newCodecGate(r *consensus.Raft, c *peer.Client, log *slog.Logger) *codecGate {
	g := &codecGate{raft: r, ask: func(ctx context.Context, addr string) (int, error) { return askCodec(ctx, c, addr) }, log: log, known: map[string]int{}}
	g.oldest.Store(record.CodecVersion)
	return g
}

// errOlderMember means a command was not proposed because a member runs
// older code that could not apply it. It wraps consensus.ErrNoQuorum, which
// callers already treat as "not now, retry".
type errOlderMember struct{ need, oldest int }

func (e errOlderMember) Error() string {
	return fmt.Sprintf("the request needs metadata codec version %d, but a member of the Region runs older kossd (version %d): it is refused until every member is upgraded", e.need, e.oldest)
}

func (e errOlderMember) Unwrap() error { return consensus.ErrNoQuorum }

// Propose refuses cmd when its codec version ([type][version]...) is
// above the oldest member's, and proposes it otherwise.
func (g *codecGate) Propose(ctx context.Context, cmd []byte) (any, error) {
	if len(cmd) >= 2 {
		if need, oldest := int(cmd[1]), int(g.oldest.Load()); need > oldest {
			return nil, errOlderMember{need: need, oldest: oldest}
		}
	}
	return g.raft.Propose(ctx, cmd)
}

// Barrier is the raft barrier.
func (g *codecGate) Barrier(ctx context.Context) error { return g.raft.Barrier(ctx) }

// run refreshes the members' versions until ctx ends.
func (g *codecGate) run(ctx context.Context) {
	t := time.NewTicker(codecRefresh)
	defer t.Stop()
	for {
		g.refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refresh asks every other member for its version and recomputes oldest.
func (g *codecGate) refresh(ctx context.Context) {
	addrs, err := g.raft.PeerAddresses(ctx)
	if err != nil {
		return
	}
	versions := make([]int, len(addrs))
	var wg sync.WaitGroup
	for i, addr := range addrs {
		wg.Go(func() {
			cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			v, err := g.ask(cctx, addr)
			g.mu.Lock()
			defer g.mu.Unlock()
			if err == nil {
				g.known[addr] = v
			} else if last, ok := g.known[addr]; ok {
				v = last
			} else {
				v = record.CodecVersion
			}
			versions[i] = v
		})
	}
	wg.Wait()
	oldest := record.CodecVersion
	for _, v := range versions {
		oldest = min(oldest, v)
	}
	if prev := int(g.oldest.Swap(uint32(oldest))); prev != oldest {
		g.log.Info("Oldest metadata codec among the members changed", "from", prev, "to", oldest, "self", record.CodecVersion)
	}
}

// askCodec returns the codec version of the member at addr.
func askCodec(ctx context.Context, c *peer.Client, addr string) (int, error) {
	resp, err := c.Do(ctx, http.MethodGet, addr, pathCodec, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if err != nil {
		return 0, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return codecBeforeReport, nil
	default:
		return 0, fmt.Errorf("%s answered %s for its codec version", addr, resp.Status)
	}
	var r codecReport
	if err := json.Unmarshal(body, &r); err != nil || r.Codec < 1 {
		return 0, fmt.Errorf("%s sent a bad codec report %s", addr, strconv.Quote(string(body)))
	}
	return r.Codec, nil
}
