package s3api

import (
	"bytes"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/koss-io/koss/storage/internal/checksum"
)

var allAttributes = []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesChecksum,
	types.ObjectAttributesObjectParts, types.ObjectAttributesStorageClass, types.ObjectAttributesObjectSize}

// What must never happen: GetObjectAttributes reports another ETag, size
// or checksum than the object's, a composite checksum with its "-N"
// suffix, parts of a single-part object, or a part with another size or
// checksum than its UploadPart's.
func TestSDKGetObjectAttributes(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	data := []byte(strings.Repeat("attributes ", 1000))
	put := must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("single"),
		Body: bytes.NewReader(data), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}))
	a := must[*s3.GetObjectAttributesOutput](t, "GetObjectAttributes single")(c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{
		Bucket: aws.String("bkt"), Key: aws.String("single"), ObjectAttributes: allAttributes}))
	if aws.ToString(a.ETag) != strings.Trim(aws.ToString(put.ETag), `"`) || aws.ToInt64(a.ObjectSize) != int64(len(data)) ||
		a.StorageClass != types.StorageClassStandard || a.LastModified == nil {
		t.Errorf("single: ETag %q (put %q) size %d class %q modified %v", aws.ToString(a.ETag), aws.ToString(put.ETag), aws.ToInt64(a.ObjectSize), a.StorageClass, a.LastModified)
	}
	if a.Checksum == nil || aws.ToString(a.Checksum.ChecksumCRC32) != checksum.CRC32.Sum(data) || a.Checksum.ChecksumType != types.ChecksumTypeFullObject {
		t.Errorf("single: checksum %+v, want CRC32 %q FULL_OBJECT", a.Checksum, checksum.CRC32.Sum(data))
	}
	if a.ObjectParts != nil {
		t.Errorf("single-part object has ObjectParts %+v", a.ObjectParts)
	}
	// Only what was asked for.
	a = must[*s3.GetObjectAttributesOutput](t, "GetObjectAttributes size")(c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{
		Bucket: aws.String("bkt"), Key: aws.String("single"), ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectSize}}))
	if a.ETag != nil || a.Checksum != nil || a.StorageClass != "" || aws.ToInt64(a.ObjectSize) != int64(len(data)) {
		t.Errorf("ObjectSize only: %+v", a)
	}

	// A COMPOSITE multipart object of three parts.
	cr := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String("bkt"), Key: aws.String("multi"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}))
	sizes := []int{5 << 20, 5 << 20, 1234}
	var done []types.CompletedPart
	for i, n := range sizes {
		part := bytes.Repeat([]byte{byte('a' + i)}, n)
		up := must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("multi"),
			UploadId: cr.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(part), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}))
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag, ChecksumCRC32: up.ChecksumCRC32})
	}
	must[*s3.CompleteMultipartUploadOutput](t, "CompleteMultipartUpload")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("bkt"), Key: aws.String("multi"), UploadId: cr.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}))
	head := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("multi"), ChecksumMode: types.ChecksumModeEnabled}))
	composite, _, _ := strings.Cut(aws.ToString(head.ChecksumCRC32), "-")
	a = must[*s3.GetObjectAttributesOutput](t, "GetObjectAttributes multi")(c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{
		Bucket: aws.String("bkt"), Key: aws.String("multi"), ObjectAttributes: allAttributes, MaxParts: aws.Int32(2)}))
	if a.Checksum == nil || composite == "" || aws.ToString(a.Checksum.ChecksumCRC32) != composite || a.Checksum.ChecksumType != types.ChecksumTypeComposite {
		t.Errorf("multi: checksum %+v, want CRC32 %q COMPOSITE (HeadObject %q)", a.Checksum, composite, aws.ToString(head.ChecksumCRC32))
	}
	if aws.ToString(a.ETag) != strings.Trim(aws.ToString(head.ETag), `"`) {
		t.Errorf("multi: ETag %q, HeadObject %q", aws.ToString(a.ETag), aws.ToString(head.ETag))
	}
	// The part count and, two by two, the parts with their sizes and the
	// checksums their UploadPart returned.
	op := a.ObjectParts
	if op == nil || aws.ToInt32(op.TotalPartsCount) != 3 || len(op.Parts) != 2 || !aws.ToBool(op.IsTruncated) ||
		aws.ToString(op.NextPartNumberMarker) != "2" {
		t.Fatalf("multi: ObjectParts %+v, want a count of 3 and parts 1-2 of them", op)
	}
	a = must[*s3.GetObjectAttributesOutput](t, "GetObjectAttributes multi, page 2")(c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{
		Bucket: aws.String("bkt"), Key: aws.String("multi"), ObjectAttributes: allAttributes, MaxParts: aws.Int32(2), PartNumberMarker: op.NextPartNumberMarker}))
	if a.ObjectParts == nil || len(a.ObjectParts.Parts) != 1 || aws.ToBool(a.ObjectParts.IsTruncated) {
		t.Fatalf("multi, page 2: ObjectParts %+v, want part 3 only", a.ObjectParts)
	}
	for i, p := range append(op.Parts, a.ObjectParts.Parts...) {
		if aws.ToInt32(p.PartNumber) != int32(i+1) || aws.ToInt64(p.Size) != int64(sizes[i]) ||
			aws.ToString(p.ChecksumCRC32) != aws.ToString(done[i].ChecksumCRC32) || aws.ToString(p.ChecksumCRC32) == "" {
			t.Errorf("multi: part %d = number %d size %d CRC32 %q, want size %d CRC32 %q", i+1, aws.ToInt32(p.PartNumber),
				aws.ToInt64(p.Size), aws.ToString(p.ChecksumCRC32), sizes[i], aws.ToString(done[i].ChecksumCRC32))
		}
	}

	_, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("bkt"), Key: aws.String("nosuch"), ObjectAttributes: allAttributes})
	wantCode(t, "GetObjectAttributes of a missing key", err, "NoSuchKey", 404)
	_, err = c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{Bucket: aws.String("bkt"), Key: aws.String("single"), ObjectAttributes: []types.ObjectAttributes{"Color"}})
	wantCode(t, "GetObjectAttributes of an unknown attribute", err, "InvalidArgument", 400)
}
