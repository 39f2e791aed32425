// Command bench measures kossd's PUT and GET throughput for 4 KiB and 4 MiB
// objects at 1 and 16 concurrent clients, and, in the same run and on the same
// file system, the raw-disk baseline: the same bytes written as files with
// fsync; and a do-nothing HTTP server (a separate process answering the same
// requests with the same status, headers and bytes, doing nothing else), the
// ceiling a GET is measured against. It prints one table, then each speed
// goal of the issues with this run's figure. It is what `make bench` runs.
//
// It also uploads one 1 GiB object (--multipart-size) through the v2 SDK's
// Uploader, 8 MiB parts, 16 in flight (--multipart-parallel), to the single
// node and to the Region, timed from Initiate to Complete, and compares it
// with the raw disk writing 8 MiB files with fsync from as many writers:
// the MULTIPART rows.
//
// The S3 rows repeat the PUT/GET and multipart measurements through
// aws-sdk-go-v2 (built with config.LoadDefaultConfig, as programs build it:
// CRC32 checksums on every upload) against the same nodes in the same run,
// each compared with its OSS row (s3.go).
//
// The client side signs requests with the cheap V1 scheme and sends no
// Content-MD5, so the figures measure the server, not the client's hashing;
// the multipart upload is the SDK as an application runs it, CRC-64 of
// every part included.
package main
