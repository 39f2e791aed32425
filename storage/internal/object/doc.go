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
// # Blob lifetime
//
// The state machine lists blobs whose last reference went away as garbage;
// the collector (CollectGarbage, run by Start's loop every GCInterval and
// soon after deletes) deletes their files. The orphan sweeper
// (SweepOrphans, every SweepInterval) deletes blobs no record refers to that
// are older than SweepGrace: leftovers of writes that crashed or timed out.
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
