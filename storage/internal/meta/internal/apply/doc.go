// Package apply is the command handlers of package meta's state machine:
// an Applier applies decoded commands (package record's) inside the write
// transaction of one batch, keeping the object records, the bucket
// counters, the blob reference counts, the garbage list and the placement
// table in step. Package meta owns the database, the transaction and the
// applied index; this package only changes what a transaction holds.
//
// The dispatch table from command type to handler is filled in one place
// (dispatch.go), and start-up fails if a command record can decode has no
// handler. The handlers keep the rules meta's package doc sets out under
// Commands: they read only the transaction and the command (never the
// clock, randomness, the network or the blob store), and a rejection is a
// Result with a Code that leaves no trace. A failed bbolt write panics.
package apply
