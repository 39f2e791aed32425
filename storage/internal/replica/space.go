package replica

// spaceChecker is the free-space guard of a local blob store (*blob.Disk).
type spaceChecker interface {
	CheckSpace(n int64) error
}

// CheckSpace returns an error wrapping blob.ErrNoSpace when this node's
// disk has no room for n more bytes above its reserve. The object layer
// calls it before it keeps data in the metadata (inline objects), which
// lives on the same disk; blob writes are checked by each replica's store
// itself, and a replica whose disk is full fails like any other (the write
// succeeds on a quorum of the others and is repaired later). A local store
// without a guard accepts everything.
func (s *Set) CheckSpace(n int64) error {
	if c, ok := s.local.(spaceChecker); ok {
		return c.CheckSpace(n)
	}
	return nil
}
