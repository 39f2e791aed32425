package storagetest

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
)

// s3Client is an aws-sdk-go-v2 client for one node, built as programs
// build it (config.LoadDefaultConfig: default checksums on).
func s3Client(t *testing.T, endpoint string) *s3.Client {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(t.Context(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(awscreds.NewStaticCredentialsProvider(RootAccessKeyID, RootAccessKeySecret, "")),
		config.WithRetryMaxAttempts(1),
	)
	if err != nil {
		t.Fatal(err)
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	})
}

// isolateAWSConfig keeps the machine's AWS settings away from the clients.
func isolateAWSConfig(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	for _, k := range []string{"AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION", "AWS_PROFILE",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_CA_BUNDLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Setenv(k, "")
	}
}

// TestS3OnEveryNode: the S3 dialect on a 3-node Region. Every node takes
// writes and serves what any other node wrote: put, get, list and a
// multipart upload (the SDK's Uploader with its default CRC32 checksums)
// on each node, read back through the next one.
func TestS3OnEveryNode(t *testing.T) {
	isolateAWSConfig(t)
	c := StartCluster(t, 3)
	c.WaitLeader()
	ctx := t.Context()
	clients := make([]*s3.Client, c.Len())
	for i := range clients {
		clients[i] = s3Client(t, c.Endpoint(i))
	}
	if _, err := clients[1].CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("s3bkt")}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), (11<<20)/16) // 11 MiB: three 5 MiB parts
	for i, cl := range clients {
		next := clients[(i+1)%len(clients)]
		key := fmt.Sprintf("node%d/small", i)
		if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("s3bkt"), Key: aws.String(key),
			Body: strings.NewReader("written on " + key)}); err != nil {
			t.Fatalf("PutObject on node %d: %v", i, err)
		}
		out, err := next.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("s3bkt"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("GetObject on node %d: %v", (i+1)%3, err)
		}
		if got := readBody(t, out.Body); got != "written on "+key {
			t.Fatalf("node %d read %q", (i+1)%3, got)
		}
		//nolint:staticcheck // manager is deprecated for the v0 transfermanager, but it is what applications (Velero among them) upload with today.
		up := manager.NewUploader(cl, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
		mkey := fmt.Sprintf("node%d/big", i)
		res, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String("s3bkt"), Key: aws.String(mkey), Body: bytes.NewReader(big)}) //nolint:staticcheck // the manager Uploader, as above
		if err != nil {
			t.Fatalf("multipart upload on node %d: %v", i, err)
		}
		if !strings.HasSuffix(aws.ToString(res.ETag), `-3"`) {
			t.Errorf("multipart ETag %s, want 3 parts", aws.ToString(res.ETag))
		}
		got, err := next.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("s3bkt"), Key: aws.String(mkey)})
		if err != nil {
			t.Fatal(err)
		}
		if b := readBody(t, got.Body); b != string(big) {
			t.Fatalf("multipart object read through node %d: %d bytes differ from the %d written", (i+1)%3, len(b), len(big))
		}
	}
	for i, cl := range clients {
		l, err := cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("s3bkt")})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Contents) != 6 {
			t.Errorf("node %d lists %d objects, want 6", i, len(l.Contents))
		}
	}
}

