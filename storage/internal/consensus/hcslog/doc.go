// Package hcslog lets hashicorp/raft and raft-wal, which log through
// hclog, write to the node's slog.Logger, with the subsystem as an
// attribute and hclog's Trace below slog's Debug.
package hcslog
