package object

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/meta"
)

// repairTimeout bounds one copy made by a repair.
const repairTimeout = 10 * time.Minute

// memberLoop keeps the member view fresh and starts a full placement pass
// when the set of voters changes.
func (s *Store) memberLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.MemberRefresh)
	defer t.Stop()
	var last string
	for {
		if nodes, err := s.members.update(ctx); err == nil {
			var ids []string
			for _, n := range voters(nodes) {
				ids = append(ids, n.ID)
			}
			sort.Strings(ids)
			if key := strings.Join(ids, ","); key != last {
				if last != "" {
					s.lg.Info("Voting members changed; re-checking blob placement", "voters", key)
					s.kickRescan()
				}
				last = key
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Store) kickRescan() {
	select {
	case s.repl.rescan <- struct{}{}:
	default:
	}
}

// repairLoop runs repair passes on the leader: over the under-replicated
// blobs every RepairInterval, over every blob every RescanInterval and soon
// after the voters change.
func (s *Store) repairLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.RepairInterval)
	defer t.Stop()
	lastFull := time.Now()
	for {
		full := false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			full = time.Since(lastFull) >= s.cfg.RescanInterval
		case <-s.repl.rescan:
			full = true
		}
		if !s.cluster.IsLeader() {
			continue
		}
		if full {
			lastFull = time.Now()
		}
		if _, err := s.RepairPass(ctx, !full, ""); err != nil && ctx.Err() == nil {
			s.lg.Warn("Blob repair pass failed", "err", err)
		}
	}
}

const repairBatch = 256

// RepairPass checks the placement of blobs (only the under-replicated ones
// with underOnly) and copies each blob that has fewer than
// meta.ReplicationFactor copies on current voters to other live voters,
// then records the new replica list. A node named in without is treated as
// gone (draining it). It returns how many blobs still lack copies (or
// still have one on without). Only the leader should run it: two repairers
// are safe (UpdateReplicas is a compare-and-set) but wasteful.
func (s *Store) RepairPass(ctx context.Context, underOnly bool, without string) (int64, error) {
	pr, ok := s.meta.(placementReader)
	if s.cluster == nil || !ok {
		return 0, nil
	}
	if err := s.barrier(ctx); err != nil {
		return 0, err
	}
	nodes, err := s.members.get(ctx)
	if err != nil {
		return 0, err
	}
	var remaining int64
	after := ""
	for {
		batch, err := pr.Placements(after, repairBatch, underOnly)
		if err != nil {
			return remaining, err
		}
		if len(batch) == 0 {
			return remaining, nil
		}
		for _, p := range batch {
			if err := ctx.Err(); err != nil {
				return remaining, err
			}
			if !s.repairPlacement(ctx, p, nodes, without) {
				remaining++
			}
		}
		after = batch[len(batch)-1].Blob
	}
}

// repairPlacement brings one blob to meta.ReplicationFactor copies on
// voters other than without, if enough live voters exist. It reports
// whether the blob is now fully placed.
func (s *Store) repairPlacement(ctx context.Context, p meta.Placement, nodes []Node, without string) bool {
	members := byID(nodes)
	var have []string // current replicas on voters
	var sources []string
	for _, id := range p.Replicas {
		n, ok := members[id]
		if !ok || !n.Voter || id == without {
			continue
		}
		have = append(have, id)
		if n.Alive {
			sources = append(sources, n.Addr)
		}
	}
	if len(have) >= meta.ReplicationFactor && len(have) == len(p.Replicas) {
		return true
	}
	if len(sources) == 0 {
		s.lg.Warn("No live copy to repair a blob from", "blob", p.Blob, "replicas", p.Replicas)
		return false
	}
	var cands []Node
	for _, n := range voters(nodes) {
		if n.Alive && n.ID != without && !slices.Contains(have, n.ID) && !s.members.isDown(n.ID) {
			cands = append(cands, n)
		}
	}
	cands = rank(p.Blob, cands)
	next := slices.Clone(have)
	for _, n := range cands {
		if len(next) >= meta.ReplicationFactor {
			break
		}
		if err := s.copyTo(ctx, n, p, sources); err != nil {
			s.repl.repairFailures.Add(1)
			s.lg.Warn("Copying a blob to a new replica failed", "blob", p.Blob, "node", n.ID, "err", err)
			continue
		}
		s.repl.repairs.Add(1)
		next = append(next, n.ID)
	}
	if len(next) == 0 || sameIDs(next, p.Replicas) {
		return len(next) >= meta.ReplicationFactor
	}
	r, err := s.apply(ctx, &meta.UpdateReplicas{Blob: p.Blob, Expect: p.Replicas, Replicas: next})
	switch {
	case err != nil:
		s.lg.Warn("Recording new replicas failed", "blob", p.Blob, "err", err)
		return false
	case r.Code == meta.CodeObjectNotFound:
		return true // deleted meanwhile; the copies are garbage now
	case r.Code != meta.CodeOK:
		s.lg.Info("Replica list changed during repair; next pass retries", "blob", p.Blob, "code", r.Code)
		return false
	}
	s.lg.Info("Repaired blob placement", "blob", p.Blob, "from", p.Replicas, "to", next)
	return len(next) >= meta.ReplicationFactor
}

