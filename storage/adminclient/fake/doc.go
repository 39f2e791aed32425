// Package fake is an in-memory adminclient.Interface for controller unit
// tests. It implements the admin API's rules (idempotent creates, owner
// conflicts, key conflicts, BucketNotEmpty, generated credentials, idempotent
// membership changes reflected in ClusterStatus) without a server, and lets
// tests inject errors (once or until cleared), object counts and the answers
// of DrainMember, and watch every call as it is made.
package fake
