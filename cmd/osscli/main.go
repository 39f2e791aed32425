package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

const usage = `usage:
  osscli put BUCKET KEY [FILE]   upload FILE (default: standard input)
  osscli get BUCKET KEY [FILE]   download to FILE (default: standard output)
  osscli ls BUCKET [PREFIX]      list keys with their sizes
  osscli rm BUCKET KEY           delete an object

environment: OSS_ENDPOINT, OSS_REGION, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET
(` + "`make run`" + ` prints them for the sample AccessKey)`

// errUsage means the command line is wrong.
var errUsage = errors.New("wrong arguments")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, usage)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "osscli:", err)
		os.Exit(1)
	}
}

// config reads the client settings from the environment.
func config(getenv func(string) string) (*oss.Config, error) {
	var missing []string
	vals := map[string]string{}
	for _, k := range []string{"OSS_ENDPOINT", "OSS_REGION", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET"} {
		vals[k] = getenv(k)
		if vals[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%s not set (`make run` prints the export lines)", strings.Join(missing, ", "))
	}
	return oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(vals["OSS_ACCESS_KEY_ID"], vals["OSS_ACCESS_KEY_SECRET"])).
		WithEndpoint(vals["OSS_ENDPOINT"]).
		WithRegion(vals["OSS_REGION"]).
		WithUsePathStyle(true).
		WithSignatureVersion(oss.SignatureVersionV4).
		WithConnectTimeout(5 * time.Second), nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		return errUsage
	}
	cfg, err := config(os.Getenv)
	if err != nil {
		return err
	}
	c := oss.NewClient(cfg)
	cmd, bucket, rest := args[0], args[1], args[2:]
	switch {
	case cmd == "put" && (len(rest) == 1 || len(rest) == 2):
		body := stdin
		if len(rest) == 2 && rest[1] != "-" {
			f, err := os.Open(rest[1])
			if err != nil {
				return err
			}
			defer func() { _ = f.Close() }()
			body = f
		}
		counted := &countingReader{r: body}
		res, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(rest[0]), Body: counted})
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "put %s/%s: %d bytes, ETag %s\n", bucket, rest[0], counted.n, oss.ToString(res.ETag))
		return nil
	case cmd == "get" && (len(rest) == 1 || len(rest) == 2):
		res, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(rest[0])})
		if err != nil {
			return err
		}
		defer func() { _ = res.Body.Close() }()
		out := stdout
		if len(rest) == 2 && rest[1] != "-" {
			f, err := os.Create(rest[1])
			if err != nil {
				return err
			}
			defer func() { _ = f.Close() }()
			out = f
		}
		if _, err := io.Copy(out, res.Body); err != nil {
			return err
		}
		return nil
	case cmd == "ls" && len(rest) <= 1:
		req := &oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket)}
		if len(rest) == 1 {
			req.Prefix = oss.Ptr(rest[0])
		}
		p := c.NewListObjectsV2Paginator(req)
		for p.HasNext() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, o := range page.Contents {
				fmt.Fprintf(stdout, "%12d  %s  %s\n", o.Size, oss.ToTime(o.LastModified).Format(time.RFC3339), oss.ToString(o.Key))
			}
		}
		return nil
	case cmd == "rm" && len(rest) == 1:
		_, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(rest[0])})
		return err
	}
	return errUsage
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
