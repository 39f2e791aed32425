// Package stored defines package record's stored records (Bucket, Object
// with its Segments, Metadata and Checksum, AccessKey, Placement, Upload,
// Part) and their encodings: the values of the state machine's bbolt
// buckets, each behind its version byte (EncodeObject, DecodeBucket...).
//
// It also holds the encodings of an object's body, its segments, its
// metadata, an upload and a part that record's commands and results share
// with the records (EncodeObjectBody...), and the Encoder and Decoder that
// carry the flags saying which optional fields an encoding has. Package
// record chooses those flags from a command's codec version or a result's
// version; here a record's own version byte chooses them.
//
// Package record re-exports the records and their encodings under the same
// names (aliases and thin wrappers), so the layers above import only
// record; Go's internal rule keeps everyone else out. The bytes are
// formats, pinned by record's golden tests: a change that moves one needs
// a new record version. The errors keep the "record:" prefix: callers meet
// them as record's.
package stored
