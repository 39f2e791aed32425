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
//
// Flags, before or after the command: --threshold (64MiB), --part-size
// (8MiB), --parallel (4), --progress, --ca-file (or OSS_CA_FILE). A put
// larger than the threshold (a file, or standard input that turns out
// longer) is a multipart upload by the SDK's Uploader, parts in parallel;
// a get to a file larger than it is ranged GETs in parallel by the SDK's
// Downloader (standard output gets one stream). Progress goes to standard
// error, rewritten in place, when it is a terminal or with --progress.
// --ca-file trusts a PEM CA (a Region's ca.crt) for https:// endpoints.
//
// Requests are signed with V4 and sent path-style (http://endpoint/bucket/key),
// which every koss endpoint serves.
package main
