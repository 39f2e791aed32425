// Package record defines what the metadata state machine stores and what
// changes it: the records (Bucket, Object with its Segments and Metadata,
// AccessKey, Placement), the commands that raft logs carry (CreateBucket,
// PutObject, UpdateReplicas...), the Result of applying one, and the
// binary encodings of all three.
//
// Every encoding here is a format, not an implementation detail: commands
// are stored in raft logs and replayed by later versions, records sit in
// bbolt files and snapshots, results cross the wire when a follower forwards
// a command to the leader. So the package holds only types and their
// codecs, with golden tests that pin the bytes (golden_test.go); a change
// that moves a golden value needs a new codec or record version.
//
// A command is [type byte][codec version byte][payload] (Encode, Decode).
// The type table in command.go is filled in one place and only grows: a
// type byte means the same thing forever. Encode writes the lowest codec
// version a command needs, so that nodes running older code keep applying
// the log until a command needs something they lack. Codec version 5
// (SetBucketACL, and AppendObject with SetACL) changes no record format:
// bucket and object records already carry their ACLs. Codec version 6
// adds tags and symlinks: SetObjectTagging and SetBucketTagging, and
// PutObject, AppendObject, CopyObject and CreateUpload that carry tags or
// a symlink (tagging.go, package stored). Codec version 7 adds SetBucketCors (cors.go),
// version 8 SetBucketLifecycle (lifecycle.go) and the lifecycle loop's
// ExpireObjects and AbortLifecycleUploads (lifecycleexpire.go).
//
// Records start with a version byte the same way: 1, or 2 for an object,
// upload or part record that carries the S3 fields (checksums, part
// sizes), which codec version 3 carries in commands, or 3 for an object
// record that also carries its parts' checksums (codec version 4), or 4
// for an object or upload record that also carries tags (an object: or
// is a symlink; codec version 6). Bucket records are 1, or 2 with tags,
// or 3 with a CORS configuration (and tags, perhaps none), or 4 with a
// lifecycle configuration (and tags and CORS, perhaps none).
// Values without those fields keep their old bytes, and every old
// encoding still decodes.
//
// The package is the one door to the data model; behind it, internal
// packages that only record and its subpackages may import hold the parts
// that are not commands or results: internal/stored the records and their
// encodings (and the object, segment, metadata, upload and part bodies
// that commands and results share with them), internal/config the tag
// limits and the CORS and lifecycle configurations with their checks and
// encodings, internal/wire the varint and string primitives under them
// all. Record re-exports their names under the same names, as aliases and
// wrappers, so importers see one package; the golden tests here pin the
// bytes of all of it.
//
// Which bbolt bucket and key hold each record, and what applying a command
// does, are package meta's business: it imports this package, never the
// other way round. The layers above (object, replica, server) build
// commands and read records through these types too, so they depend on the
// data model without depending on the state machine's storage.
package record
