// Command osscli writes, reads, lists and deletes objects of a koss (or any
// Alibaba Cloud OSS) endpoint with the OSS Go SDK v2, configured entirely
// from the environment that `make run` prints and that an AccessKey's
// Secret holds:
//
//	OSS_ENDPOINT           http://127.x.y.z:9000 (or any OSS endpoint URL)
//	OSS_REGION             the region name to sign with (the Region's name)
//	OSS_ACCESS_KEY_ID      the key pair
//	OSS_ACCESS_KEY_SECRET
//
// Usage:
//
//	osscli put BUCKET KEY [FILE]   upload FILE (default: standard input)
//	osscli get BUCKET KEY [FILE]   download to FILE (default: standard output)
//	osscli ls BUCKET [PREFIX]      list keys with their sizes
//	osscli rm BUCKET KEY           delete an object
//	osscli soak BUCKET PREFIX      write small objects one after another (below)
//
// Flags, before or after the command: --threshold (64MiB), --part-size
// (8MiB), --parallel (4), --progress, --ca-file (or OSS_CA_FILE),
// --credentials-dir (or OSS_CREDENTIALS_DIR), and soak's --interval,
// --duration and --count. A put larger than the threshold (a file, or
// standard input that turns out longer) is a multipart upload by the
// SDK's Uploader, parts in parallel;
// a get to a file larger than it is ranged GETs in parallel by the SDK's
// Downloader (standard output gets one stream). Progress goes to standard
// error, rewritten in place, when it is a terminal or with --progress.
// --ca-file trusts a PEM CA (a Region's ca.crt) for https:// endpoints.
//
// Requests are signed with V4 and sent path-style (http://endpoint/bucket/key),
// which every koss endpoint serves.
//
// # Credentials
//
// Every request asks for the credentials anew, from the first of these that
// applies; one line on standard error at start says which (never a secret):
//
//  1. Workload identity, the environment of Alibaba Cloud's RRSA:
//     ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and
//     ALIBABA_CLOUD_OIDC_TOKEN_FILE all set (one or two of them is an error).
//     credentials-go's OIDC provider posts AssumeRoleWithOIDC, with the token
//     file's content (read anew each time, as the kubelet renews it), to the
//     STS at ALIBABA_CLOUD_STS_ENDPOINT (host or host:port, always https;
//     unset: ALIBABA_CLOUD_STS_REGION's or sts.aliyuncs.com), as role session
//     osscli-<hostname>, and signs with the STS key and token it returns,
//     renewing them 3 minutes before they expire. That https client trusts
//     Go's default roots, not --ca-file: a pod whose STS has a private CA
//     (a koss Region's) sets SSL_CERT_FILE to that CA's PEM.
//  2. A credentials directory, --credentials-dir DIR or OSS_CREDENTIALS_DIR:
//     the files DIR/OSS_ACCESS_KEY_ID and DIR/OSS_ACCESS_KEY_SECRET, the keys
//     of koss's AccessKey Secret mounted as a volume, trailing newlines
//     trimmed. They are read again for every request (a few bytes each), so
//     when the Secret is updated in place (the kubelet swaps the ..data
//     symlink the files point through, within its sync period) the next
//     request is signed with the new pair, without a restart; a change is
//     logged with the AccessKey IDs. OSS_ENDPOINT and OSS_REGION, when not in
//     the environment, are read from the same directory at start (the
//     Secret has them too).
//  3. OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET.
//
// # Soak
//
// osscli soak BUCKET PREFIX writes PREFIX000001, PREFIX000002, ... (the
// content "osscli soak key=KEY counter=N\n") one after another, waiting
// --interval (100ms) after each, until --duration (1m) has passed or
// --count N writes were made (both: whichever comes first; --count alone:
// no time limit), or SIGTERM or SIGINT (the write in flight finishes). A
// write that fails (after the SDK's own retries; 30s at most) is one line
// on standard error, "osscli: soak: put KEY: CODE (HTTP STATUS, request
// ID): MESSAGE" (the error's text when OSS sent no code). At the end the
// acknowledged keys, one a line, are stored in PREFIXacknowledged.txt in
// the same bucket (4 attempts), and one line of JSON goes to standard
// output:
//
//	{"acknowledged":N,"failed":M,"firstFailure":"KEY: CODE ...","keys":K}
//
// firstFailure is "" without failures; keys is the number of keys in the
// stored list, N once it is stored and 0 if it could not be. The exit
// status is 0 only when no write failed and the list was stored, else 1.
//
// # In a pod
//
// The image koss/osscli:<version> (hack/imagebuild; /osscli, no default
// command, user 65532) runs it; the pod's args are the command line, e.g.
// ["soak", "--duration", "5m", "bucket", "soak/"]. Its environment:
//
//   - always OSS_ENDPOINT and OSS_REGION (or, with a credentials directory,
//     those files in it), and OSS_CA_FILE for an https:// endpoint;
//   - workload identity: ALIBABA_CLOUD_ROLE_ARN,
//     ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE (a
//     projected service account token), ALIBABA_CLOUD_STS_ENDPOINT, and
//     SSL_CERT_FILE for the STS's CA;
//   - a credentials directory: the AccessKey Secret mounted as a volume
//     (not with subPath, which the kubelet never updates) and
//     OSS_CREDENTIALS_DIR (or --credentials-dir) naming the mount;
//   - else OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET (envFrom the Secret;
//     fixed for the pod's life).
package main
