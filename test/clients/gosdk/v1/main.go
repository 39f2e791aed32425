// Command v1 runs the README's OSS Go SDK v1 configuration against a kossd:
// it creates $BUCKET, writes, reads its GetBucketInfo and deletes it again.
// STYLE=vhost uses virtual-host style instead of path style; SIGN=v1 signs V1.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
)

func main() {
	if err := run(os.Getenv("STYLE") != "vhost", os.Getenv("SIGN") == "v1", os.Getenv("BUCKET")); err != nil {
		fmt.Fprintln(os.Stderr, "v1:", err)
		os.Exit(1)
	}
}

func run(pathStyle, signV1 bool, name string) error {
	// The README's snippet (ForcePathStyle(true) there).
	opts := []oss.ClientOption{
		oss.AuthVersion(oss.AuthV4), oss.Region(os.Getenv("OSS_REGION")), // leave both out for V1
		oss.ForcePathStyle(pathStyle), // false: virtual-host style under spec.domain
	}
	if signV1 {
		opts = opts[1:]
		opts[0] = oss.AuthVersion(oss.AuthV1)
	}
	if ca := os.Getenv("OSS_CA_FILE"); ca != "" { // TLS: trust the Region's CA
		pem, err := os.ReadFile(ca)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		opts = append(opts, oss.HTTPClient(&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}))
	}
	client, err := oss.New(os.Getenv("OSS_ENDPOINT"), os.Getenv("OSS_ACCESS_KEY_ID"), os.Getenv("OSS_ACCESS_KEY_SECRET"), opts...)
	if err != nil {
		return err
	}
	if err := client.CreateBucket(name); err != nil {
		return err
	}
	bucket, err := client.Bucket(name)
	if err != nil {
		return err
	}
	if err = bucket.PutObject("hello.txt", strings.NewReader("hello")); err != nil {
		return err
	}
	info, err := client.GetBucketInfo(name)
	if err != nil {
		return err
	}
	if err := bucket.DeleteObject("hello.txt"); err != nil {
		return err
	}
	if err := client.DeleteBucket(name); err != nil {
		return err
	}
	fmt.Println("v1 ok", os.Getenv("OSS_ENDPOINT"), "path style:", pathStyle, "V1 signing:", signV1, "ExtranetEndpoint:", info.BucketInfo.ExtranetEndpoint)
	return nil
}
