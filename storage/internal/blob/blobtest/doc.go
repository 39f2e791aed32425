// Package blobtest is the conformance suite every blob.Store implementation
// must pass: the local Disk store today, fault-injecting and remote wrappers
// later.
package blobtest
