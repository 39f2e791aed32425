package awsauth

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/koss-io/koss/storage/internal/checksum"
)

func minioClient(t *testing.T, srv *s3Server, trailing bool) *minio.Client {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	c, err := minio.New(u.Host, &minio.Options{
		Creds:           miniocreds.NewStaticV4(clientID, clientSecret, ""),
		Region:          "us-east-1", // no GetBucketLocation first
		BucketLookup:    minio.BucketLookupPath,
		TrailingHeaders: trailing,
		MaxRetries:      1,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMinioStreaming: minio-go over plain HTTP sends PutObject as
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD (64 KiB signed chunks); with
// TrailingHeaders and a checksum it sends
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER with the checksum in a signed
// trailer. The handler must read exactly the data.
func TestMinioStreaming(t *testing.T) {
	srv := newS3Server(t, false, time.Now)
	ctx := context.Background()
	for _, c := range []struct {
		trailing bool
		sum      minio.ChecksumType
		payload  string
		alg      checksum.Algorithm
	}{
		{false, minio.ChecksumNone, streamingSigned, ""},
		{true, minio.ChecksumCRC32C, streamingSignedTrailer, checksum.CRC32C},
		{true, minio.ChecksumCRC32, streamingSignedTrailer, checksum.CRC32},
		{true, minio.ChecksumSHA256, streamingSignedTrailer, checksum.SHA256},
		{true, minio.ChecksumCRC64NVME, streamingSignedTrailer, checksum.CRC64NVME},
		{true, minio.ChecksumMD5, streamingSignedTrailer, checksum.MD5},
		{true, minio.ChecksumSHA512, streamingSignedTrailer, checksum.SHA512},
		{true, minio.ChecksumXXHash64, streamingSignedTrailer, checksum.XXHASH64},
		{true, minio.ChecksumXXHash3, streamingSignedTrailer, checksum.XXHASH3},
		{true, minio.ChecksumXXHash128, streamingSignedTrailer, checksum.XXHASH128},
	} {
		client := minioClient(t, srv, c.trailing)
		for _, n := range []int{1, 65536, 65537, 300_000} {
			data := randomBytes(n)
			if _, err := client.PutObject(ctx, "bkt", awkwardKey, bytes.NewReader(data), int64(n), minio.PutObjectOptions{Checksum: c.sum}); err != nil {
				t.Fatalf("trailing=%v: PutObject of %d bytes: %v", c.trailing, n, err)
			}
			e := srv.last(t)
			if e.payload != c.payload {
				t.Fatalf("minio-go sent x-amz-content-sha256 %q; this test expects %s", e.payload, c.payload)
			}
			checkWrite(t, e, data, c.alg)
		}
	}
	// Its other calls (StatObject, GetObject, RemoveObject) sign hex digests.
	client := minioClient(t, srv, false)
	if _, err := client.StatObject(ctx, "bkt", "k", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("StatObject: %v", err)
	}
	if err := client.RemoveObject(ctx, "bkt", awkwardKey, minio.RemoveObjectOptions{}); err != nil {
		t.Fatalf("RemoveObject: %v", err)
	}
	for _, e := range srv.all() {
		if e.err != nil {
			t.Errorf("%s %s refused: %v", e.method, e.path, e.err)
		}
	}
}

// TestMinioChecksumHeaders: a checksum of the later algorithms (MD5, SHA512,
// the xxHashes) that a minio-go user sets as an x-amz-checksum-* header
// (UserMetadata; minio-go then computes none itself) is verified: the right
// value is accepted and reported, a value of other data is BadDigest. Never
// may an unknown-to-us header fail the upload or a wrong value pass.
func TestMinioChecksumHeaders(t *testing.T) {
	srv := newS3Server(t, false, time.Now)
	client := minioClient(t, srv, true) // minio-go allows checksums only so
	ctx := context.Background()
	data := randomBytes(100_001)
	for _, a := range []checksum.Algorithm{checksum.MD5, checksum.SHA512, checksum.XXHASH64, checksum.XXHASH3, checksum.XXHASH128} {
		for _, good := range []bool{true, false} {
			value := a.Sum(data)
			if !good {
				value = a.Sum(data[1:])
			}
			_, err := client.PutObject(ctx, "bkt", "k", bytes.NewReader(data), int64(len(data)),
				minio.PutObjectOptions{UserMetadata: map[string]string{a.Header(): value}})
			if len(srv.log) == 0 {
				t.Fatalf("%s: minio-go sent nothing: %v", a, err)
			}
			e := srv.last(t)
			if e.header.Get(a.Header()) != value {
				t.Fatalf("%s: minio-go sent %s %q; this test expects %q", a, a.Header(), e.header.Get(a.Header()), value)
			}
			if good {
				if err != nil {
					t.Fatalf("%s: PutObject: %v", a, err)
				}
				checkWrite(t, e, data, a)
			} else if code(e.err) != CodeBadDigest || err == nil {
				t.Errorf("%s: a wrong value gave %v (client: %v), want BadDigest", a, e.err, err)
			}
		}
	}
}
