package s3api

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/koss-io/koss/storage/internal/checksum"
)

const partSize = 5 << 20

func TestSDKMultipart(t *testing.T) {
	for _, m := range []struct {
		name string
		tls  bool
	}{{"http", false}, {"tls", true}} {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t, m.tls)
			ctx := t.Context()
			c := e.root()
			must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
			cr := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
				Bucket: aws.String("bkt"), Key: aws.String("mp"), Metadata: map[string]string{"x": "y"}, ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}))
			id := cr.UploadId
			p1 := bytes.Repeat([]byte("a"), partSize)
			p2 := []byte("tail")
			up1 := must[*s3.UploadPartOutput](t, "UploadPart 1")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("mp"),
				UploadId: id, PartNumber: aws.Int32(1), Body: bytes.NewReader(p1), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}))
			if up1.ChecksumCRC32 == nil {
				t.Errorf("UploadPart returned no checksum")
			}
			up2 := must[*s3.UploadPartOutput](t, "UploadPart 2")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("mp"),
				UploadId: id, PartNumber: aws.Int32(2), Body: bytes.NewReader(p2), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}))
			lp := must[*s3.ListPartsOutput](t, "ListParts")(c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: id}))
			if len(lp.Parts) != 2 || aws.ToInt64(lp.Parts[0].Size) != partSize || aws.ToString(lp.Parts[1].ETag) != aws.ToString(up2.ETag) || lp.Initiator == nil {
				t.Errorf("ListParts: %+v", lp.Parts)
			}
			lu := must[*s3.ListMultipartUploadsOutput](t, "ListMultipartUploads")(c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String("bkt")}))
			if len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].UploadId) != aws.ToString(id) {
				t.Errorf("ListMultipartUploads: %+v", lu.Uploads)
			}
			// Bad part lists: nothing is completed.
			complete := func(parts ...types.CompletedPart) error {
				_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: id,
					MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
				return err
			}
			part := func(n int32, etag *string) types.CompletedPart {
				return types.CompletedPart{PartNumber: aws.Int32(n), ETag: etag}
			}
			wantCode(t, "wrong ETag", complete(part(1, aws.String(`"00000000000000000000000000000000"`)), part(2, up2.ETag)), "InvalidPart", 400)
			wantCode(t, "missing part", complete(part(1, up1.ETag), part(3, up2.ETag)), "InvalidPart", 400)
			wantCode(t, "descending", complete(part(2, up2.ETag), part(1, up1.ETag)), "InvalidPartOrder", 400)
			up3 := must[*s3.UploadPartOutput](t, "UploadPart 3")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("mp"),
				UploadId: id, PartNumber: aws.Int32(3), Body: bytes.NewReader(p2)}))
			wantCode(t, "small part before the last", complete(part(2, up2.ETag), part(3, up3.ETag)), "EntityTooSmall", 400)
			wantCode(t, "empty list", complete(), "MalformedXML", 400)
			if got := e.get(t, "bkt", "mp"); !strings.HasPrefix(got, "<") {
				t.Fatalf("a refused Complete made an object")
			}
			done := must[*s3.CompleteMultipartUploadOutput](t, "CompleteMultipartUpload")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
				Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: id,
				MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
					{PartNumber: aws.Int32(1), ETag: up1.ETag, ChecksumCRC32: up1.ChecksumCRC32},
					{PartNumber: aws.Int32(2), ETag: up2.ETag, ChecksumCRC32: up2.ChecksumCRC32}}}}))
			if et := aws.ToString(done.ETag); !strings.HasSuffix(et, `-2"`) || et != strings.ToLower(et) {
				t.Errorf("Complete ETag %s", et)
			}
			got := must[*s3.GetObjectOutput](t, "GetObject")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp")}))
			if b := readAll(t, got.Body); b != string(p1)+string(p2) || got.Metadata["x"] != "y" {
				t.Fatalf("completed object: %d bytes, meta %v", len(b), got.Metadata)
			}
			// Complete is idempotent, as S3's: a retry after a lost answer
			// gets the same object back.
			again := must[*s3.CompleteMultipartUploadOutput](t, "repeated Complete")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
				Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: id,
				MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{part(1, up1.ETag), part(2, up2.ETag)}}}))
			if aws.ToString(again.ETag) != aws.ToString(done.ETag) {
				t.Errorf("repeated Complete ETag %s, want %s", aws.ToString(again.ETag), aws.ToString(done.ETag))
			}
			_, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: id,
				MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{part(1, up1.ETag)}}})
			wantCode(t, "repeated Complete with other parts", err, "NoSuchUpload", 404)
			pn := must[*s3.GetObjectOutput](t, "GetObject partNumber 1")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), PartNumber: aws.Int32(1)}))
			if b := readAll(t, pn.Body); len(b) == 0 {
				t.Errorf("partNumber=1 returned nothing")
			}
			_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: id, PartNumber: aws.Int32(3), Body: bytes.NewReader(p2)})
			wantCode(t, "UploadPart after Complete", err, "NoSuchUpload", 404)

			// Abort.
			ab := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("ab")}))
			must[*s3.AbortMultipartUploadOutput](t, "Abort")(c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("ab"), UploadId: ab.UploadId}))
			_, err = c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("bkt"), Key: aws.String("ab"), UploadId: ab.UploadId})
			wantCode(t, "ListParts after Abort", err, "NoSuchUpload", 404)
			_, err = c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("ab"), UploadId: aws.String("NOSUCHUPLOAD")})
			wantCode(t, "Abort unknown", err, "NoSuchUpload", 404)
		})
	}
}

