// Package snapstream is the metadata snapshot stream format (version 1),
// written by meta's Persist and read by its Restore:
//
//	"KOSSMETA" | version u8 | applied index u64 BE
//	per replicated bucket, in section order:
//	    tag u8 | { uvarint len(key) > 0 | key | uvarint len(value) | value }* | uvarint 0
//	0xFF | CRC-32C (Castagnoli) u32 BE of every preceding byte
//
// Keys appear in bbolt (byte) order. The stream is a logical dump, not the
// bbolt file: two replicas that applied the same log produce identical bytes
// however their transactions were batched or their pages laid out.
//
// It is its own package because the byte format and its checks (framing,
// ordering, bounds, checksum) are independent of what the state machine
// keeps in its buckets: package meta supplies the sections (which buckets,
// with which tags) and the initialisation of a fresh database, and this
// package only moves key/value pairs between a bbolt transaction and a
// stream.
package snapstream
