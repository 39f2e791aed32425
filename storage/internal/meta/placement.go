package meta

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	"github.com/koss-io/koss/storage/internal/meta/internal/schema"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

// Blob placement as the reads and Restore see it: which nodes hold each
// blob. Apply keeps the placement table and its underrep index from the
// commands' replica lists (see meta/internal/apply, placement.go).

// rebuildUnderReplicated recomputes the underrep index from the placement
// table (after a restore, which carries only the table).
func rebuildUnderReplicated(tx *bolt.Tx) error {
	if err := tx.DeleteBucket(schema.BucketUnder); err != nil {
		return err
	}
	under, err := tx.CreateBucket(schema.BucketUnder)
	if err != nil {
		return err
	}
	return tx.Bucket(schema.BucketPlace).ForEach(func(k, v []byte) error {
		p, err := record.DecodePlacement(string(k), v)
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
func fillReplicas(tx *bolt.Tx, o *record.Object) error {
	place := tx.Bucket(schema.BucketPlace)
	for i := range o.Segments {
		s := &o.Segments[i]
		if s.Inline() {
			continue
		}
		v := place.Get([]byte(s.Blob))
		if v == nil {
			continue
		}
		p, err := record.DecodePlacement(s.Blob, v)
		if err != nil {
			return err
		}
		s.Replicas = p.Replicas
	}
	return nil
}

// GetPlacement returns where a blob is stored, and false when the placement
// table has no entry for it (unreferenced, or written without placement).
func (f *FSM) GetPlacement(id string) (record.Placement, bool, error) {
	var p record.Placement
	found := false
	err := f.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(schema.BucketPlace).Get([]byte(id))
		if v == nil {
			return nil
		}
		var err error
		p, err = record.DecodePlacement(id, v)
		found = err == nil
		return err
	})
	return p, found, err
}

// Placements returns up to max placement entries with blob ids strictly
// after after, in id order. With underOnly it returns only those with fewer
// than ReplicationFactor replicas.
func (f *FSM) Placements(after string, max int, underOnly bool) ([]record.Placement, error) {
	var out []record.Placement
	err := f.view(func(tx *bolt.Tx) error {
		place := tx.Bucket(schema.BucketPlace)
		idx := place
		if underOnly {
			idx = tx.Bucket(schema.BucketUnder)
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
			p, err := record.DecodePlacement(string(k), v)
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
		return tx.Bucket(schema.BucketPlace).ForEach(func(k, v []byte) error {
			p, err := record.DecodePlacement(string(k), v)
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
		n = int64(tx.Bucket(schema.BucketUnder).Stats().KeyN)
		return nil
	})
	return n, err
}
