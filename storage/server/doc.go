// Package server is the composition root of a kossd node: it opens the
// storage engine in Config.DataDir, puts the OSS REST API (ossapi), the admin
// API (adminhttp, under /-/admin/v1/), health endpoints (/-/healthz,
// /-/readyz) and Prometheus metrics (/-/metrics, on a registry of its own)
// on one listener, and shuts everything down gracefully.
//
//	cfg := server.DefaultConfig()
//	cfg.DataDir = "/var/lib/koss"
//	cfg.RootAccessKeyID, cfg.RootAccessKeySecret = id, secret
//	srv, err := server.New(cfg) // binds cfg.Listen; srv.Addr() is known now
//	...
//	err = srv.Run(ctx)          // serves until ctx ends
//
// Data directory layout: blob/ (the blob store: immutable object data,
// written to a temporary file, fsynced, renamed into place and the directory
// fsynced), meta/meta.db (the metadata state machine in bbolt; every
// committed command is fsynced before the write that proposed it returns)
// and spool/ (bodies of chunked uploads in flight; emptied at start).
//
// Without Config.InitialCluster a node is a cluster of one: its own leader,
// committing through the local proposer (group commit, one fsync per
// batch). With it the node is a member of a Region: metadata is replicated
// by raft (consensus.Raft) over the peer port (Config.PeerListen, shared
// with node-to-node HTTP under /-/peer/, authenticated with a secret
// derived from the root key); any node serves the whole API, forwarding
// writes to the leader and making reads linearizable with a read barrier;
// without a quorum requests fail with 503 within seconds. The raft log and
// snapshots live in Config.RaftDir (default <data>/raft). Members are added
// and removed through the admin API (/-/admin/v1/cluster/members), and
// /-/readyz answers 200 only on a member with a known leader. Small objects
// travel inside the raft entries and so exist on every member; bigger ones
// are blobs written to three voters at once (the object layer's
// replication, over the peer port's /-/peer/v1/blobs/ endpoints): a write
// needs two durable copies, reads fail over between copies, and the
// leader's repair loop restores missing copies (counted in the cluster
// status and in koss_blobs_under_replicated). Draining a member
// (/-/admin/v1/cluster/members/{id}/drain) re-places its copies.
package server
