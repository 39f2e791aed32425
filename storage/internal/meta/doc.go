// Package meta implements the metadata state machine of kossd: buckets,
// objects, access keys and blob reference counts, kept in one bbolt file and
// changed only by applying commands in log order.
//
// # Commands
//
// The commands, the records they write and their encodings are package
// record's (record.Encode, record.Decode); this package applies them, with
// the handlers of package meta/internal/apply. The dispatch table from
// command type to apply function is filled in one place (apply's
// dispatch.go), and start-up fails if a command record can decode has no
// apply function. The FSM implements raft.BatchingFSM, so the single-node
// proposer of package consensus and hashicorp/raft feed it the same way.
//
// Apply is deterministic: handlers read only the transaction and the
// command, never the clock (timestamps are command fields), never random
// numbers, never the network or the blob store. A command that cannot be
// decoded panics — a replica that cannot apply an entry must stop rather
// than diverge. A domain rejection (bucket exists, wrong append position,
// failed copy condition...) is a Result with a Code, not an error, and
// leaves no trace: every handler checks before it writes.
//
// # Storage and durability
//
// The bbolt layout is package meta/internal/schema's. ApplyBatch applies a
// batch of entries in one bbolt read-write transaction and stores the index
// of the last one under meta/applied in the same transaction. bbolt's commit writes the
// dirty pages, fdatasyncs, writes the meta page and fdatasyncs again, so
// when ApplyBatch returns the batch and its applied index are durable
// together; a crash loses either the whole batch or nothing. In single-node
// mode this fsync is the durability of metadata: an acknowledged write is on
// disk. Group commit (many proposals per transaction) keeps this cheap.
//
// Under raft (Config.DeferSync) the commit is not fsynced: the raft log
// already holds every committed entry on a quorum, so the log's fsync is
// the only one on the commit path. A process crash loses nothing bbolt
// wrote (the kernel still has it); a machine that stops may leave the
// file torn, so a marker beside the store names the boot it was opened in
// and goes at a clean Close, and a store whose marker names another boot is
// discarded at open and rebuilt by raft from its snapshot and log (see
// defersync.go).
//
// On restart the applied index is read back. Entries at or below it are
// skipped (CodeSkipped), so replaying a raft log over the persistent state
// is harmless; with hashicorp/raft set NoSnapshotRestoreOnStart (unless the
// store is empty) so that the persistent state is not thrown away for an
// older snapshot at every start.
//
// # Blob references and garbage
//
// Every blob segment of every object record counts as one reference in
// refs/<blob id>; copies share segments and add references. When a count
// reaches zero, Apply moves the id to the garbage bucket. garbage is
// node-local: the object layer's collector deletes the blob file outside
// Apply and then calls ForgetGarbage, without consensus. A blob that is
// being written but whose command has not committed has no reference at
// all; it is the object layer's job (in-flight tracking and a grace period
// in the orphan sweeper) not to delete it.
//
// A command that carries a blob id must be proposed at most once: if a
// re-applied duplicate referred to a blob after its collection, the record
// would point at a missing file. The proposer never retries a command it
// may have committed; the object layer uploads a fresh blob instead.
//
// # Blob placement
//
// In a Region each blob lives on up to ReplicationFactor nodes. The command
// that first refers to a blob names them (Segment.Replicas, codec version
// 2); Apply keeps the list once per blob in the placement table, indexes
// the blobs with fewer than ReplicationFactor replicas (UnderReplicatedCount,
// Placements), and replaces a list only through UpdateReplicas, a
// compare-and-set the repair loop proposes after copying a blob. The table
// is replicated state (a snapshot section); the under-replicated index is
// derived from it. GetObject returns segments with their lists filled in.
//
// # Snapshots
//
// Snapshot captures a bbolt read transaction; Persist streams a logical dump
// of the replicated buckets (format in snapshot.go) with a CRC-32C, so two
// replicas that applied the same log produce byte-identical snapshots.
// Restore builds a new bbolt file beside the live one from the stream,
// fsyncs it, and swaps it in with rename + directory fsync.
//
// # Reads
//
// GetBucket (whose counters are the bucket's stats), ListBuckets,
// GetObject, ListObjects, GetKey and ListKeys read the last committed state
// through bbolt read transactions and may run concurrently with Apply.
// Linearizable reads are the caller's business: wait for the consensus layer's read barrier first.
package meta
