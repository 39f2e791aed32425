package s3api

import (
	"bytes"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/koss-io/koss/storage/internal/checksum"
)

// partChecksumUpload uploads key as a CRC32 multipart object of the given
// type from parts and returns the parts' checksums as UploadPart gave them.
func partChecksumUpload(t *testing.T, c *s3.Client, key string, ctype types.ChecksumType, parts [][]byte) []string {
	t.Helper()
	ctx := t.Context()
	cr := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String("bkt"), Key: aws.String(key), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32, ChecksumType: ctype}))
	var done []types.CompletedPart
	var sums []string
	for i, p := range parts {
		up := must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String(key),
			UploadId: cr.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}))
		if want := checksum.CRC32.Sum(p); aws.ToString(up.ChecksumCRC32) != want {
			t.Fatalf("%s: UploadPart %d checksum %q, want %q", key, i+1, aws.ToString(up.ChecksumCRC32), want)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag, ChecksumCRC32: up.ChecksumCRC32})
		sums = append(sums, aws.ToString(up.ChecksumCRC32))
	}
	out := must[*s3.CompleteMultipartUploadOutput](t, "CompleteMultipartUpload")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("bkt"), Key: aws.String(key), UploadId: cr.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}))
	if out.ChecksumType != ctype {
		t.Fatalf("%s: Complete checksum type %q, want %q", key, out.ChecksumType, ctype)
	}
	return sums
}

// GET and HEAD ?partNumber=N with x-amz-checksum-mode: ENABLED answer part
// N's own checksum (the SDK checks the part's bytes against it) with the
// object's checksum type: for a COMPOSITE upload as S3 does, and for a
// FULL_OBJECT one as MinIO does and minio-go's suite expects (S3 gives
// none there). What must never happen: a part read answered with the
// object's checksum, another part's, or the composite value.
func TestSDKPartNumberChecksum(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	parts := [][]byte{bytes.Repeat([]byte("a"), partSize), bytes.Repeat([]byte("b"), partSize), []byte("the last part")}

	// get reads part n of key, whose bytes must be want.
	get := func(key string, n int32, want []byte) *s3.GetObjectOutput {
		t.Helper()
		out := must[*s3.GetObjectOutput](t, "GetObject partNumber")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key),
			PartNumber: aws.Int32(n), ChecksumMode: types.ChecksumModeEnabled}))
		if b := readAll(t, out.Body); b != string(want) {
			t.Fatalf("%s partNumber=%d: body of %d bytes differs", key, n, len(b))
		}
		return out
	}
	head := func(key string, n int32) *s3.HeadObjectOutput {
		t.Helper()
		return must[*s3.HeadObjectOutput](t, "HeadObject partNumber")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key),
			PartNumber: aws.Int32(n), ChecksumMode: types.ChecksumModeEnabled}))
	}

	// COMPOSITE: each part's checksum, GET and HEAD alike.
	sums := partChecksumUpload(t, c, "composite", types.ChecksumTypeComposite, parts)
	for i := range parts {
		n := int32(i + 1)
		g, h := get("composite", n, parts[i]), head("composite", n)
		if aws.ToString(g.ChecksumCRC32) != sums[i] || g.ChecksumType != types.ChecksumTypeComposite {
			t.Errorf("composite GET partNumber=%d: CRC32 %q %q, want the part's %q COMPOSITE", n, aws.ToString(g.ChecksumCRC32), g.ChecksumType, sums[i])
		}
		if aws.ToString(h.ChecksumCRC32) != sums[i] || h.ChecksumType != types.ChecksumTypeComposite {
			t.Errorf("composite HEAD partNumber=%d: CRC32 %q %q, want the part's %q COMPOSITE", n, aws.ToString(h.ChecksumCRC32), h.ChecksumType, sums[i])
		}
	}
	// The whole object still answers the composite value.
	if h := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("composite"),
		ChecksumMode: types.ChecksumModeEnabled})); aws.ToString(h.ChecksumCRC32) == sums[0] || h.ChecksumType != types.ChecksumTypeComposite {
		t.Errorf("composite HEAD: CRC32 %q %q, want the object's composite value", aws.ToString(h.ChecksumCRC32), h.ChecksumType)
	}
	// A COMPOSITE object of one part: partNumber=1 is its part's checksum,
	// not the "-1" composite value.
	one := partChecksumUpload(t, c, "single", types.ChecksumTypeComposite, parts[2:])
	if g := get("single", 1, parts[2]); aws.ToString(g.ChecksumCRC32) != one[0] {
		t.Errorf("single GET partNumber=1: CRC32 %q, want the part's %q", aws.ToString(g.ChecksumCRC32), one[0])
	}

	// FULL_OBJECT: the part's checksum too, not the object's.
	fullSums := partChecksumUpload(t, c, "full", types.ChecksumTypeFullObject, parts)
	for i := range parts {
		n := int32(i + 1)
		g, h := get("full", n, parts[i]), head("full", n)
		if aws.ToString(g.ChecksumCRC32) != fullSums[i] || aws.ToString(h.ChecksumCRC32) != fullSums[i] ||
			g.ChecksumType != types.ChecksumTypeFullObject || h.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("full partNumber=%d: GET CRC32 %q %q, HEAD CRC32 %q %q, want the part's %q FULL_OBJECT", n, aws.ToString(g.ChecksumCRC32),
				g.ChecksumType, aws.ToString(h.ChecksumCRC32), h.ChecksumType, fullSums[i])
		}
	}
	// Its whole content has the object's checksum.
	all := bytes.Join(parts, nil)
	if h := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("full"),
		ChecksumMode: types.ChecksumModeEnabled})); aws.ToString(h.ChecksumCRC32) != checksum.CRC32.Sum(all) || h.ChecksumType != types.ChecksumTypeFullObject {
		t.Errorf("full HEAD: CRC32 %q %q, want %q FULL_OBJECT", aws.ToString(h.ChecksumCRC32), h.ChecksumType, checksum.CRC32.Sum(all))
	}
}
