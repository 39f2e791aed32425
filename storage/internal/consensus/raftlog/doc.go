// Package raftlog is a Region member's raft log and stable store:
// hashicorp/raft-wal, in <raft dir>/wal.
//
// A log is appended to and cut from its head, never changed in the middle,
// and raft-wal stores it that way: append-only segment files with one
// fsync per append, and a head truncation that deletes whole files. The
// store kossd used before, raft-boltdb, is a copy-on-write B+tree that
// fsyncs twice per append (pages, then its meta page), on the commit path
// of every write on every member, and never gives space back to the file
// system. (Consul made the same move.) A node that still has a raft-boltdb
// store (raft.db) copies it into a new WAL at start, and only once the
// copy is complete and renamed into place removes raft.db; a copy that a
// crash interrupted is thrown away and made again.
package raftlog
