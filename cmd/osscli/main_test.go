package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/koss-io/koss/test/kossdproc"
)

func TestConfigNamesMissingVariables(t *testing.T) {
	_, err := config(func(k string) string {
		if k == "OSS_REGION" {
			return "demo"
		}
		return ""
	})
	if err == nil {
		t.Fatal("empty environment accepted")
	}
	for _, k := range []string{"OSS_ENDPOINT", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET"} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error does not name %s: %v", k, err)
		}
	}
	if strings.Contains(err.Error(), "OSS_REGION") {
		t.Errorf("error names a variable that is set: %v", err)
	}
}

// TestAgainstKossd runs every subcommand against a real single-node kossd.
func TestAgainstKossd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin, err := kossdproc.Binary(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := kossdproc.Start(ctx, kossdproc.Options{Binary: bin, DataDir: filepath.Join(dir, "data")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	t.Setenv("OSS_ENDPOINT", p.Endpoint())
	t.Setenv("OSS_REGION", kossdproc.Region)
	t.Setenv("OSS_ACCESS_KEY_ID", kossdproc.RootAccessKeyID)
	t.Setenv("OSS_ACCESS_KEY_SECRET", kossdproc.RootAccessKeySecret)
	cfg, err := config(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oss.NewClient(cfg).PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr("cli-test")}); err != nil {
		t.Fatal(err)
	}

	cli := func(stdin string, args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		err := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr)
		return stdout.String(), stderr.String(), err
	}
	if _, msg, err := cli("hello, koss\n", "put", "cli-test", "hello.txt"); err != nil || !strings.Contains(msg, "12 bytes") {
		t.Fatalf("put: %q %v", msg, err)
	}
	file := filepath.Join(dir, "out.txt")
	if _, _, err := cli("", "get", "cli-test", "hello.txt", file); err != nil {
		t.Fatal(err)
	}
	if out, _, err := cli("", "get", "cli-test", "hello.txt"); err != nil || out != "hello, koss\n" {
		t.Fatalf("get: %q %v", out, err)
	}
	if out, _, err := cli("", "ls", "cli-test"); err != nil || !strings.Contains(out, " 12  ") || !strings.HasSuffix(out, "hello.txt\n") {
		t.Fatalf("ls: %q %v", out, err)
	}
	if _, _, err := cli("", "rm", "cli-test", "hello.txt"); err != nil {
		t.Fatal(err)
	}
	if out, _, err := cli("", "ls", "cli-test"); err != nil || out != "" {
		t.Fatalf("ls after rm: %q %v", out, err)
	}
	if _, _, err := cli("", "get", "cli-test", "hello.txt"); err == nil || !strings.Contains(err.Error(), "NoSuchKey") {
		t.Fatalf("get after rm: %v", err)
	}
	for _, args := range [][]string{{}, {"put"}, {"put", "b"}, {"frob", "b", "k"}, {"rm", "b"}} {
		if _, _, err := cli("", args...); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want the usage", args, err)
		}
	}
}
