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
// Requests are signed with V4 and sent path-style (http://endpoint/bucket/key),
// which every koss endpoint serves.
package main
