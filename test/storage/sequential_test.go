package storage

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// TestV2SDKSequentialUpload: an upload initiated with ?sequential takes its
// parts in ascending order only, and its object carries a Content-MD5 of
// the whole content (the MD5 across parts, not of their ETags), as OSS
// gives it; an ordinary upload's object has none.
func TestV2SDKSequentialUpload(t *testing.T) {
	ctx := context.Background()
	c := v2Root(oss.SignatureVersionV4)
	bucket := newBucketName(t)
	if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(bucket)}); err != nil {
		t.Fatal(err)
	}
	content := randomBytes(4*(100<<10) + 123) // four full parts and a short one, blobs and inline
	seq := oss.RequestCommon{Parameters: map[string]string{"sequential": ""}}
	u := oss.NewUploader(c, func(o *oss.UploaderOptions) { o.PartSize = 100 << 10 })
	for _, sequential := range []bool{false, true} {
		req := &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("obj")}
		if sequential {
			req.RequestCommon = seq
		}
		if _, err := u.UploadFrom(ctx, req, bytes.NewReader(content)); err != nil {
			t.Fatalf("sequential=%v: %v", sequential, err)
		}
		h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("obj")})
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum(content)
		switch got := h.ContentMD5; {
		case !sequential && got != nil:
			t.Fatalf("ordinary multipart object has Content-MD5 %s", *got)
		case sequential && oss.ToString(got) != base64.StdEncoding.EncodeToString(sum[:]):
			t.Fatalf("sequential object: Content-MD5 %q, want %s", oss.ToString(got), base64.StdEncoding.EncodeToString(sum[:]))
		}
		if oss.ToString(h.ObjectType) != "Multipart" {
			t.Fatalf("type %s", oss.ToString(h.ObjectType))
		}
	}

	// Out of order: part 2 first is fine, part 1 after it is refused and
	// changes nothing; re-sending the last part is allowed.
	init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("ooo"), RequestCommon: seq})
	if err != nil {
		t.Fatal(err)
	}
	put := func(n int32, body []byte) (*oss.UploadPartResult, error) {
		return c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("ooo"), UploadId: init.UploadId, PartNumber: n, Body: bytes.NewReader(body)})
	}
	p1, p2 := randomBytes(100<<10), randomBytes(1000)
	if _, err := put(2, p1); err != nil {
		t.Fatal(err)
	}
	_, err = put(1, p1)
	requireV2Code(t, err, "InvalidArgument", 400)
	r2, err := put(2, p1)
	if err != nil {
		t.Fatal(err)
	}
	r3, err := put(3, p2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("ooo"), UploadId: init.UploadId,
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{{PartNumber: 2, ETag: r2.ETag}, {PartNumber: 3, ETag: r3.ETag}}}}); err != nil {
		t.Fatal(err)
	}
	h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("ooo")})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(append(append([]byte{}, p1...), p2...))
	if oss.ToString(h.ContentMD5) != base64.StdEncoding.EncodeToString(sum[:]) || h.ContentLength != int64(len(p1)+len(p2)) {
		t.Fatalf("Content-MD5 %s, %d bytes", oss.ToString(h.ContentMD5), h.ContentLength)
	}
}
