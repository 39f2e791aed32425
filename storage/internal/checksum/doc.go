// Package checksum implements the flexible checksums of the Amazon S3 API:
// the five algorithms a client may name (CRC32, CRC32C, CRC64NVME, SHA1,
// SHA256), their x-amz-checksum-<alg> header names and base64 values, and the
// composite checksum S3 reports for a multipart object.
//
// Since early 2025 the AWS SDKs send a CRC32 checksum with every PutObject and
// UploadPart by default (in a header over HTTP, in an aws-chunked trailer over
// HTTPS), so the S3 dialect must verify them; awsauth does so while it decodes
// the body and the object layer records them. The algorithms are those of the
// standard library: CRC-64/NVME is hash/crc64 with the reflected polynomial
// 0x9a6c9329ac4bc9b5 (the tests check every algorithm against the values
// aws-sdk-go-v2 computes).
package checksum
