package s3api

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/object"
)

// What must never happen: a copy reports no checksum type, a checksum of
// another algorithm than the one asked for, or a value that is not the
// whole content's (a COMPOSITE one, or the source's of another
// algorithm).
func TestCopyObjectChecksums(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	data := []byte(strings.Repeat("copy me ", 9000))
	// "plain" has no checksum (written through the layer, as OSS uploads
	// are); "crc32" has the CRC32 its PutObject sent.
	if _, err := e.store.PutObject(ctx, "bkt", "plain", bytes.NewReader(data), int64(len(data)), object.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("crc32"),
		Body: bytes.NewReader(data), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}))

	head := func(key string) *s3.HeadObjectOutput {
		return must[*s3.HeadObjectOutput](t, "HeadObject "+key)(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"),
			Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled}))
	}
	for _, tc := range []struct {
		src, dst string
		ask      types.ChecksumAlgorithm
		want     checksum.Algorithm
	}{
		{"plain", "plain-copy", "", checksum.CRC64NVME}, // S3's default for a copy of an object without one
		{"plain", "plain-sha256", types.ChecksumAlgorithmSha256, checksum.SHA256},
		{"crc32", "crc32-copy", "", checksum.CRC32}, // the source's, kept
		{"crc32", "crc32-crc32c", types.ChecksumAlgorithmCrc32c, checksum.CRC32C},
		{"crc32", "crc32", types.ChecksumAlgorithmSha1, checksum.SHA1}, // in place, with new metadata
	} {
		in := &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String(tc.dst), CopySource: aws.String("bkt/" + tc.src), ChecksumAlgorithm: tc.ask}
		if tc.src == tc.dst {
			in.MetadataDirective, in.Metadata = types.MetadataDirectiveReplace, map[string]string{"round": "2"}
		}
		out := must[*s3.CopyObjectOutput](t, "CopyObject "+tc.dst)(c.CopyObject(ctx, in))
		wantValue := tc.want.Sum(data)
		res := out.CopyObjectResult
		got := map[checksum.Algorithm]*string{checksum.CRC32: res.ChecksumCRC32, checksum.CRC32C: res.ChecksumCRC32C,
			checksum.CRC64NVME: res.ChecksumCRC64NVME, checksum.SHA1: res.ChecksumSHA1, checksum.SHA256: res.ChecksumSHA256}
		for alg, v := range got {
			if alg == tc.want && aws.ToString(v) != wantValue || alg != tc.want && v != nil {
				t.Errorf("copy %s -> %s: CopyObjectResult %s = %q, want %q only for %s", tc.src, tc.dst, alg, aws.ToString(v), wantValue, tc.want)
			}
		}
		if res.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("copy %s -> %s: CopyObjectResult ChecksumType %q", tc.src, tc.dst, res.ChecksumType)
		}
		h := head(tc.dst)
		hv := map[checksum.Algorithm]*string{checksum.CRC32: h.ChecksumCRC32, checksum.CRC32C: h.ChecksumCRC32C,
			checksum.CRC64NVME: h.ChecksumCRC64NVME, checksum.SHA1: h.ChecksumSHA1, checksum.SHA256: h.ChecksumSHA256}
		if aws.ToString(hv[tc.want]) != wantValue || h.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("HeadObject %s: %s %q type %q, want %q FULL_OBJECT", tc.dst, tc.want, aws.ToString(hv[tc.want]), h.ChecksumType, wantValue)
		}
		if tc.src == tc.dst && h.Metadata["round"] != "2" {
			t.Errorf("in-place copy lost its new metadata: %v", h.Metadata)
		}
		// The SDK checks a whole-object GET against the FULL_OBJECT value.
		g := must[*s3.GetObjectOutput](t, "GetObject")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String(tc.dst), ChecksumMode: types.ChecksumModeEnabled}))
		if body := readAll(t, g.Body); body != string(data) {
			t.Errorf("GetObject %s: %d bytes", tc.dst, len(body))
		}
	}

	// A COMPOSITE source: the copy gets the whole content's CRC32, not
	// the composite value.
	u, _ := url.Parse(e.srv.URL)
	mc, err := minio.New(u.Host, &minio.Options{Creds: miniocreds.NewStaticV4(rootID, rootSecret, ""), Region: "us-east-1",
		Transport: e.hc.Transport, BucketLookup: minio.BucketLookupPath, TrailingHeaders: true})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), (5<<20)/16*2+100)
	if _, err := mc.PutObject(ctx, "bkt", "multi", bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{
		PartSize: 5 << 20, Checksum: minio.ChecksumCRC32, DisableContentSha256: true}); err != nil {
		t.Fatal(err)
	}
	if src := head("multi"); src.ChecksumType != types.ChecksumTypeComposite {
		t.Fatalf("multipart source: checksum type %q, want COMPOSITE (the test needs one)", src.ChecksumType)
	}
	must[*s3.CopyObjectOutput](t, "CopyObject multi")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("multi-copy"), CopySource: aws.String("bkt/multi")}))
	if h := head("multi-copy"); aws.ToString(h.ChecksumCRC32) != checksum.CRC32.Sum(big) || h.ChecksumType != types.ChecksumTypeFullObject {
		t.Errorf("copy of a COMPOSITE source: CRC32 %q type %q, want %q FULL_OBJECT", aws.ToString(h.ChecksumCRC32), h.ChecksumType, checksum.CRC32.Sum(big))
	}

	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("bad"), CopySource: aws.String("bkt/plain"), ChecksumAlgorithm: "CRC16"})
	wantCode(t, "copy with an unknown checksum algorithm", err, "InvalidRequest", 400)
	if _, err := e.store.HeadObject(ctx, "bkt", "bad"); err == nil {
		t.Error("a refused copy stored its destination")
	}
}
