package object

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
