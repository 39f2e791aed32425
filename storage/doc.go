// Package storage is the koss storage engine: kossd, the node that stores
// objects the way Alibaba Cloud OSS does (regions, buckets, objects, access
// keys, strong consistency, three copies of everything). It runs and is
// tested without Kubernetes; nothing under storage/ imports the operator.
//
// The public packages are storage/server (a node: Config, New, Run),
// storage/adminapi and storage/adminclient (the admin API's wire contract
// and its Go client, the only way the operator talks to a node) and
// storage/storagetest (real nodes on loopback for tests), and storage/pki
// (a Region's CA and certificates, which the operator issues and kossd
// serves). Everything else is under storage/internal.
//
// # Vocabulary
//
// The names below mean one thing across the engine; the package in
// brackets owns the concept.
//
//   - Node: one kossd process with its data directory [server].
//   - Region: the nodes that hold one copy of the metadata and of the data
//     between them, and answer the same API; a node started without
//     --initial-cluster is a Region of one [server].
//   - Member: a node in the Region's raft configuration; a voter votes and
//     holds blob copies, the leader orders commands [consensus].
//   - Command: one change of the metadata (create a bucket, put an object,
//     ...), encoded into the replicated log and applied in order by every
//     node [meta/record defines and encodes it, meta applies it].
//   - State machine: the metadata as commands leave it, in bbolt: bucket
//     records, object records, keys and placements; Apply is deterministic
//     [meta].
//   - Proposer: what orders commands and applies them: the single-node
//     proposer or raft; it also offers the read barrier [consensus].
//   - Read barrier: a wait after which this node has applied every command
//     committed before the barrier began anywhere in the Region; a read
//     after it is linearizable [consensus].
//   - Read view: the one read barrier a request takes, shared by every read
//     the request makes (key lookup, ACL checks, the object itself)
//     [object].
//   - Bucket record and object record: what the state machine keeps of a
//     bucket (name, ACL, owner, size) and of an object (size, ETag, CRC-64,
//     metadata, segments) [meta/record; meta stores them].
//   - Segment: one piece of an object's bytes, either inline (in the record
//     itself, for small objects) or a blob; an appendable object is a list
//     of segments [meta/record].
//   - Blob: an immutable file of object data with a checksum per block,
//     named by a random id; written once, fsynced, renamed into place,
//     never changed [blob].
//   - Copy (replica): one node's copy of a blob; every blob has up to three
//     on voters. Local or remote, a copy is a blob.Replica [blob, peer].
//   - Placement: which nodes hold the copies of a blob, recorded in the
//     state machine; under-replicated when fewer than three [meta,
//     replica].
//   - Data store: writes, reads, repairs, scrubs and deletes blob copies
//     (replica.Set) [replica].
//   - Garbage and orphans: blobs whose last reference went away (listed by
//     the state machine) and blobs nothing ever referred to (a write that
//     crashed before its command); the collector and the sweeper delete
//     them [replica].
//   - Repair, scrub, drain: restoring missing copies (leader), verifying
//     local copies (every node), moving copies off a member about to leave
//     [replica].
//   - Object layer: object semantics over the data store and the state
//     machine: put, get, append, copy, delete, list (object.Layer) [object].
//   - Principal: who signed a request: the Region's root key or a key with
//     per-bucket grants, found once per request [auth].
//   - Dialect: one HTTP API over the object layer: the OSS REST API and the
//     Amazon S3 API on the same port (the signature scheme picks one), the
//     STS AssumeRole and AssumeRoleWithOIDC calls, beside the admin API; all are mounted side by side
//     under the shared middleware [ossapi, s3api, stsapi, adminhttp,
//     httpapi]. A dialect's wire format (its documents, error codes and
//     request parsing, with nothing that serves) is a package of its own
//     below it [ossapi/osswire, s3api/s3wire].
//   - Checksum: besides each blob's own CRCs, the S3 flexible checksums a
//     client sends and asks back, verified before anything is stored
//     [checksum].
//   - Background group: the one lifecycle of a node's background work
//     [background].
//
// # Packages and the way imports run
//
//	server ─┬─> httpapi                      shared middleware, the root handler's rules
//	        ├─> ossapi, s3api, stsapi, adminhttp  the dialects (edges: one error table each)
//	        │     ├─> ossapi/osswire         the OSS wire format (pure; imports object's value types)
//	        │     ├─> s3api/s3wire           the S3 wire format (pure)
//	        │     ├─> awsauth                AWS signatures, aws-chunked bodies, POST policies → principal
//	        │     │     └─> checksum         S3's flexible checksums
//	        │     ├─> auth                   signature → principal (OSS; keys and tokens for both)
//	        │     │     └─> session          temporary credentials: sealed tokens
//	        │     └─> workloadid             (stsapi) OIDC tokens → the role's key, offline
//	        ├─> object                       object semantics
//	        │     ├─> meta                   the state machine over bbolt
//	        │     │     └─> meta/record      records, commands, results and their encodings
//	        │     └─> replica                the data store
//	        │           └─> blob             the local disk
//	        ├─> consensus/singlenode         the proposer of a node that runs alone
//	        ├─> consensus                    the raft proposer, read barriers
//	        │     └─> peer                   the node-to-node port
//	        └─> peer                         blob copies across the network (peer.Remote)
//
// Below these, packages keep one job each: the dialects' configuration
// subresources (ossapi/ossconfig, s3api/s3config), error tables
// (ossapi/osserr, s3api/s3err) and request bodies (ossapi/ossbody,
// s3api/s3body); object's bucket settings (object/bucketconfig), lifecycle
// passes (object/lifecycle), segmented reads (object/segread) and
// multipart uploads (object/multipart), over the Layer's contract
// (object/internal/layer); meta's command handlers and bbolt layout
// (meta/internal/apply, meta/internal/schema); consensus's raft log and
// stable store (consensus/raftlog) and its hclog-to-slog adapter
// (consensus/hcslog); record's encoding
// primitives, configuration values and stored records
// (meta/record/internal/...).
//
// Imports flow downward only: no package imports one above it, the
// dialects know nothing of each other, and object knows nothing of where
// copies live. (adminhttp's error table also names consensus and replica
// sentinels: membership errors are born there.) The layers that build
// commands or read records (object, replica, consensus, server) import
// meta/record for the data model. storage/server wires the packages
// together and has no logic of its own beyond that.
package storage
