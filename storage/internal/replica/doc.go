// Package replica keeps the data of objects: where each blob's copies go,
// writing them, reading them back, repairing, scrubbing and finally
// deleting them. The object layer (package object) calls it for bytes and
// keeps to object semantics; the metadata state machine (package meta)
// records which nodes hold each blob.
//
// Every copy, this node's or another node's, is a blob.Replica: the local
// disk (*blob.Disk) and a peer across the network (peer.Remote) implement
// the same two methods, Create and ReadRange, so the write fan-out, the
// read failover and repair never ask which side of the network a copy is
// on (Set.replicaOn picks the one or the other, once).
//
// Without Config.Cluster (a single node) every blob has one copy, on the
// local disk, and Set.Write and Set.Open go straight to it.
//
// # In a Region
//
// With Config.Cluster set, every blob lives on up to
// meta.ReplicationFactor (3) voting members, named in the metadata
// (meta.Placement):
//
//   - Placement: this node first when it votes (its copy needs no network),
//     then the other voters ranked by rendezvous hashing of the blob id over
//     node ids, live ones first.
//   - Write: the body is read once, in 256 KiB chunks queued to every
//     replica at once, each of which fsyncs (blob.Replica.Create) and
//     answers with size, MD5 and CRC-64. The body is also hashed once, here
//     (package bodydigest): every replica records that MD5 instead of computing its
//     own and checks the CRC-64 against its own, so MD5, the dearest CPU of
//     a write, is spent once and not three times. A replica whose queue
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
//     replica (ReadRange, whose every byte is verified against a block
//     checksum, across the network too), failing over to the next replica
//     from the same offset when a copy is missing, corrupt, unreachable or
//     cut off. Copies found missing or corrupt are rewritten in the
//     background from a good one (read repair).
//   - Repair loop (leader only, every RepairInterval): copies each
//     under-replicated blob to live voters that lack it (read from a good
//     copy, checked against the metadata's size and CRC-64, created on the
//     new replica with the source's MD5 as the expected digest), then
//     proposes meta.UpdateReplicas, a compare-and-set. Every
//     RescanInterval, and soon after the voters change, it checks every
//     blob, which also re-places copies held by removed members; Drain does
//     the same for a member about to be removed.
//   - Scrubber (every node, every ScrubInterval at ScrubRate): verifies
//     every local blob and that every blob placed on this node is there;
//     damaged or missing copies are rewritten from other replicas.
//
// # Blob lifetime
//
// The state machine lists blobs whose last reference went away as garbage;
// the collector (CollectGarbage, every GCInterval and soon after deletes,
// KickGC) deletes their files. The orphan sweeper (SweepOrphans, every
// SweepInterval) deletes blobs no record refers to that are older than
// SweepGrace: leftovers of writes that crashed or timed out, including the
// copies peers stored for writes that never committed. It waits for a read
// barrier first, so that a lagging node has applied every commit that
// could refer to its blobs. Neither touches a blob this node is still
// writing (in flight until Written.Release) or reading (Pin). Both delete
// at most DeleteRate blobs per second.
//
// # Lifecycle
//
// Set.Start runs every loop, and the background repairs reads ask for, in
// the node's background.Group; stopping the group stops them all.
package replica
