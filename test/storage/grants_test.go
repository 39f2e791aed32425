package storage

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/adminclient"
	"github.com/koss-io/koss/test/kossdproc"
)

func rootAdmin(t *testing.T) adminclient.Interface {
	t.Helper()
	c, err := adminclient.New(node.Endpoint(), kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestGrants checks that a non-root key can do exactly what its per-bucket
// grants allow, over both SDKs' signature versions, and nothing else: every
// refusal is 403 AccessDenied and changes nothing.
func TestGrants(t *testing.T) {
	ctx := context.Background()
	admin := rootAdmin(t)
	root := v2Root(oss.SignatureVersionV4)
	buckets := map[string]string{}
	for _, b := range []string{"read", "write", "readwrite", "none"} {
		buckets[b] = v2MakeBucket(t, root)
		v2Put(t, root, buckets[b], "seed", []byte("seed"))
	}
	key, err := admin.CreateAccessKey(ctx, adminapi.CreateKeyRequest{Grants: []adminapi.Grant{
		{Bucket: buckets["read"], Access: "read"},
		{Bucket: buckets["write"], Access: "write"},
		{Bucket: buckets["readwrite"], Access: "readwrite"},
	}})
	if err != nil {
		t.Fatalf("CreateAccessKey: %v", err)
	}
	if key.AccessKeyID == "" || key.AccessKeySecret == "" {
		t.Fatalf("created key lacks id or secret: id %q", key.AccessKeyID)
	}
	if got, err := admin.GetAccessKey(ctx, key.AccessKeyID); err != nil || got.AccessKeySecret != "" || len(got.Grants) != 3 {
		t.Fatalf("GetAccessKey = %+v, %v (the secret must not be returned again)", got, err)
	}

	for name, version := range v2Versions {
		t.Run(name, func(t *testing.T) {
			c := v2Client(version, key.AccessKeyID, key.AccessKeySecret)
			canRead := func(bucket string) error {
				res, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("seed")})
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				return err
			}
			canList := func(bucket string) error {
				_, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket)})
				return err
			}
			canWrite := func(bucket string) error {
				_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("by-key-" + name), Body: strings.NewReader("w")})
				return err
			}
			canDelete := func(bucket string) error {
				_, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("seed-" + name)})
				return err
			}
			for grant, want := range map[string][4]bool{ // read, list, write, delete
				"read":      {true, true, false, false},
				"write":     {false, false, true, true},
				"readwrite": {true, true, true, true},
				"none":      {false, false, false, false},
			} {
				bucket := buckets[grant]
				for i, op := range []func(string) error{canRead, canList, canWrite, canDelete} {
					err := op(bucket)
					if want[i] && err != nil {
						t.Fatalf("grant %s, operation %d: %v", grant, i, err)
					}
					if !want[i] {
						requireV2Code(t, err, "AccessDenied", 403)
					}
				}
				if got := v2Get(t, root, bucket, "seed"); string(got) != "seed" {
					t.Fatalf("a refused request changed %s/seed: %q", bucket, got)
				}
			}
			// Bucket administration is the root key's.
			_, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(newBucketName(t))})
			requireV2Code(t, err, "AccessDenied", 403)
			_, err = c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(buckets["readwrite"])})
			requireV2Code(t, err, "AccessDenied", 403)
		})
	}

	// The admin API is root-only.
	other, err := adminclient.New(node.Endpoint(), key.AccessKeyID, key.AccessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.ListAccessKeys(ctx); !adminclient.IsUnauthorized(err) {
		t.Fatalf("admin API with a non-root key: %v", err)
	}

	// Grants follow changes, and a deleted key is refused everywhere.
	if _, err := admin.SetGrants(ctx, key.AccessKeyID, []adminapi.Grant{{Bucket: buckets["none"], Access: "read"}}); err != nil {
		t.Fatal(err)
	}
	c := v2Client(oss.SignatureVersionV4, key.AccessKeyID, key.AccessKeySecret)
	if got := v2Get(t, c, buckets["none"], "seed"); string(got) != "seed" {
		t.Fatalf("read after new grant: %q", got)
	}
	_, err = c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(buckets["readwrite"]), Key: oss.Ptr("seed")})
	requireV2Code(t, err, "AccessDenied", 403)
	if err := admin.DeleteAccessKey(ctx, key.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(buckets["none"]), Key: oss.Ptr("seed")})
	requireV2Code(t, err, "InvalidAccessKeyId", 403)
	if _, err := admin.GetAccessKey(ctx, key.AccessKeyID); !errors.Is(err, adminapi.ErrNotFound) {
		t.Fatalf("GetAccessKey after delete: %v", err)
	}
}

