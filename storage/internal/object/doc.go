// Package object implements the object layer of kossd: buckets, objects and
// access keys on top of the blob store and the metadata state machine.
//
// A write streams the body once into immutable blobs (fsynced before anything
// refers to them), then proposes one metadata command that makes the new
// version visible atomically. A crash between the two leaves only an
// unreferenced blob, which the sweeper removes; it never leaves a partial
// object visible.
//
// # Writes
//
// PutObject reads exactly size bytes, computing MD5 and CRC-64/ECMA on the
// way. Objects of at most Config.InlineThreshold bytes (64 KiB by default)
// ride inside the command, so the metadata commit is their only fsync; larger
// ones become one blob (blob.Store.Create: tmp file, fsync, rename, directory
// fsync). A wrong Content-MD5 or a short body fails before anything is
// committed. The command (meta.PutObject) then makes the object visible; the
// write returns after the state machine has applied and committed it.
//
// AppendObject checks the position early (to avoid uploading a doomed body)
// but the state machine decides: it applies the append only if the position
// equals the length at apply time, so of two appenders at one position
// exactly one wins. Each append adds a segment; the state machine keeps the
// whole-object CRC-64 by combining segment CRCs.
//
// CopyObject moves no data: the copy shares the source's segments (blobs are
// immutable and reference-counted by the state machine). Conditions on the
// source and ForbidOverwrite are evaluated at apply time.
//
// # Reads
//
// Reads first wait for the proposer's Barrier, then read the state machine.
// Inline data is checked against its CRC-64; blob data against the blob's
// per-block CRC-32C as it streams. Damage a single node cannot repair is
// ErrChecksumMismatch.
//
// # Replication
//
// With Config.Cluster set (a Region), every blob lives on up to
// meta.ReplicationFactor (3) voting members, named in the metadata
// (meta.Placement):
//
//   - Placement: this node first when it votes (its copy needs no network),
//     then the other voters ranked by rendezvous hashing of the blob id over
//     node ids, live ones first.
//   - Write: the body is read once, in 256 KiB chunks queued to every
//     replica at once — this node's blob store and peers' PUT
//     /-/peer/v1/blobs/{id} — each of which fsyncs (blob.Store.Create) and
//     answers with size, MD5 and CRC-64. A replica whose queue
//     (ReplicaBuffer) stays full for StallTimeout is dropped from the write,
//     so a slow peer cannot stall it for long. The write waits for every
//     answer, but only ReplicaGrace once two copies are durable, and at most
//     ReplicaTimeout. Two durable copies (a majority of three) make the
//     write succeed and the command names exactly the nodes that have one;
//     fewer than three is an under-replicated blob, counted by the state
//     machine. Fewer than two fail the write with ErrUnavailable (503):
//     the local copy is deleted at once, copies on peers are unreferenced
//     and their sweepers delete them.
//   - Read: from this node's copy when it has one, else from another
//     replica (GET with a range, in frames that carry a CRC-32C per block,
//     computed from the peer's verified copy), failing over to the next
//     replica from the same offset when a copy is missing, corrupt,
//     unreachable or cut off. Copies found missing or corrupt are rewritten
//     in the background from a good one (read repair).
//   - Repair loop (leader only, every RepairInterval): copies each
//     under-replicated blob to live voters that lack it (they pull it from a
//     replica and check it against the metadata's size and CRC-64), then
//     proposes meta.UpdateReplicas, a compare-and-set. Every RescanInterval,
//     and soon after the voters change, it checks every blob, which also
//     re-places copies held by removed members; Drain does the same for a
//     member about to be removed.
//   - Scrubber (every node, every ScrubInterval at ScrubRate): verifies
//     every local blob and that every blob placed on this node is there;
//     damaged or missing copies are rewritten from other replicas.
//
// # Blob lifetime
//
// The state machine lists blobs whose last reference went away as garbage;
// the collector (CollectGarbage, run by Start's loop every GCInterval and
// soon after deletes) deletes their files. The orphan sweeper
// (SweepOrphans, every SweepInterval) deletes blobs no record refers to that
// are older than SweepGrace: leftovers of writes that crashed or timed out,
// including the copies peers stored for writes that never committed. It
// waits for a read barrier first, so that a lagging node has applied every
// commit that could refer to its blobs.
// Neither touches a blob this node is still writing (in flight) or reading
// (pinned). Both delete at most DeleteRate blobs per second.
//
// # Wiring
//
//	blobs, _ := blob.New(blob.Config{Dir: filepath.Join(data, "blob"), Logger: lg})
//	fsm, _ := meta.New(meta.Config{Path: filepath.Join(data, "meta", "meta.db"), Logger: lg})
//	prop, _ := consensus.NewLocal(consensus.LocalConfig{FSM: fsm, Logger: lg})
//	cfg := object.DefaultConfig()
//	cfg.Blobs, cfg.Meta, cfg.Proposer, cfg.Logger = blobs, fsm, prop, lg
//	store, _ := object.New(cfg)
//	store.Start()
//	// ... serve ...
//	store.Close(); prop.Close(); fsm.Close(); blobs.Close()
package object
