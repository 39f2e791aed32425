// Package schema is the bbolt layout of package meta's state machine: the
// names of its bbolt buckets, the encodings of their keys and of the small
// values that are not records (the applied index, reference counts), the
// snapshot sections and the layout version. The table is in schema.go; the
// record values are package record's.
//
// It is its own package so that meta (open, reads, snapshots) and
// meta/internal/apply (the command handlers) share one definition of the
// layout; Go's internal rule keeps everyone else out. Nothing here may
// change the bytes on disk without a new Version.
package schema
