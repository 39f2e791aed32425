package e2e

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	corev1 "k8s.io/api/core/v1"
)

// s3FromSecret builds the S3 client a pod gets from the AccessKey's Secret
// through envFrom: aws-sdk-go-v2's default configuration with the AWS_*
// values (endpoint, region, key pair) and path-style addressing, the one
// setting the SDK cannot take from the environment. hc reaches the
// cluster's Service names from the test machine.
func s3FromSecret(ctx context.Context, s *corev1.Secret, hc *http.Client) (*s3.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(string(s.Data["AWS_REGION"])),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			string(s.Data["AWS_ACCESS_KEY_ID"]), string(s.Data["AWS_SECRET_ACCESS_KEY"]), "")),
		config.WithRetryMaxAttempts(1))
	if err != nil {
		return nil, err
	}
	endpoint := string(s.Data["AWS_ENDPOINT_URL_S3"])
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		// Set here, not through config.WithHTTPClient: LoadDefaultConfig
		// refuses a plain *http.Client when the machine names a CA bundle
		// (AWS_CA_BUNDLE); hc trusts the Secret's ca.crt, as a pod does
		// with AWS_CA_BUNDLE pointing at the mounted file.
		o.HTTPClient = hc
	}), nil
}

func s3Put(ctx context.Context, c *s3.Client, bucket, key string, body []byte) error {
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	return err
}

func s3Get(ctx context.Context, c *s3.Client, bucket, key string) ([]byte, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// s3Code is the S3 error code of err, "" when it has none.
func s3Code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}
