// Package certfile serves TLS from certificate files that change while the
// node runs: a Source reads a certificate, its key and a CA bundle (PEM
// files, as a Kubernetes Secret volume or cert-manager leaves them), polls
// them, and swaps in a new pair as soon as the files hold one that parses
// and matches. The tls.Configs it hands out look the certificate and the CA
// up on every handshake (GetConfigForClient, GetClientCertificate,
// VerifyConnection), so a renewal needs no restart and breaks no
// connection: open connections keep the certificate they were made with,
// new ones get the new one.
//
// Polling rather than inotify: the kubelet updates a Secret volume by
// swapping a symlink, which a watch on the files themselves misses, and a
// few small reads a second cost nothing. A half-written update (a key that
// does not match the certificate yet) is ignored until the pair is whole;
// the old certificate serves meanwhile.
//
// Peer connections verify the chain against the CA only, not a host name:
// the CA is the Region's own (every certificate it signs is one of the
// Region's nodes), and a node's address (a pod IP) is not known when its
// certificate is issued.
package certfile
