// Package checksum implements the flexible checksums of the Amazon S3 API:
// the algorithms a client may name (CRC32, CRC32C, CRC64NVME, SHA1, SHA256,
// and the later MD5, SHA512, XXHASH64, XXHASH3, XXHASH128), their
// x-amz-checksum-<alg> header and trailer names and base64 values (of the
// big-endian digest bytes), and the two checksums S3 reports for a multipart
// object: COMPOSITE (the checksum of the parts' checksums, with "-<count>")
// and FULL_OBJECT (the CRC of the whole content, combined from the parts'
// CRCs and sizes without the data; CRCs only).
//
// Since early 2025 the AWS SDKs send a CRC32 checksum with every PutObject and
// UploadPart by default (in a header over HTTP, in an aws-chunked trailer over
// HTTPS), and minio-go sends CRC32C, full-object for multipart uploads, so the
// S3 dialect must verify them; awsauth does so while it decodes the body and
// the object layer records them. CRC-64/NVME is hash/crc64 with the reflected
// polynomial 0x9a6c9329ac4bc9b5; the xxHashes are XXH64 and XXH3 with seed 0
// (the modules minio-go uses). The tests check every algorithm against the
// values aws-sdk-go-v2 (for the six it computes) and minio-go (for all)
// compute, and Combine against minio-go's client-side combination.
package checksum
