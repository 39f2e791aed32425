// Package bodydigest hashes a replicated write's body once, beside the
// replicas that store it, so that every copy records the writer's MD5
// instead of computing its own (blob.CreateOptions.Digest) and checks only
// the cheap CRC-64 against its own. MD5 is the dearest hash of a write;
// three copies used to compute it three times over the same bytes.
//
// It is package replica's write path's helper, apart because it needs
// nothing of replica: only the blob digest type and the two hashes.
package bodydigest
