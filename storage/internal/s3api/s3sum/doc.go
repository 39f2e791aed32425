// Package s3sum is the S3 flexible-checksum rules of package s3api: which
// x-amz-checksum-* value a write stores (FromHeader, UploadType), which a
// read returns (SetHeaders, ReportedType, PartRange), how a multipart
// object's checksum is made from its parts' at Complete (COMPOSITE, or for
// the CRCs FULL_OBJECT combined with checksum.Combine), and a copy's (the
// source's FULL_OBJECT checksum of the asked-for algorithm, else one
// computed from the source's bytes: CopyAlgorithm, KeepsChecksum, CopyWith).
//
// It is its own package because these rules are a unit with their own
// tests' worth of cases and need only a narrow view of the object layer
// (Lister, Copier), not the handler: package s3api keeps the HTTP side
// (routing, authorization, the translation of errors, which Complete takes
// as functions).
package s3sum
