// Package wire is the byte layer of package record's encodings: an Encoder
// that appends unsigned and zig-zag varints, fixed 8-byte big-endian
// integers, length-prefixed strings and bytes, booleans, optional integers,
// lists and sorted maps, and a Decoder that reads them back and latches the
// first error.
//
// It knows nothing of records, commands or versions: what a value's bytes
// mean, and which optional fields an encoding carries, is the business of
// record and its other internal packages, the only ones that may import
// this one (Go's internal rule). The same value always encodes to the same
// bytes, and those bytes are stored in raft logs and bbolt files, so
// nothing here may change how a value is written or what is accepted.
//
// Its errors keep the "record:" prefix they were born with: they reach
// callers as record's decoding errors.
package wire
