// Package peer is the node-to-node network of kossd: one TCP listener (the
// --peer-listen address) that carries both the raft stream protocol and an
// HTTP API under /-/peer/, plus the client side that dials other nodes.
//
// # One port, two protocols
//
// Every accepted connection is classified by its first byte. A byte that a
// stream protocol registered with Server.Stream (for example KindRaft, 0x81)
// hands the connection, after a mutual handshake, to that protocol's
// listener; any other byte is taken for the start of an HTTP request (HTTP
// methods are ASCII letters, so stream kinds use bytes >= 0x80) and the
// connection goes to an http.Server whose mux other packages extend with
// Server.Handle (raft forwarding, blob replication, status...).
//
// # Authentication
//
// Peers share a cluster secret, DeriveSecret(root secret): an HMAC-SHA256 of
// the root key's secret under a fixed label, so the root secret itself never
// crosses the network and a leaked peer secret does not sign OSS requests.
//
// HTTP requests carry X-Koss-Peer-Date (unix seconds), X-Koss-Peer-Nonce,
// X-Koss-Peer-From, X-Koss-Peer-Content-Sha256 (hex SHA-256 of the body, or
// UNSIGNED-PAYLOAD for streamed bodies whose integrity another checksum
// covers) and X-Koss-Peer-Signature, an HMAC-SHA256 over the method, the
// request URI and those headers. The server rejects a request whose date is
// more than MaxClockSkew away, whose nonce it has already seen within that
// window (replay), or whose signature does not match; a signed body is
// checked against its digest as the handler reads it.
//
// A stream connection starts with its kind byte and a 16-byte client
// nonce; the server answers with its own nonce and an HMAC proving it knows
// the secret, and the client answers with an HMAC over both nonces. Neither
// side sends anything else until the other has proved itself, and fresh
// nonces on both sides make a recorded handshake useless.
//
// With Config.ServerTLS and ClientTLS the whole port is mutual TLS, below
// the classification: a connection without a certificate the Region's CA
// signed never gets to send its first byte, so it can neither join raft,
// nor replicate, nor fetch a blob; the HMAC authentication above still
// runs inside TLS (a certificate alone does not make a peer). Without
// them traffic is plain TCP, for a Region that chose no TLS.
//
// # Blob transfer
//
// ServeBlobs registers the blob endpoints over a node's blob store, and
// BlobClient calls them:
//
//	PUT  /-/peer/v1/blobs/{id}?md5=HEX   store the streamed body (unsigned
//	                                     payload, Content-Length required) with
//	                                     blob.Store.Create: durable on 200, which
//	                                     carries the stored size, MD5 and CRC-64
//	PUT  /-/peer/v1/blobs/{id}?digest=trailer&size=N[&md5=HEX]
//	                                     the same body chunked, the writer's MD5
//	                                     and CRC-64 in trailers: the node records
//	                                     that MD5 instead of hashing, and checks
//	                                     the CRC-64 (digest.go; sent only to nodes
//	                                     whose answers name the feature)
//	GET  /-/peer/v1/blobs/{id}           the whole blob, or a Range: bytes=a-b
//	GET  /-/peer/v1/blobs/{id}?off=&n=   a range in frames [u32 length][u32
//	                                     CRC-32C][bytes] of whole blocks, so the
//	                                     reader verifies every byte it receives;
//	                                     a block that fails verification on the
//	                                     serving node ends the stream with an
//	                                     error frame
//	POST /-/peer/v1/blobs/{id}/pull      copy the blob from listed peers and
//	                                     check it against the metadata's size
//	                                     and CRC-64 (repair)
//
// Failures of the blob store cross the wire in X-Koss-Blob-Error, so that a
// missing or corrupt remote copy tests like a local one (blob.ErrNotFound,
// blob.ErrCorrupt, blob.ErrNoSpace for a disk below its reserve...).
//
// ServeSpace adds GET /-/peer/v1/space: the node's disk as its blob store
// sees it (blob.Headroom, JSON), which the node answering the admin API's
// cluster status asks every member for (space.go).
//
// # Faults
//
// Config.Dial is the only way this package opens connections, so tests put
// a fault-injecting dialer there (package peertest) to drop a node's
// traffic in both directions.
package peer
