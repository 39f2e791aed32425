package meta

import (
	bolt "go.etcd.io/bbolt"

	"github.com/koss-io/koss/storage/internal/meta/internal/schema"
)

// Blob reference bookkeeping for the object layer's collector and sweeper.
// Apply moves a blob to the node-local garbage list when the last segment
// referring to it goes away; the collector deletes the file, then calls
// ForgetGarbage. These methods never run inside Apply.

// RefCounts returns, for each blob id, how many object segments refer to it.
func (f *FSM) RefCounts(ids []string) ([]uint64, error) {
	out := make([]uint64, len(ids))
	err := f.view(func(tx *bolt.Tx) error {
		refs := tx.Bucket(schema.BucketRefs)
		for i, id := range ids {
			out[i] = schema.DecodeRefCount(refs.Get([]byte(id)))
		}
		return nil
	})
	return out, err
}

// Garbage returns up to max blob ids that no object refers to any more, in
// id order.
func (f *FSM) Garbage(max int) ([]string, error) {
	var out []string
	err := f.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(schema.BucketGarbage).Cursor()
		for k, _ := c.First(); k != nil && len(out) < max; k, _ = c.Next() {
			out = append(out, string(k))
		}
		return nil
	})
	return out, err
}

// ForgetGarbage removes ids from the garbage list once their files are gone.
// It touches only node-local state, so it needs no consensus.
func (f *FSM) ForgetGarbage(ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return f.update(func(tx *bolt.Tx) error {
		g := tx.Bucket(schema.BucketGarbage)
		for _, id := range ids {
			if err := g.Delete([]byte(id)); err != nil {
				return err
			}
		}
		return nil
	})
}
