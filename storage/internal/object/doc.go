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
// A request's reads share one barrier through its read view (NewReadView):
// the key lookup of authentication, the ACL checks and the read itself.
// The early checks of writes (a missing bucket, an append at the wrong
// position) read locally and take a barrier only to confirm a refusal,
// because the state machine checks again when it applies the command.
// Inline data is checked against its CRC-64; blob data is read through
// the data store (Config.Data), which verifies every block. Damage no copy
// can make up for is ErrChecksumMismatch.
//
// # Data
//
// The bytes of objects above the inline threshold are blobs, kept by
// package replica: on this node's disk, and in a Region on three voters,
// with read failover, repair, scrubbing and the deletion of blobs nothing
// refers to any more. The object layer asks it to write, open, pin and
// discard blobs and knows nothing of where the copies are.
//
// # Errors
//
// The Layer's sentinels (package internal/layer, re-exported in layer.go)
// are what the HTTP layers map to their error codes. Errors of the layers below are wrapped in them by one table
// (lowerErrors in store.go), keeping the cause.
//
// # Packages
//
// The object layer is this package and the leaves below it, each
// knowing nothing of this one:
//
//   - internal/layer: the contract, the Layer and KeyStore interfaces with
//     their values, sentinels, names and limits, and the values' record
//     forms (re-exported here under the same names, layer.go);
//   - multipart: the multipart uploads, embedded in the Store, over their
//     own narrow Store interface, which multipart.go implements for
//     *Store (the barriers, data path and error table stay here);
//   - bucketconfig: a bucket's CORS and lifecycle configuration documents,
//     their checks, CORS matching and record conversion (re-exported here
//     as CORSConfiguration, LifecycleConfiguration and friends);
//   - lifecycle: the pass that carries lifecycle rules out and the leader
//     loop that runs it, over its own narrow Store interface, which
//     lifecyclerun.go implements for *Store (RunLifecycle,
//     StartLifecycle, LifecycleCounts);
//   - segread: the reader that streams a range of an object's segments,
//     used by GetObject and by the MD5 of sequential uploads.
//
// objecttest is the Layer's conformance suite.
//
// # Wiring
//
//	blobs, _ := blob.New(blob.Config{Dir: filepath.Join(data, "blob"), Logger: lg})
//	fsm, _ := meta.New(meta.Config{Path: filepath.Join(data, "meta", "meta.db"), Logger: lg})
//	prop, _ := singlenode.New(singlenode.Config{FSM: fsm, Logger: lg})
//	rcfg := replica.DefaultConfig()
//	rcfg.Local, rcfg.Meta, rcfg.Proposer, rcfg.Logger = blobs, fsm, prop, lg
//	data, _ := replica.New(rcfg)
//	cfg := object.DefaultConfig()
//	cfg.Data, cfg.Meta, cfg.Proposer, cfg.Logger = data, fsm, prop, lg
//	store, _ := object.New(cfg)
//	bg := background.New()
//	data.Start(bg)
//	// ... serve ...
//	bg.Stop(); prop.Close(); fsm.Close(); blobs.Close()
package object
