package meta

import (
	"bytes"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Blob placement: which nodes hold each blob.
//
// The writer of a blob stores it on up to ReplicationFactor nodes and names
// them in the command's segment (Segment.Replicas). When that command adds
// the first reference to the blob, Apply records the list once, in the
// placement table, keyed by blob id, and indexes the entry in underrep when
// the list is shorter than ReplicationFactor. UpdateReplicas (proposed by
// the repair loop once it has copied a blob to another node, or re-placed it
// away from a removed node) replaces the list. When the last reference goes
// away the entry goes with it. The lists come from commands only, never
// from the applying node, so Apply stays deterministic.

// ReplicationFactor is how many nodes should hold each blob.
const ReplicationFactor = 3

// Placement is where one blob is stored.
type Placement struct {
	Blob     string
	Size     int64
	CRC64    uint64
	Replicas []string // node ids
}

// UnderReplicated reports whether fewer than ReplicationFactor nodes hold
// the blob.
func (p Placement) UnderReplicated() bool { return len(p.Replicas) < ReplicationFactor }

// UpdateReplicas replaces the replica list of a blob, provided it still
// equals Expect (as a set): two repairers racing cannot undo each other's
// work. A blob no object refers to any more is rejected with
// CodeObjectNotFound, a changed list with CodePreconditionFailed.
type UpdateReplicas struct {
	Blob     string
	Expect   []string
	Replicas []string
}

// Type implements Command.
func (*UpdateReplicas) Type() CommandType { return CmdUpdateReplicas }

func (*UpdateReplicas) codecVersion() uint8 { return 2 }

func (c *UpdateReplicas) encode(e *encoder) {
	e.str(c.Blob)
	e.strs(c.Expect)
	e.strs(c.Replicas)
}

func (c *UpdateReplicas) decode(d *decoder) {
	c.Blob = d.str()
	c.Expect = d.strs()
	c.Replicas = d.strs()
}

func segmentsVersion(segs []Segment) uint8 {
	for i := range segs {
		if !segs[i].Inline() && len(segs[i].Replicas) > 0 {
			return 2
		}
	}
	return 1
}

func (c *PutObject) codecVersion() uint8 { return segmentsVersion(c.Object.Segments) }

func (c *AppendObject) codecVersion() uint8 { return segmentsVersion([]Segment{c.Segment}) }

// validReplicas reports whether ids is a usable replica list: at least one
// id, none empty, no duplicates.
func validReplicas(ids []string) bool {
	if len(ids) == 0 {
		return false
	}
	for i, id := range ids {
		if id == "" || slices.Contains(ids[:i], id) {
			return false
		}
	}
	return true
}

// sameSet reports whether a and b hold the same ids.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func encodePlacement(p *Placement) []byte {
	e := encoder{}
	e.u8(recordVersion)
	e.varint(p.Size)
	e.u64(p.CRC64)
	e.strs(p.Replicas)
	return e.b
}

func decodePlacement(id, v []byte) (Placement, error) {
	d := decoder{b: v}
	if d.u8() != recordVersion {
		return Placement{}, fmt.Errorf("meta: placement %s: unknown record version", id)
	}
	p := Placement{Blob: string(id), Size: d.varint(), CRC64: d.u64(), Replicas: d.strs()}
	if err := d.done(); err != nil {
		return Placement{}, fmt.Errorf("meta: placement %s: %w", id, err)
	}
	return p, nil
}

// putPlacement stores p and keeps the underrep index in step.
func putPlacement(place, under *bolt.Bucket, p *Placement) error {
	id := []byte(p.Blob)
	if err := place.Put(id, encodePlacement(p)); err != nil {
		return err
	}
	if p.UnderReplicated() {
		return under.Put(id, nil)
	}
	return under.Delete(id)
}

// place records the replica list of a blob segment that just got its first
// reference.
func (a *applier) place(s *Segment) {
	if s.Inline() || len(s.Replicas) == 0 {
		return
	}
	p := Placement{Blob: s.Blob, Size: s.Size, CRC64: s.CRC64, Replicas: slices.Clone(s.Replicas)}
	must(putPlacement(a.tx.Bucket(bucketPlace), a.tx.Bucket(bucketUnder), &p))
}

