// Package consensus orders the commands of the metadata state machine.
//
// Today it has one implementation, Local: a single-node proposer that feeds
// commands to a raft.BatchingFSM in order, with log indexes that continue
// from the state machine's stored applied index after a restart. Issue 3
// adds a hashicorp/raft-backed proposer with the same two methods, Propose
// and Barrier, so the object layer does not change.
//
// Local batches concurrent proposals (group commit): while one batch is
// being applied and committed (one bbolt transaction, one fsync), new
// proposals queue up and form the next batch. Each command is still applied
// on its own, in order, deterministically; only the fsync is shared. A
// proposal returns after its batch is durable.
//
// The package knows nothing of the state machine's command types: it moves
// opaque byte slices and hands back whatever the state machine returns.
package consensus
