// Package s3conformance runs S3 test suites that other projects publish
// against kossd's S3 dialect, unchanged: today the functional tests minio-go
// ships in its module (functional_tests.go, the suite MinIO's "mint" runs).
//
// The suite is built from the minio-go version go.mod requires, in a
// scratch module beside the test (its own imports come through the module
// proxy), and run in its full mode against a kossd started for the test.
// Every test it reports as failed fails the Go test, except those listed in
// knownGaps with the reason (features kossd does not have yet); a test that
// kossd answers with 501 NotImplemented the suite itself reports as NA.
package s3conformance