// TestS3AndOSSShareObjects: an object written with the OSS v2 SDK reads
// back with the S3 SDK with the same metadata, and the reverse; an
// unsigned request goes to the dialect its headers name.
func TestS3AndOSSShareObjects(t *testing.T) {
	isolateAWSConfig(t)
	c := StartCluster(t, 1)
	c.WaitLeader()
	ctx := t.Context()
	oss := client(c.Endpoint(0))
	s3c := s3Client(t, c.Endpoint(0))
	if _, err := oss.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("shared"), Acl: v2.BucketACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if _, err := oss.PutObject(ctx, &v2.PutObjectRequest{Bucket: v2.Ptr("shared"), Key: v2.Ptr("from-oss"),
		Body: strings.NewReader("oss bytes"), ContentType: v2.Ptr("text/oss"), Metadata: map[string]string{"a": "1"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s3c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("shared"), Key: aws.String("from-oss")})
	if err != nil {
		t.Fatal(err)
	}
	if b := readBody(t, got.Body); b != "oss bytes" || got.Metadata["a"] != "1" || aws.ToString(got.ContentType) != "text/oss" {
		t.Errorf("S3 read of an OSS object: %q meta %v type %q", b, got.Metadata, aws.ToString(got.ContentType))
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("from-s3"),
		Body: strings.NewReader("s3 bytes"), ContentType: aws.String("text/s3"), Metadata: map[string]string{"b": "2"}}); err != nil {
		t.Fatal(err)
	}
	res, err := oss.GetObject(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr("shared"), Key: v2.Ptr("from-s3")})
	if err != nil {
		t.Fatal(err)
	}
	if b := readBody(t, res.Body); b != "s3 bytes" || res.Metadata["b"] != "2" || v2.ToString(res.ContentType) != "text/s3" {
		t.Errorf("OSS read of an S3 object: %q meta %v type %q", b, res.Metadata, v2.ToString(res.ContentType))
	}
	// S3's ETag is the OSS one in lower case.
	head, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("shared"), Key: aws.String("from-s3")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.EqualFold(aws.ToString(head.ETag), v2.ToString(res.ETag)) || aws.ToString(head.ETag) != strings.ToLower(aws.ToString(head.ETag)) {
		t.Errorf("ETags: S3 %s, OSS %s", aws.ToString(head.ETag), v2.ToString(res.ETag))
	}
	// Unsigned requests: x-amz-* headers select S3, none keeps OSS.
	hc := c.HTTPClient()
	anon := func(hdr string) *http.Response {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.Endpoint(0)+"/shared/from-s3", nil)
		if hdr != "" {
			req.Header.Set(hdr, "x")
		}
		r, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
		return r
	}
	if r := anon("X-Amz-Foo"); r.StatusCode != 200 || r.Header.Get("X-Amz-Request-Id") == "" || r.Header.Get("X-Amz-Meta-B") != "2" {
		t.Errorf("unsigned request with x-amz-*: %d, headers %v: want the S3 dialect", r.StatusCode, r.Header)
	}
	if r := anon(""); r.StatusCode != 200 || r.Header.Get("X-Amz-Request-Id") != "" || r.Header.Get("X-Oss-Meta-B") != "2" {
		t.Errorf("plain unsigned request: %d, headers %v: want the OSS dialect", r.StatusCode, r.Header)
	}
	// A browser-style POST Object form reaches the S3 dialect (no
	// signature in the headers) and stores what OSS then reads.
	u, _ := url.Parse(c.Endpoint(0))
	mc, err := minio.New(u.Host, &minio.Options{Creds: miniocreds.NewStaticV4(RootAccessKeyID, RootAccessKeySecret, ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	pp := minio.NewPostPolicy()
	_ = pp.SetBucket("shared")
	_ = pp.SetKey("posted")
	_ = pp.SetExpires(time.Now().Add(10 * time.Minute))
	purl, fields, err := mc.PresignedPostPolicy(ctx, pp)
	if err != nil {
		t.Fatal(err)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "f")
	_, _ = fw.Write([]byte("posted bytes"))
	_ = mw.Close()
	preq, _ := http.NewRequestWithContext(ctx, http.MethodPost, purl.String(), &form)
	preq.Header.Set("Content-Type", mw.FormDataContentType())
	pres, err := hc.Do(preq)
	if err != nil {
		t.Fatal(err)
	}
	_ = pres.Body.Close()
	if pres.StatusCode != http.StatusNoContent {
		t.Fatalf("POST Object: %d", pres.StatusCode)
	}
	if got, err := get(ctx, oss, "shared", "posted"); err != nil || string(got) != "posted bytes" {
		t.Fatalf("OSS read of a POST Object upload: %q %v", got, err)
	}
	// An S3 multipart object reads back through OSS.
	big := bytes.Repeat([]byte("s3-multipart "), (6<<20)/13)
	//nolint:staticcheck // manager is deprecated for the v0 transfermanager, but it is what applications upload with today.
	if _, err := manager.NewUploader(s3c, func(u *manager.Uploader) { u.PartSize = 5 << 20 }).Upload(ctx,
		&s3.PutObjectInput{Bucket: aws.String("shared"), Key: aws.String("mp"), Body: bytes.NewReader(big), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32}); err != nil {
		t.Fatal(err)
	}
	mp, err := oss.GetObject(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr("shared"), Key: v2.Ptr("mp")})
	if err != nil {
		t.Fatal(err)
	}
	if b := readBody(t, mp.Body); b != string(big) {
		t.Errorf("OSS read of an S3 multipart object: %d bytes, want %d", len(b), len(big))
	}
}

func readBody(t *testing.T, r io.ReadCloser) string {
	t.Helper()
	defer func() { _ = r.Close() }()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
