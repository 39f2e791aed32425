package apply

import (
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/koss-io/koss/storage/internal/meta/internal/schema"
	"github.com/koss-io/koss/storage/internal/meta/record"
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

// putPlacement stores p and keeps the underrep index in step.
func putPlacement(place, under *bolt.Bucket, p *record.Placement) error {
	id := []byte(p.Blob)
	if err := place.Put(id, record.EncodePlacement(p)); err != nil {
		return err
	}
	if p.UnderReplicated() {
		return under.Put(id, nil)
	}
	return under.Delete(id)
}

// place records the replica list of a blob segment that just got its first
// reference.
func (a *Applier) place(s *record.Segment) {
	if s.Inline() || len(s.Replicas) == 0 {
		return
	}
	p := record.Placement{Blob: s.Blob, Size: s.Size, CRC64: s.CRC64, Replicas: slices.Clone(s.Replicas)}
	must(putPlacement(a.tx.Bucket(schema.BucketPlace), a.tx.Bucket(schema.BucketUnder), &p))
}

// unplace forgets a blob that lost its last reference.
func (a *Applier) unplace(id []byte) {
	must(a.tx.Bucket(schema.BucketPlace).Delete(id))
	must(a.tx.Bucket(schema.BucketUnder).Delete(id))
}

func (a *Applier) updateReplicas(c *record.UpdateReplicas) *record.Result {
	if c.Blob == "" || !validReplicas(c.Replicas) {
		return reject(record.CodeInvalidArgument)
	}
	place := a.tx.Bucket(schema.BucketPlace)
	v := place.Get([]byte(c.Blob))
	if v == nil {
		return reject(record.CodeObjectNotFound)
	}
	p, err := record.DecodePlacement(c.Blob, v)
	must(err)
	if !sameSet(p.Replicas, c.Expect) {
		return reject(record.CodePreconditionFailed)
	}
	p.Replicas = slices.Clone(c.Replicas)
	must(putPlacement(place, a.tx.Bucket(schema.BucketUnder), &p))
	return &record.Result{}
}
