// Package consensus orders the commands of the metadata state machine. There
// are two proposers with the same two methods, Propose and Barrier, so the
// object layer does not care which one it has:
//
//   - singlenode.Proposer (package consensus/singlenode), for a node that
//     runs alone.
//   - Raft, for a Region: hashicorp/raft over a hashicorp/raft-wal log and
//     stable store (one fsync per append; a node with an older raft-boltdb
//     store moves it at start, package raftlog) and a file snapshot store in its
//     own directory, talking to the other nodes through the peer port.
//
// The package knows nothing of the state machine's command types: it moves
// opaque byte slices and hands back whatever the state machine returns
// (through a ResultCodec when the result crosses the network).
//
// # Raft
//
// Any node accepts Propose: the leader appends the command to its log
// (raft batches concurrent Applys into one log write), and returns the
// state machine's result once a quorum has it and the leader has applied
// it; a follower forwards the command to the leader (POST
// /-/peer/v1/raft/propose) and returns the leader's result. A command is
// sent again only when the first attempt certainly never reached a
// leader's log (a "not the leader" answer, or a connection that was never
// made); any other failure is returned, because the command may still
// commit.
//
// Barrier implements raft's ReadIndex protocol, in this order: take the
// leader's commit index (after the leader has committed an entry of its own
// term), confirm leadership with a quorum (VerifyLeader), and wait until the
// local state machine has applied that index. A follower asks the leader
// for the index (POST /-/peer/v1/raft/readindex). Concurrent barriers share
// rounds: a caller joins the next round to start, never one already
// running, so a round's index is never older than the caller's call.
// Because raft keeps no-op and barrier entries from the state machine, the
// index waited for is the last command or configuration entry at or below
// the commit index. A follower learns the commit index from the leader's
// appends, and when no write follows one, from the empty append the leader
// sends every CommitTimeout (500 ms, long so that an idle Region stays
// quiet); a follower barrier that has waited 2 ms asks the leader to nudge
// instead (POST /-/peer/v1/raft/nudge), and the leader appends a barrier
// entry whose replication carries the commit index.
//
// # Leases
//
// With RaftConfig.LeaseReads (the default), the leader skips the quorum
// round for LeaseDuration (half the heartbeat timeout) after a round that a
// quorum answered: its commit index alone is the read index. This is safe
// because no other leader can exist yet. Each follower that answered got
// a heartbeat sent after the round began, and hashicorp/raft makes a
// follower wait at least the heartbeat timeout after its last contact
// before it becomes a candidate; while it knows a leader it refuses to
// vote for anyone else. Any quorum that could elect a new leader contains
// one of those followers. The other half of the heartbeat timeout is the
// margin for clocks that run at different rates (not for clocks that
// jump: the lease is measured on the monotonic clock). The lease ends with
// the term, and a leader that hands leadership over (before removing
// itself) revokes it first, since a transfer makes the target stand at
// once. One case the lease cannot exclude: a follower that answered, then
// restarted and lost its leader within the lease, voting at once for a
// third node. Turn LeaseReads off (kossd --lease-reads=false) to confirm
// leadership on every read instead.
//
// Without a leader backed by a quorum, Propose and Barrier fail with an
// error wrapping ErrNoQuorum after RequestTimeout (seconds), so clients get
// 503 rather than hang; a caller's own shorter deadline is reported as
// ctx.Err().
//
// # Membership and restarts
//
// A node with no raft state that is listed in its InitialCluster
// bootstraps with exactly that list (every listed node does the same, and
// raft accepts identical bootstraps). A node with raft state ignores the
// list and rejoins from its stored configuration. A node that is not
// listed waits to be added: AddVoter and RemoveServer run on the leader
// (forwarded from followers); a leader that removes itself hands
// leadership over first. The state machine is durable and skips entries at
// or below its applied index, so raft does not restore a snapshot at start
// (NoSnapshotRestoreOnStart) and replays only the tail of the log. A state
// machine with data but an empty raft directory is refused
// (ErrStateMismatch): a new log under it would have its first commands
// skipped.
//
// Timeouts are in seconds (heartbeat and election 1.5 s, leader lease 1 s)
// so that a slow, shared disk does not make leadership flap.
package consensus