func TestSDKUploadPartCopyAndConditionalComplete(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	src := bytes.Repeat([]byte("0123456789"), (partSize+10)/10)
	must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("src"), Body: bytes.NewReader(src)}))
	must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dst"), Body: strings.NewReader("old")}))
	cr := must[*s3.CreateMultipartUploadOutput](t, "Create")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("dst")}))
	cp1 := must[*s3.UploadPartCopyOutput](t, "UploadPartCopy 1")(c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("bkt"), Key: aws.String("dst"),
		UploadId: cr.UploadId, PartNumber: aws.Int32(1), CopySource: aws.String("bkt/src"), CopySourceRange: aws.String("bytes=0-5242879")}))
	cp2 := must[*s3.UploadPartCopyOutput](t, "UploadPartCopy 2")(c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("bkt"), Key: aws.String("dst"),
		UploadId: cr.UploadId, PartNumber: aws.Int32(2), CopySource: aws.String("/bkt/src"), CopySourceRange: aws.String("bytes=5242880-5242889")}))
	_, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String("bkt"), Key: aws.String("dst"),
		UploadId: cr.UploadId, PartNumber: aws.Int32(3), CopySource: aws.String("bkt/src"), CopySourceRange: aws.String("bytes=0-99999999")})
	wantCode(t, "copy range past the end", err, "InvalidRange", 416)
	parts := &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
		{PartNumber: aws.Int32(1), ETag: cp1.CopyPartResult.ETag}, {PartNumber: aws.Int32(2), ETag: cp2.CopyPartResult.ETag}}}
	// If-None-Match: * on an existing key: refused, the old object stays.
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("dst"), UploadId: cr.UploadId,
		MultipartUpload: parts, IfNoneMatch: aws.String("*")})
	wantCode(t, "Complete If-None-Match: *", err, "PreconditionFailed", 412)
	if got := e.get(t, "bkt", "dst"); got != "old" {
		t.Fatalf("a refused conditional Complete replaced the object: %d bytes", len(got))
	}
	must[*s3.CompleteMultipartUploadOutput](t, "Complete")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("bkt"), Key: aws.String("dst"),
		UploadId: cr.UploadId, MultipartUpload: parts}))
	if got := e.get(t, "bkt", "dst"); got != string(src[:partSize+10]) {
		t.Fatalf("UploadPartCopy object: %d bytes, want %d", len(got), partSize+10)
	}
}

// The manager's Uploader (CRC32 checksums on Create, every part and
// Complete) and presigned GET and PUT URLs.
func TestSDKUploaderAndPresign(t *testing.T) {
	e := newEnv(t, true)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	data := bytes.Repeat([]byte("uploader "), (12<<20)/9)
	//nolint:staticcheck // manager is deprecated for the v0 transfermanager, but it is what applications upload with today.
	up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = partSize })
	res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("big"), Body: bytes.NewReader(data), //nolint:staticcheck // as above
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(res.ETag), `-3"`) {
		t.Errorf("Uploader ETag %s, want 3 parts", aws.ToString(res.ETag))
	}
	if got := e.get(t, "bkt", "big"); got != string(data) {
		t.Fatalf("uploaded object differs: %d bytes, want %d", len(got), len(data))
	}
	// Over TLS the parts' CRC32s came as aws-chunked trailers: they were
	// verified, recorded, and make the object's composite checksum.
	var raw [][]byte
	for off := 0; off < len(data); off += partSize {
		s, _ := checksum.CRC32.Decode(checksum.CRC32.Sum(data[off:min(off+partSize, len(data))]))
		raw = append(raw, s)
	}
	want := checksum.Composite(checksum.CRC32, raw)
	h := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("big"), ChecksumMode: types.ChecksumModeEnabled}))
	if aws.ToString(h.ChecksumCRC32) != want || h.ChecksumType != types.ChecksumTypeComposite {
		t.Errorf("Uploader object checksum %q %q, want %q COMPOSITE", aws.ToString(h.ChecksumCRC32), h.ChecksumType, want)
	}
	// A single PutObject's trailer checksum is stored too.
	small := []byte("trailer checksum")
	must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("small"), Body: bytes.NewReader(small)}))
	hs := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("small"), ChecksumMode: types.ChecksumModeEnabled}))
	if aws.ToString(hs.ChecksumCRC32) != checksum.CRC32.Sum(small) {
		t.Errorf("PutObject over TLS: stored CRC32 %q, want %q", aws.ToString(hs.ChecksumCRC32), checksum.CRC32.Sum(small))
	}

	ps := s3.NewPresignClient(c)
	pput, err := ps.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("pre signed")}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, pput.URL, strings.NewReader("presigned body"))
	resp, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d", resp.StatusCode)
	}
	pget, err := ps.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("pre signed")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = e.hc.Get(pget.URL)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp.Body); resp.StatusCode != 200 || body != "presigned body" {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, body)
	}
	// A tampered presigned URL is refused.
	resp, err = e.hc.Get(strings.Replace(pget.URL, "pre%20signed", "other", 1))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("tampered presigned GET: %d, want 403", resp.StatusCode)
	}
}
