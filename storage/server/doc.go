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
// Today a node is a cluster of one: its own leader, committing through the
// local proposer. Config.InitialCluster with more than one member is
// refused until replication arrives.
package server
