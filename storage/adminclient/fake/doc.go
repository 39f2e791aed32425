// Package fake is an in-memory adminclient.Interface for controller unit
// tests. It implements the admin API's rules (idempotent creates, owner
// conflicts, key conflicts, BucketNotEmpty, generated credentials) without a
// server, and lets tests inject errors and object counts.
package fake
