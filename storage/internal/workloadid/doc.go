// Package workloadid decides who may exchange an OpenID Connect token for
// temporary credentials, and as which access key: the trust half of STS's
// AssumeRoleWithOIDC, the call behind Alibaba's RRSA and Kubernetes
// workload identity.
//
// What is trusted comes from one JSON file (File) that the operator
// writes from the cluster and the Region's AccessKeys, and that a node
// re-reads whenever it changes: the token issuer, the audience tokens must
// be minted for, the provider ARN clients name, the issuer's signing keys
// (a JWKS), and the roles. A role names the access key whose grants its
// sessions get, and the token subjects ("system:serviceaccount:<ns>:<sa>")
// that may assume it. The file keeps storage/ free of any Kubernetes
// client: the node verifies tokens offline, with the published keys.
//
// A token is accepted when its signature verifies with a key of the JWKS
// (RS256 or ES256, chosen by kid), its iss is the issuer, its aud holds
// the audience, it is within exp and nbf (60 s leeway), and its sub is one
// of the role's subjects. What offline checking cannot see is a deleted
// pod or ServiceAccount: its token stays good until exp, as with IRSA and
// RRSA; the sessions it buys are bounded by the role's longest session.
// Tokens never reach a log line or an error.
package workloadid
