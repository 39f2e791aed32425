// Package stsapi is the STS dialect of a kossd node: Alibaba Cloud STS's
// AssumeRole call (RPC style, Version 2015-04-01) as Alibaba's credential
// libraries send it, answered with temporary credentials issued by package
// auth's Sessions. It is mounted beside the OSS dialect under the shared
// middleware (storage/internal/httpapi); a request is an STS request when
// its path is "/" and its query names an Action, which no OSS request
// does.
//
// The call is signed with the caller's own access key (the RPC signature:
// HMAC-SHA1 over the sorted, percent-encoded parameters of the query and
// the form), within 15 minutes of the node's clock, each SignatureNonce
// once. The root key is refused as Alibaba refuses root accounts
// (NoPermission). RoleArn names no real RAM role in koss: any
// acs:ram::<account>:role/<name> means "the caller's own grants"; a Policy
// (a subset of RAM policy JSON: Allow statements with oss:GetObject,
// oss:ListObjects, oss:PutObject, oss:DeleteObject or oss:* on
// acs:oss:*:*:<bucket>[/*]) narrows them. The result is always the
// intersection of the policy and the caller's grants, judged again on
// every request made with the credentials.
//
// AssumeRoleWithOIDC (workload identity, Alibaba's RRSA) is anonymous:
// the OIDCToken is the proof. Package workloadid checks it against the
// trust file the operator publishes (issuer, audience, signing keys,
// roles) and names the access key whose child the session becomes, so
// deleting or rotating that key revokes the session as for AssumeRole. A
// DurationSeconds above the role's bound is cut down to it.
//
// Answers are JSON in STS's shape: RequestId, AssumedRoleUser and
// Credentials{AccessKeyId, AccessKeySecret, SecurityToken, Expiration} on
// success; RequestId, Code and Message with a 4xx status otherwise.
// Secrets and tokens never reach a log line.
package stsapi
