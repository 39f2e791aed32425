package replica

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/blob"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

// repairTimeout bounds one copy made by a repair.
const repairTimeout = 10 * time.Minute

// memberLoop keeps the member view fresh and starts a full placement pass
// when the set of voters changes.
func (s *Set) memberLoop(ctx context.Context) {
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

func (s *Set) kickRescan() {
	select {
	case s.rescan <- struct{}{}:
	default:
	}
}

// repairLoop runs repair passes on the leader: over the under-replicated
// blobs every RepairInterval, over every blob every RescanInterval and soon
// after the voters change.
func (s *Set) repairLoop(ctx context.Context) {
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
		case <-s.rescan:
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
func (s *Set) RepairPass(ctx context.Context, underOnly bool, without string) (int64, error) {
	if s.cluster == nil {
		return 0, nil
	}
	if err := s.prop.Barrier(ctx); err != nil {
		return 0, fmt.Errorf("%w: read barrier: %w", ErrUnavailable, err)
	}
	nodes, err := s.members.get(ctx)
	if err != nil {
		return 0, err
	}
	var remaining int64
	after := ""
	for {
		batch, err := s.meta.Placements(after, repairBatch, underOnly)
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
func (s *Set) repairPlacement(ctx context.Context, p record.Placement, nodes []Node, without string) bool {
	members := byID(nodes)
	var have []string // current replicas on voters
	var sources []Node
	for _, id := range p.Replicas {
		n, ok := members[id]
		if !ok || !n.Voter || id == without {
			continue
		}
		have = append(have, id)
		if n.Alive {
			sources = append(sources, n)
		}
	}
	if len(have) >= record.ReplicationFactor && len(have) == len(p.Replicas) {
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
		if len(next) >= record.ReplicationFactor {
			break
		}
		if err := s.copyTo(ctx, n, p, sources); err != nil {
			s.stats.repairFailures.Add(1)
			s.lg.Warn("Copying a blob to a new replica failed", "blob", p.Blob, "node", n.ID, "err", err)
			continue
		}
		s.stats.repairs.Add(1)
		next = append(next, n.ID)
	}
	if len(next) == 0 || sameIDs(next, p.Replicas) {
		return len(next) >= record.ReplicationFactor
	}
	r, err := s.propose(ctx, &record.UpdateReplicas{Blob: p.Blob, Expect: p.Replicas, Replicas: next})
	switch {
	case err != nil:
		s.lg.Warn("Recording new replicas failed", "blob", p.Blob, "err", err)
		return false
	case r.Code == record.CodeObjectNotFound:
		return true // deleted meanwhile; the copies are garbage now
	case r.Code != record.CodeOK:
		s.lg.Info("Replica list changed during repair; next pass retries", "blob", p.Blob, "code", r.Code)
		return false
	}
	s.lg.Info("Repaired blob placement", "blob", p.Blob, "from", p.Replicas, "to", next)
	return len(next) >= record.ReplicationFactor
}

func sameIDs(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// copyTo makes node n hold blob p, copied from the first of sources that
// has a good copy: read from it and created on n, through the same
// blob.Replica interface whichever of them is this node.
func (s *Set) copyTo(ctx context.Context, n Node, p record.Placement, sources []Node) error {
	ctx, cancel := context.WithTimeout(ctx, repairTimeout)
	defer cancel()
	var errs []error
	for _, src := range sources {
		err := s.copyFrom(ctx, src, n, p)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		errs = append(errs, fmt.Errorf("from %s: %w", src.ID, err))
	}
	return fmt.Errorf("%w: no source could provide blob %s: %w", ErrUnavailable, p.Blob, errors.Join(errs...))
}

// copyFrom copies blob p from src to dst. The copy is checked against the
// metadata's size and CRC-64 before a byte moves, and dst refuses content
// whose MD5 differs from the source's, so nothing unverified is kept.
func (s *Set) copyFrom(ctx context.Context, src, dst Node, p record.Placement) error {
	rc, info, err := s.replicaOn(src).ReadRange(ctx, p.Blob, 0, p.Size)
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	if info.Size != p.Size || info.CRC64 != p.CRC64 {
		return fmt.Errorf("%w: the copy has %d bytes and CRC-64 %d, want %d and %d", blob.ErrCorrupt, info.Size, info.CRC64, p.Size, p.CRC64)
	}
	got, err := s.replicaOn(dst).Create(ctx, p.Blob, rc, blob.CreateOptions{Size: p.Size, MD5: info.MD5[:]})
	if err != nil {
		return err
	}
	if got.CRC64 != p.CRC64 {
		// The MD5 matched, so this cannot happen short of a bug; the
		// scrubber of dst will find the copy.
		return fmt.Errorf("%w: the new copy has CRC-64 %d, want %d", blob.ErrCorrupt, got.CRC64, p.CRC64)
	}
	return nil
}

// repairCopies rewrites, in the background, the copies of seg's blob that
// the nodes in bad were found to lack or hold damaged, from the other
// replicas. Repairs of the same copy do not overlap.
func (s *Set) repairCopies(seg record.Segment, bad []string) {
	for _, id := range bad {
		if !slices.Contains(seg.Replicas, id) {
			continue // not meant to hold it
		}
		key := seg.Blob + "/" + id
		s.repairMu.Lock()
		busy := s.repairing[key]
		if !busy {
			s.repairing[key] = true
		}
		s.repairMu.Unlock()
		if busy {
			continue
		}
		started := s.goBackground(func(ctx context.Context) {
			defer func() {
				s.repairMu.Lock()
				delete(s.repairing, key)
				s.repairMu.Unlock()
			}()
			select {
			case s.repairSem <- struct{}{}:
				defer func() { <-s.repairSem }()
			case <-ctx.Done():
				return
			}
			if err := s.repairCopy(ctx, seg, id); err != nil {
				s.stats.repairFailures.Add(1)
				s.lg.Warn("Repairing a damaged replica failed", "blob", seg.Blob, "node", id, "err", err)
				return
			}
			s.stats.repairs.Add(1)
			s.lg.Info("Repaired a damaged replica", "blob", seg.Blob, "node", id)
		})
		if !started {
			s.repairMu.Lock()
			delete(s.repairing, key)
			s.repairMu.Unlock()
		}
	}
}

// repairCopy rewrites node id's copy of seg's blob from the other replicas.
func (s *Set) repairCopy(ctx context.Context, seg record.Segment, id string) error {
	nodes, err := s.members.get(ctx)
	if err != nil {
		return err
	}
	members := byID(nodes)
	target, ok := members[id]
	if !ok {
		return fmt.Errorf("node %s is no longer a member", id)
	}
	var sources []Node
	for _, r := range seg.Replicas {
		if n, ok := members[r]; ok && r != id && n.Alive {
			sources = append(sources, n)
		}
	}
	if len(sources) == 0 {
		return errors.New("no other live replica")
	}
	return s.copyTo(ctx, target, record.Placement{Blob: seg.Blob, Size: seg.Size, CRC64: seg.CRC64, Replicas: seg.Replicas}, sources)
}

// scrubLoop verifies the local blobs every ScrubInterval.
func (s *Set) scrubLoop(ctx context.Context) {
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
func (s *Set) Scrub(ctx context.Context) (ScrubResult, error) {
	var res ScrubResult
	if s.cluster == nil {
		r, err := blob.VerifyAll(ctx, s.local, blob.ScrubOptions{BytesPerSecond: s.cfg.ScrubRate})
		res.ScrubResult = r
		s.stats.scrubbed.Add(uint64(r.Checked))
		s.stats.scrubCorrupt.Add(uint64(r.Corrupt))
		return res, err
	}
	var bad []string
	r, err := blob.VerifyAll(ctx, s.local, blob.ScrubOptions{
		BytesPerSecond: s.cfg.ScrubRate,
		Report:         func(id string, _ error) { bad = append(bad, id) },
	})
	res.ScrubResult = r
	s.stats.scrubbed.Add(uint64(r.Checked))
	s.stats.scrubCorrupt.Add(uint64(r.Corrupt))
	if err != nil {
		return res, err
	}
	self := s.cluster.Self()
	fix := func(p record.Placement) {
		seg := record.Segment{Blob: p.Blob, Size: p.Size, CRC64: p.CRC64, Replicas: p.Replicas}
		if err := s.repairCopy(ctx, seg, self); err != nil {
			s.stats.repairFailures.Add(1)
			s.lg.Warn("Scrub could not repair a local copy", "blob", p.Blob, "err", err)
			return
		}
		s.stats.repairs.Add(1)
		res.Repaired++
	}
	for _, id := range bad {
		p, found, err := s.meta.GetPlacement(id)
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
		batch, err := s.meta.Placements(after, repairBatch, false)
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
			if _, err := s.local.Stat(p.Blob); errors.Is(err, blob.ErrNotFound) {
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
func (s *Set) Drain(ctx context.Context, id string) (int64, error) {
	if s.cluster == nil {
		return 0, nil
	}
	return s.RepairPass(ctx, false, id)
}
