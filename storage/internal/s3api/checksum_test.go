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

// Checksums sent in headers (plain HTTP) are verified, stored and
// returned with x-amz-checksum-mode: ENABLED; every algorithm the SDK
// computes is accepted, so kossd's sums equal the SDK's (CRC64NVME
// included).
func TestSDKChecksumsStoredAndReturned(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	data := []byte(strings.Repeat("checksum me ", 5000))
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c,
		types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256} {
		key := "obj-" + string(alg)
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), Body: bytes.NewReader(data),
			ChecksumAlgorithm: alg}); err != nil {
			t.Fatalf("PutObject with %s: %v", alg, err)
		}
		a, _ := checksum.Parse(string(alg))
		want := a.Sum(data)
		got := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled}))
		var v string
		switch alg {
		case types.ChecksumAlgorithmCrc32:
			v = aws.ToString(got.ChecksumCRC32)
		case types.ChecksumAlgorithmCrc32c:
			v = aws.ToString(got.ChecksumCRC32C)
		case types.ChecksumAlgorithmCrc64nvme:
			v = aws.ToString(got.ChecksumCRC64NVME)
		case types.ChecksumAlgorithmSha1:
			v = aws.ToString(got.ChecksumSHA1)
		case types.ChecksumAlgorithmSha256:
			v = aws.ToString(got.ChecksumSHA256)
		}
		if v != want {
			t.Errorf("%s: HeadObject checksum %q, want %q", alg, v, want)
		}
		// GetObject: the SDK validates the body against the returned value.
		out := must[*s3.GetObjectOutput](t, "GetObject")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled}))
		if readAll(t, out.Body) != string(data) {
			t.Fatalf("%s: body differs", alg)
		}
		// A range has no object checksum.
		rg := must[*s3.GetObjectOutput](t, "ranged GetObject")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key),
			Range: aws.String("bytes=0-3"), ChecksumMode: types.ChecksumModeEnabled}))
		readAll(t, rg.Body)
		if rg.ChecksumCRC32 != nil || rg.ChecksumSHA256 != nil || rg.ChecksumCRC64NVME != nil {
			t.Errorf("%s: a ranged read returned the object's checksum", alg)
		}
	}
	// Without a checksum sent, none is returned.
	cfgless := e.root()
	if _, err := cfgless.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("plain"), Body: bytes.NewReader(data)},
		func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired }); err != nil {
		t.Fatal(err)
	}
	h := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("plain"), ChecksumMode: types.ChecksumModeEnabled}))
	if h.ChecksumCRC32 != nil || h.ChecksumType != "" {
		t.Errorf("an object stored without a checksum returned one: %v %q", aws.ToString(h.ChecksumCRC32), h.ChecksumType)
	}
}

// Parts uploaded with checksum headers record them; Complete checks the
// listed ones against them and gives the object the composite checksum.
func TestSDKMultipartChecksums(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	cr := must[*s3.CreateMultipartUploadOutput](t, "Create")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String("bkt"), Key: aws.String("mp"), ChecksumAlgorithm: types.ChecksumAlgorithmSha256}))
	p1, p2 := bytes.Repeat([]byte("x"), partSize), []byte("end")
	var parts []types.CompletedPart
	var raw [][]byte
	for i, p := range [][]byte{p1, p2} {
		up := must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("mp"),
			UploadId: cr.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p), ChecksumAlgorithm: types.ChecksumAlgorithmSha256}))
		if want := checksum.SHA256.Sum(p); aws.ToString(up.ChecksumSHA256) != want {
			t.Fatalf("UploadPart %d checksum %q, want %q", i+1, aws.ToString(up.ChecksumSHA256), want)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag, ChecksumSHA256: up.ChecksumSHA256})
		s, _ := checksum.SHA256.Decode(aws.ToString(up.ChecksumSHA256))
		raw = append(raw, s)
	}
	lp := must[*s3.ListPartsOutput](t, "ListParts")(c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: cr.UploadId}))
	if aws.ToString(lp.Parts[0].ChecksumSHA256) != aws.ToString(parts[0].ChecksumSHA256) {
		t.Errorf("ListParts checksum %q", aws.ToString(lp.Parts[0].ChecksumSHA256))
	}
	// A listed checksum other than the recorded one: InvalidPart.
	bad := append([]types.CompletedPart(nil), parts...)
	bad[1].ChecksumSHA256 = aws.String(checksum.SHA256.Sum([]byte("other")))
	_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: bad}})
	wantCode(t, "Complete with a wrong part checksum", err, "InvalidPart", 400)
	if got := e.get(t, "bkt", "mp"); !strings.HasPrefix(got, "<") {
		t.Fatal("a refused Complete made an object")
	}
	want := checksum.Composite(checksum.SHA256, raw)
	// The object's checksum asserted by the client is checked too.
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: cr.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}, ChecksumSHA256: aws.String(checksum.SHA256.Sum([]byte("x")) + "-2")})
	wantCode(t, "Complete with a wrong object checksum", err, "BadDigest", 400)
	done := must[*s3.CompleteMultipartUploadOutput](t, "Complete")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp"),
		UploadId: cr.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}, ChecksumSHA256: aws.String(want)}))
	if aws.ToString(done.ChecksumSHA256) != want {
		t.Errorf("Complete checksum %q, want the composite %q", aws.ToString(done.ChecksumSHA256), want)
	}
	h := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), ChecksumMode: types.ChecksumModeEnabled}))
	if aws.ToString(h.ChecksumSHA256) != want || h.ChecksumType != types.ChecksumTypeComposite {
		t.Errorf("HeadObject checksum %q %q, want %q COMPOSITE", aws.ToString(h.ChecksumSHA256), h.ChecksumType, want)
	}
	// partNumber reads the part's bytes and says how many there are.
	pn := must[*s3.GetObjectOutput](t, "GetObject partNumber")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), PartNumber: aws.Int32(2)}))
	if b := readAll(t, pn.Body); b != "end" || aws.ToInt32(pn.PartsCount) != 2 {
		t.Errorf("partNumber=2: %q, parts %d", b, aws.ToInt32(pn.PartsCount))
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), PartNumber: aws.Int32(3)})
	wantCode(t, "partNumber past the last", err, "InvalidPartNumber", 416)
}

