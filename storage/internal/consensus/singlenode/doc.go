// Package singlenode is the proposer of a node that runs alone: the log is
// the sequence of Propose calls, committed as soon as the state machine has
// applied them, with log indexes that continue from the state machine's
// stored applied index after a restart. It has the two methods the object
// layer needs of any proposer (Propose and Barrier), as package
// consensus's Raft does.
//
// Proposer batches concurrent proposals (group commit): while one batch is
// being applied and committed (one bbolt transaction, one fsync), new
// proposals queue up and form the next batch. Each command is still applied
// on its own, in order, deterministically; only the fsync is shared. A
// proposal returns after its batch is durable.
package singlenode
