package consensus

import (
	"errors"

	"github.com/hashicorp/raft"
)

// ErrClosed is returned by proposers after Close.
var ErrClosed = errors.New("consensus: proposer closed")

// IndexedFSM is the state machine both proposers drive (singlenode.Proposer
// and Raft): a raft.BatchingFSM that
// remembers the index of the last entry it applied durably.
type IndexedFSM interface {
	raft.BatchingFSM
	AppliedIndex() uint64
}
