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
// node and to the Region, timed from Initiate to Complete: the MULTIPART
// rows. Each is the median of --multipart-rounds uploads, every one between
// two raw-disk runs that write what it writes (a copy per replica, as 8 MiB
// fsynced files from 16 writers), and compared with their mean: the disk of
// a shared machine changes speed by half within a minute, so a baseline is
// only fair taken at the moment of the upload (multipart.go).
//
// The S3 rows repeat the PUT/GET and multipart measurements through
// aws-sdk-go-v2 against the same nodes in the same run, each compared with
// its OSS row (s3.go). The client is built with config.LoadDefaultConfig
// and then set to do on the wire what the OSS rows' client does, so that a
// gap is the server's dialect, not the client's hashing: 64 idle
// connections per host (the SDK keeps 10, and 16 clients would reconnect);
// x-amz-content-sha256 UNSIGNED-PAYLOAD (the SDK's documented
// v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware; over plain HTTP
// it otherwise hashes every body with SHA-256, and the server hashes it
// again, where the OSS rows' V1 signature covers no body); request
// checksums and response validation only when required (by default a
// CRC32 of every upload, verified by the server, and of every download);
// no Expect: 100-continue (a round trip per body above 2 MiB that the OSS
// client never waits for); the multipart Uploader told the same, as it
// keeps its own checksum setting. The rows' label says so: "(S3, unsigned,
// no CRC)". What remains is the SDK's own cost per request (middleware
// stack, endpoint rules, SigV4 of the headers, allocations): on 4 KiB
// requests it is several times the OSS client's and, client and server
// sharing the machine's cores, it shows in those rows' ops/s. Measured on
// 2026-12-03 against an in-process do-nothing server, one request at a
// time: a 4 KiB GET took 190-210 µs and 470 allocations (33 KB) through
// the SDK, 75-80 µs and 98 allocations (8 KB) through the OSS rows' client;
// a 4 KiB PUT 220-250 µs against 57-60 µs. The multipart rows lean the
// other way: the OSS SDK's Uploader checks a CRC-64 of every part
// (FeatureEnableCRC64CheckUpload, on by default), the S3 one now hashes
// nothing.
//
// The OSS client side signs requests with the cheap V1 scheme and sends no
// Content-MD5, so the figures measure the server, not the client's hashing;
// the OSS multipart upload is the SDK as an application runs it (V4 with
// an unsigned payload), CRC-64 of every part included.
package main
