package object

import "errors"

// ErrStorageFull is returned by every write (PutObject, PostObject,
// AppendObject, UploadPart, CopyObject...) that this node cannot store
// because its disk is full or its free space is below the reserve kept for
// the metadata (blob.ErrNoSpace). Nothing of the write is visible. Reads
// and deletes keep working; deleting objects is how space is freed. In a
// Region a replica whose disk is full fails like any other: the client
// sees ErrStorageFull only when the write could not reach a quorum and
// this node's own disk was among the full ones.
var ErrStorageFull = errors.New("object: not enough free space on the node's disk")

// spaceChecker is the free-space guard of the data store (replica.Set).
type spaceChecker interface {
	CheckSpace(n int64) error
}

// checkSpace refuses, with ErrStorageFull, data of n bytes that would go
// into the metadata (inline) when the node's disk is below its reserve.
func (s *Store) checkSpace(n int64) error {
	c, ok := s.data.(spaceChecker)
	if !ok {
		return nil
	}
	return toLayerErr(c.CheckSpace(n))
}
