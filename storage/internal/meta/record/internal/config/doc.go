// Package config defines the configurations a client sets on buckets and
// objects that package record stores: the limits of object and bucket tags
// (CheckObjectTags, CheckBucketTags), a bucket's CORS configuration and its
// lifecycle configuration, with their checks, the lifecycle verdicts
// (ExpiresObject, AbortsUpload) and their encodings.
//
// Package record re-exports every name here under the same name (aliases
// and thin wrappers), so the layers above see one data model and import
// only record; Go's internal rule keeps everyone else out. The checks are
// what Apply judges commands with, so they consult nothing but their
// arguments (no clock, no Unicode tables: see tagChars) and give the same
// answer on every replica. The encodings are part of bucket records,
// commands and results: their bytes must never change.
//
// The errors keep the "record:" prefix: callers meet them as record's.
package config
