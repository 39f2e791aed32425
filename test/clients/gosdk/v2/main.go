// Command v2 runs the README's OSS Go SDK v2 configuration against a kossd:
// it creates $BUCKET, writes, reads its GetBucketInfo and deletes it again.
// STYLE=vhost uses virtual-host style instead of path style.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

func main() {
	if err := run(context.Background(), os.Getenv("STYLE") != "vhost", os.Getenv("BUCKET")); err != nil {
		fmt.Fprintln(os.Stderr, "v2:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, pathStyle bool, bucket string) error {
	// The README's snippet (WithUsePathStyle(true) there).
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewEnvironmentVariableCredentialsProvider()). // OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET
		WithRegion(os.Getenv("OSS_REGION")).                                              // the V4 signing scope
		WithEndpoint(os.Getenv("OSS_ENDPOINT")).                                          // with the scheme: otherwise the SDK assumes https
		WithUsePathStyle(pathStyle)                                                       // false: virtual-host style under spec.domain
	if ca := os.Getenv("OSS_CA_FILE"); ca != "" { // TLS: trust the Region's CA
		pem, err := os.ReadFile(ca)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cfg = cfg.WithHttpClient(&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}})
	}
	client := oss.NewClient(cfg)
	if _, err := client.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(bucket)}); err != nil {
		return err
	}
	_, err := client.PutObject(ctx, &oss.PutObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr("hello.txt"), Body: strings.NewReader("hello"),
	})
	if err != nil {
		return err
	}
	info, err := client.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(bucket)})
	if err != nil {
		return err
	}
	if _, err := client.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("hello.txt")}); err != nil {
		return err
	}
	if _, err := client.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(bucket)}); err != nil {
		return err
	}
	fmt.Println("v2 ok", os.Getenv("OSS_ENDPOINT"), "path style:", pathStyle, "ExtranetEndpoint:", oss.ToString(info.BucketInfo.ExtranetEndpoint))
	return nil
}