// If-Match on PutObject and Complete replaces only the named version.
func TestSDKIfMatchWrites(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	v1 := must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("v1")}))
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("v2"), IfMatch: aws.String(`"00000000000000000000000000000000"`)})
	wantCode(t, "PutObject If-Match other", err, "PreconditionFailed", 412)
	if got := e.get(t, "bkt", "k"); got != "v1" {
		t.Fatalf("a failed If-Match write changed the object to %q", got)
	}
	must[*s3.PutObjectOutput](t, "PutObject If-Match same")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("v2"), IfMatch: v1.ETag}))
	if got := e.get(t, "bkt", "k"); got != "v2" {
		t.Fatalf("If-Match write with the current ETag: %q", got)
	}
	cr := must[*s3.CreateMultipartUploadOutput](t, "Create")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("k")}))
	up := must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: cr.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("v3")}))
	parts := &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: up.ETag}}}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("k"), UploadId: cr.UploadId, MultipartUpload: parts, IfMatch: v1.ETag})
	wantCode(t, "Complete If-Match stale", err, "PreconditionFailed", 412)
	if got := e.get(t, "bkt", "k"); got != "v2" {
		t.Fatalf("a failed If-Match Complete changed the object to %q", got)
	}
}

// FULL_OBJECT uploads (boto3's and minio-go's choice for CRCs) get the
// CRC of the whole content, combined from the parts' CRCs: the SDK checks
// the body it downloads against it.
func TestSDKFullObjectUpload(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	_, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("x"),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256, ChecksumType: types.ChecksumTypeFullObject})
	wantCode(t, "SHA256 FULL_OBJECT", err, "InvalidRequest", 400)
	_, err = c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("x"),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc64nvme, ChecksumType: types.ChecksumTypeComposite})
	wantCode(t, "CRC64NVME COMPOSITE", err, "InvalidRequest", 400)
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c} {
		key := "f-" + string(alg)
		cr := must[*s3.CreateMultipartUploadOutput](t, "Create")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String(key),
			ChecksumAlgorithm: alg, ChecksumType: types.ChecksumTypeFullObject}))
		if cr.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("%s upload type %q, want FULL_OBJECT", alg, cr.ChecksumType)
		}
		data := append(bytes.Repeat([]byte("full object "), partSize/12+1), "and the rest"...)
		var parts []types.CompletedPart
		for i, chunk := range [][]byte{data[:partSize], data[partSize:]} {
			up := must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String(key), UploadId: cr.UploadId,
				PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(chunk), ChecksumAlgorithm: alg}))
			parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: up.ETag,
				ChecksumCRC32: up.ChecksumCRC32, ChecksumCRC32C: up.ChecksumCRC32C, ChecksumCRC64NVME: up.ChecksumCRC64NVME})
		}
		a, _ := checksum.Parse(string(alg))
		want := a.Sum(data)
		done := must[*s3.CompleteMultipartUploadOutput](t, "Complete")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String(key),
			UploadId: cr.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}))
		got := aws.ToString(done.ChecksumCRC64NVME) + aws.ToString(done.ChecksumCRC32) + aws.ToString(done.ChecksumCRC32C)
		if got != want || done.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("%s: Complete checksum %q %q, want the whole content's %q FULL_OBJECT", alg, got, done.ChecksumType, want)
		}
		out := must[*s3.GetObjectOutput](t, "GetObject")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled}))
		if readAll(t, out.Body) != string(data) {
			t.Fatalf("%s: body differs", alg)
		}
	}
}
