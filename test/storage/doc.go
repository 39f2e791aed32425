// Package storage holds black-box tests of kossd: real kossd processes
// (test/kossdproc) driven over HTTP by both official Alibaba Cloud OSS Go SDKs
// (github.com/aliyun/aliyun-oss-go-sdk with signatures V1, OSS2 and V4, and
// github.com/aliyun/alibabacloud-oss-go-sdk-v2 with V4 and V1), by raw HTTP
// requests for input the SDKs refuse to send, and by crash tests that kill
// kossd with SIGKILL in the middle of a write load.
//
// The shared tests run against one kossd node, or, with KOSS_TEST_NODES=3
// (any N > 1), against a Region started with `kossd dev --nodes N`: the
// same tests then go through the Region's endpoint, which spreads
// connections over the nodes, so writes are forwarded to the raft leader
// and reads are served by whichever node the connection landed on.
package storage
