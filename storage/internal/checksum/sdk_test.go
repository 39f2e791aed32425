package checksum

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestAgainstSDK: for every algorithm and several inputs, the value
// aws-sdk-go-v2 sends in x-amz-checksum-<alg> (its own computation: over
// plain HTTP it puts the checksum in a header) must equal ours, and the SDK
// must name the header as Header does.
func TestAgainstSDK(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	var mu sync.Mutex
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
		w.Header().Set("ETag", `"x"`)
	}))
	defer srv.Close()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")))
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint = aws.String(srv.URL); o.UsePathStyle = true })

	random := make([]byte, 200_000)
	rand.Read(random)
	inputs := [][]byte{nil, []byte("a"), []byte("hello, world"), bytes.Repeat([]byte{0xff}, 1000), random}
	sdkAlg := map[Algorithm]types.ChecksumAlgorithm{
		CRC32: types.ChecksumAlgorithmCrc32, CRC32C: types.ChecksumAlgorithmCrc32c, CRC64NVME: types.ChecksumAlgorithmCrc64nvme,
		SHA1: types.ChecksumAlgorithmSha1, SHA256: types.ChecksumAlgorithmSha256,
		// The SDK's types name MD5 and the xxHashes too, but v1.115.0's
		// internal/checksum computes only these six; minio_test.go checks
		// the others against minio-go.
		SHA512: types.ChecksumAlgorithmSha512,
	}
	for _, a := range All {
		if _, ok := sdkAlg[a]; !ok {
			continue
		}
		for i, in := range inputs {
			_, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k"),
				Body: bytes.NewReader(in), ChecksumAlgorithm: sdkAlg[a]})
			if err != nil {
				t.Fatalf("%s input %d: %v", a, i, err)
			}
			mu.Lock()
			sent := got.Get(a.Header())
			mu.Unlock()
			if sent == "" {
				t.Fatalf("%s input %d: the SDK sent no %s header", a, i, a.Header())
			}
			if ours := a.Sum(in); ours != sent {
				t.Errorf("%s of input %d (%d bytes): ours %s, the SDK's %s", a, i, len(in), ours, sent)
			}
			if alg, v, err := FromHeaders(got); alg != a || v != sent || err != nil {
				t.Errorf("FromHeaders on the SDK's request: %q %q %v", alg, v, err)
			}
		}
	}
}