func sameIDs(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// copyTo makes node n hold blob p, copied from sources (peer addresses).
func (s *Store) copyTo(ctx context.Context, n Node, p meta.Placement, sources []string) error {
	ctx, cancel := context.WithTimeout(ctx, repairTimeout)
	defer cancel()
	if n.ID == s.cluster.Self() {
		_, err := s.peers.Fetch(ctx, s.blobs, p.Blob, sources, p.Size, p.CRC64)
		return err
	}
	return s.peers.Pull(ctx, n.Addr, p.Blob, sources, p.Size, p.CRC64)
}

// repairCopies rewrites, in the background, the copies of seg's blob that
// the nodes in bad were found to lack or hold damaged, from the other
// replicas. Repairs of the same copy do not overlap.
func (s *Store) repairCopies(seg meta.Segment, bad []string) {
	for _, id := range bad {
		if !slices.Contains(seg.Replicas, id) {
			continue // not meant to hold it
		}
		key := seg.Blob + "/" + id
		s.repl.mu.Lock()
		busy := s.repl.repairing[key]
		if !busy {
			s.repl.repairing[key] = true
		}
		s.repl.mu.Unlock()
		if busy {
			continue
		}
		started := s.repl.goBackground(func(ctx context.Context) {
			defer func() {
				s.repl.mu.Lock()
				delete(s.repl.repairing, key)
				s.repl.mu.Unlock()
			}()
			select {
			case s.repl.sem <- struct{}{}:
				defer func() { <-s.repl.sem }()
			case <-ctx.Done():
				return
			}
			if err := s.repairCopy(ctx, seg, id); err != nil {
				s.repl.repairFailures.Add(1)
				s.lg.Warn("Repairing a damaged replica failed", "blob", seg.Blob, "node", id, "err", err)
				return
			}
			s.repl.repairs.Add(1)
			s.lg.Info("Repaired a damaged replica", "blob", seg.Blob, "node", id)
		})
		if !started {
			s.repl.mu.Lock()
			delete(s.repl.repairing, key)
			s.repl.mu.Unlock()
		}
	}
}

// repairCopy rewrites node id's copy of seg's blob from the other replicas.
func (s *Store) repairCopy(ctx context.Context, seg meta.Segment, id string) error {
	nodes, err := s.members.get(ctx)
	if err != nil {
		return err
	}
	members := byID(nodes)
	target, ok := members[id]
	if !ok {
		return fmt.Errorf("node %s is no longer a member", id)
	}
	var sources []string
	for _, r := range seg.Replicas {
		if n, ok := members[r]; ok && r != id && n.Alive {
			sources = append(sources, n.Addr)
		}
	}
	if len(sources) == 0 {
		return errors.New("no other live replica")
	}
	return s.copyTo(ctx, target, meta.Placement{Blob: seg.Blob, Size: seg.Size, CRC64: seg.CRC64, Replicas: seg.Replicas}, sources)
}

// scrubLoop verifies the local blobs every ScrubInterval.
func (s *Store) scrubLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.ScrubInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.Scrub(ctx); err != nil && ctx.Err() == nil {
			s.lg.Warn("Scrub failed", "err", err)
		}
	}
}

// ScrubResult summarises a Scrub.
type ScrubResult struct {
	blob.ScrubResult
	// Missing counts blobs placed on this node that it did not have.
	Missing int
	// Repaired counts the copies rewritten from other replicas.
	Repaired int
}

// Scrub verifies every local blob at ScrubRate (block CRCs, MD5, CRC-64)
// and checks that this node has every blob the metadata places on it;
// damaged or missing copies of referenced blobs are rewritten from other
// replicas. Unreferenced damaged blobs are left to the sweeper.
func (s *Store) Scrub(ctx context.Context) (ScrubResult, error) {
	var res ScrubResult
	pr, ok := s.meta.(placementReader)
	if s.cluster == nil || !ok {
		r, err := blob.VerifyAll(ctx, s.blobs, blob.ScrubOptions{BytesPerSecond: s.cfg.ScrubRate})
		res.ScrubResult = r
		return res, err
	}
	var bad []string
	r, err := blob.VerifyAll(ctx, s.blobs, blob.ScrubOptions{
		BytesPerSecond: s.cfg.ScrubRate,
		Report:         func(id string, _ error) { bad = append(bad, id) },
	})
	res.ScrubResult = r
	s.repl.scrubbed.Add(uint64(r.Checked))
	s.repl.scrubCorrupt.Add(uint64(r.Corrupt))
	if err != nil {
		return res, err
	}
	self := s.cluster.Self()
	fix := func(p meta.Placement) {
		seg := meta.Segment{Blob: p.Blob, Size: p.Size, CRC64: p.CRC64, Replicas: p.Replicas}
		if err := s.repairCopy(ctx, seg, self); err != nil {
			s.repl.repairFailures.Add(1)
			s.lg.Warn("Scrub could not repair a local copy", "blob", p.Blob, "err", err)
			return
		}
		s.repl.repairs.Add(1)
		res.Repaired++
	}
	for _, id := range bad {
		p, found, err := pr.GetPlacement(id)
		if err != nil {
			return res, err
		}
		if found && slices.Contains(p.Replicas, self) {
			s.lg.Error("Scrub found a damaged local copy", "blob", id)
			fix(p)
		}
	}
	// Blobs placed here that are missing (a lost file or disk).
	after := ""
	for {
		batch, err := pr.Placements(after, repairBatch, false)
		if err != nil || len(batch) == 0 {
			return res, err
		}
		for _, p := range batch {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			if !slices.Contains(p.Replicas, self) {
				continue
			}
			if _, err := s.blobs.Stat(p.Blob); errors.Is(err, blob.ErrNotFound) {
				res.Missing++
				s.lg.Error("Scrub found a blob placed here missing", "blob", p.Blob)
				fix(p)
			}
		}
		after = batch[len(batch)-1].Blob
	}
}

// Drain re-places every blob with a copy on node id onto other voters and
// returns how many still have one there (0: the node can be removed
// without losing a copy).
func (s *Store) Drain(ctx context.Context, id string) (int64, error) {
	if s.cluster == nil {
		return 0, nil
	}
	return s.RepairPass(ctx, false, id)
}