// TestSecretsNeverLogged greps the shared node's log for every secret this
// run used: the root secret and a freshly created key's secret.
func TestSecretsNeverLogged(t *testing.T) {
	ctx := context.Background()
	key, err := rootAdmin(t).CreateAccessKey(ctx, adminapi.CreateKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	c := v2Client(oss.SignatureVersionV4, key.AccessKeyID, key.AccessKeySecret+"x") // a failing signature is logged as a failure
	_, _ = c.ListBuckets(ctx, &oss.ListBucketsRequest{})
	_ = rootAdmin(t).DeleteAccessKey(ctx, key.AccessKeyID)
	logs, err := filepath.Glob(filepath.Join(workDir, "*.log"))
	if err != nil || len(logs) == 0 {
		t.Fatalf("no kossd logs in %s: %v", workDir, err)
	}
	for _, l := range logs {
		b, err := os.ReadFile(l)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"msg":"Request"`)) {
			t.Fatalf("%s has no access-log records: the check would prove nothing", l)
		}
		for _, secret := range []string{kossdproc.RootAccessKeySecret, key.AccessKeySecret} {
			if bytes.Contains(b, []byte(secret)) {
				t.Fatalf("%s contains a secret", l)
			}
		}
	}
}

func TestHealthAndMetrics(t *testing.T) {
	for _, path := range []string{"/-/healthz", "/-/readyz"} {
		resp, err := http.Get(node.Endpoint() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	root := v2Root(oss.SignatureVersionV4)
	bucket := v2MakeBucket(t, root)
	v2Put(t, root, bucket, "m", []byte("metrics"))
	resp, err := http.Get(node.Endpoint() + "/-/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"koss_http_requests_total{", "koss_http_request_bytes_total{", "koss_http_request_duration_seconds_bucket{", `status="200"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Fatalf("/-/metrics lacks %s", want)
		}
	}
}

// TestVirtualHostStyle starts a node with --domain and addresses buckets
// through the Host header, as SDKs do with a DNS endpoint.
func TestVirtualHostStyle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p, err := kossdproc.Start(ctx, kossdproc.Options{Binary: kossdBin, DataDir: filepath.Join(dir, "data"),
		LogPath: filepath.Join(dir, "kossd.log"), Args: []string{"--domain", "oss.koss.test"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	// The SDK resolves <bucket>.oss.koss.test itself; point every such name at the node.
	dialer := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (netConn, error) {
		return (&netDialer{}).DialContext(ctx, network, p.Addr())
	}}
	port := p.Addr()[strings.LastIndex(p.Addr(), ":"):]
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(rootCreds()).WithRegion(kossdproc.Region).
		WithEndpoint("http://oss.koss.test" + port).WithHttpClient(&http.Client{Transport: dialer}).WithRetryMaxAttempts(1)
	c := oss.NewClient(cfg)
	bucket := newBucketName(t)
	if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(bucket)}); err != nil {
		t.Fatalf("virtual-host PutBucket: %v", err)
	}
	v2Put(t, c, bucket, "dir/vhost key", []byte("vhost"))
	if got := v2Get(t, c, bucket, "dir/vhost key"); string(got) != "vhost" {
		t.Fatalf("virtual-host GET: %q", got)
	}
	// The same object through path style on the same node.
	path := oss.NewClient(oss.LoadDefaultConfig().WithCredentialsProvider(rootCreds()).WithRegion(kossdproc.Region).
		WithEndpoint(p.Endpoint()).WithUsePathStyle(true).WithRetryMaxAttempts(1))
	if got := v2Get(t, path, bucket, "dir/vhost key"); string(got) != "vhost" {
		t.Fatalf("path-style GET of a virtual-host PUT: %q", got)
	}
}