// unplace forgets a blob that lost its last reference.
func (a *applier) unplace(id []byte) {
	must(a.tx.Bucket(bucketPlace).Delete(id))
	must(a.tx.Bucket(bucketUnder).Delete(id))
}

func (a *applier) updateReplicas(c *UpdateReplicas) *Result {
	if c.Blob == "" || !validReplicas(c.Replicas) {
		return reject(CodeInvalidArgument)
	}
	place := a.tx.Bucket(bucketPlace)
	v := place.Get([]byte(c.Blob))
	if v == nil {
		return reject(CodeObjectNotFound)
	}
	p, err := decodePlacement([]byte(c.Blob), v)
	must(err)
	if !sameSet(p.Replicas, c.Expect) {
		return reject(CodePreconditionFailed)
	}
	p.Replicas = slices.Clone(c.Replicas)
	must(putPlacement(place, a.tx.Bucket(bucketUnder), &p))
	return &Result{}
}

// rebuildUnderReplicated recomputes the underrep index from the placement
// table (after a restore, which carries only the table).
func rebuildUnderReplicated(tx *bolt.Tx) error {
	if err := tx.DeleteBucket(bucketUnder); err != nil {
		return err
	}
	under, err := tx.CreateBucket(bucketUnder)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketPlace).ForEach(func(k, v []byte) error {
		p, err := decodePlacement(k, v)
		if err != nil {
			return err
		}
		if p.UnderReplicated() {
			return under.Put(k, nil)
		}
		return nil
	})
}

// fillReplicas sets the replica lists of o's blob segments from the
// placement table.
func fillReplicas(tx *bolt.Tx, o *Object) error {
	place := tx.Bucket(bucketPlace)
	for i := range o.Segments {
		s := &o.Segments[i]
		if s.Inline() {
			continue
		}
		v := place.Get([]byte(s.Blob))
		if v == nil {
			continue
		}
		p, err := decodePlacement([]byte(s.Blob), v)
		if err != nil {
			return err
		}
		s.Replicas = p.Replicas
	}
	return nil
}

// GetPlacement returns where a blob is stored, and false when the placement
// table has no entry for it (unreferenced, or written without placement).
func (f *FSM) GetPlacement(id string) (Placement, bool, error) {
	var p Placement
	found := false
	err := f.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPlace).Get([]byte(id))
		if v == nil {
			return nil
		}
		var err error
		p, err = decodePlacement([]byte(id), v)
		found = err == nil
		return err
	})
	return p, found, err
}

// Placements returns up to max placement entries with blob ids strictly
// after after, in id order. With underOnly it returns only those with fewer
// than ReplicationFactor replicas.
func (f *FSM) Placements(after string, max int, underOnly bool) ([]Placement, error) {
	var out []Placement
	err := f.view(func(tx *bolt.Tx) error {
		place := tx.Bucket(bucketPlace)
		idx := place
		if underOnly {
			idx = tx.Bucket(bucketUnder)
		}
		c := idx.Cursor()
		k, _ := c.Seek([]byte(after))
		if k != nil && bytes.Equal(k, []byte(after)) {
			k, _ = c.Next()
		}
		for ; k != nil && len(out) < max; k, _ = c.Next() {
			v := place.Get(k)
			if v == nil {
				continue
			}
			p, err := decodePlacement(k, v)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// BytesPerNode sums, for every node named in a replica list, the sizes of
// the blobs placed on it: how much object data each node is meant to hold
// (objects small enough to ride in the raft log are on every node and are
// not counted).
func (f *FSM) BytesPerNode() (map[string]int64, error) {
	out := map[string]int64{}
	err := f.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPlace).ForEach(func(k, v []byte) error {
			p, err := decodePlacement(k, v)
			if err != nil {
				return err
			}
			for _, n := range p.Replicas {
				out[n] += p.Size
			}
			return nil
		})
	})
	return out, err
}

// UnderReplicatedCount returns how many blobs have fewer than
// ReplicationFactor replicas.
func (f *FSM) UnderReplicatedCount() (int64, error) {
	var n int64
	err := f.view(func(tx *bolt.Tx) error {
		n = int64(tx.Bucket(bucketUnder).Stats().KeyN)
		return nil
	})
	return n, err
}
