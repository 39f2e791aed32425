// Package s3err is the one translation of the S3 edge: the object
// layer's, auth's and awsauth's errors to the S3 errors (package s3wire)
// that package s3api sends, with the bucket, key or upload id S3 adds to
// them (From, Bucket, Object, Upload).
//
// It is its own package because the table is pure data about errors,
// shared by every handler of s3api and by its helper packages, and is
// tested and read on its own, apart from HTTP handling.
package s3err
