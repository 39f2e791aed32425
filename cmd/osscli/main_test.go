package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/koss-io/koss/storage/pki"
	"github.com/koss-io/koss/test/kossdproc"
)

func TestConfigNamesMissingVariables(t *testing.T) {
	_, _, err := config(func(k string) string {
		if k == "OSS_REGION" {
			return "demo"
		}
		return ""
	}, "", io.Discard)
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
	cfg, _, err := config(os.Getenv, "", io.Discard)
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

// TestLargeObjects puts a file and a pipe above --threshold as multipart
// uploads with parallel parts and gets them back with ranged parallel
// reads and as a stream, against a real kossd; thresholds and parts are
// scaled down so the test moves a few MiB, not hundreds.
func TestLargeObjects(t *testing.T) {
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
	t.Setenv("OSS_CA_FILE", "")
	sourceLine := "osscli: credentials from the environment: OSS_ACCESS_KEY_ID " + kossdproc.RootAccessKeyID + "\n"
	cfg, _, err := config(os.Getenv, "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c := oss.NewClient(cfg)
	if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr("big")}); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 3<<20+12345) // 13 parts of 256 KiB, the last short
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "src.bin")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	small := []string{"--threshold", "1MiB", "--part-size", "256K", "--parallel", "3"}
	cli := func(stdin io.Reader, args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		err := run(ctx, append(append([]string{}, small...), args...), stdin, &stdout, &stderr)
		return stdout.String(), stderr.String(), err
	}
	head := func(key string) *oss.HeadObjectResult {
		t.Helper()
		h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("big"), Key: oss.Ptr(key)})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	// A file, with --progress after the positional arguments.
	_, msg, err := cli(nil, "put", "big", "file.bin", src, "--progress")
	if err != nil {
		t.Fatalf("put: %v\n%s", err, msg)
	}
	if !strings.Contains(msg, fmt.Sprintf("%d bytes", len(data))) {
		t.Fatalf("put summary: %q", msg)
	}
	checkProgress(t, msg, "put", len(data))
	if h := head("file.bin"); oss.ToString(h.ObjectType) != "Multipart" || h.ContentLength != int64(len(data)) ||
		!strings.HasSuffix(oss.ToString(h.ETag), "-13\"") {
		t.Fatalf("file.bin: type %q, %d bytes, ETag %s; want Multipart, %d, 13 parts",
			oss.ToString(h.ObjectType), h.ContentLength, oss.ToString(h.ETag), len(data))
	}

	// Standard input that is not a file: its size shows only by reading.
	_, msg, err = cli(io.MultiReader(bytes.NewReader(data)), "put", "big", "pipe.bin")
	if err != nil {
		t.Fatalf("put from a pipe: %v", err)
	}
	if strings.Contains(msg, "\r") {
		t.Fatalf("progress printed without --progress to a non-terminal: %q", msg)
	}
	if h := head("pipe.bin"); oss.ToString(h.ObjectType) != "Multipart" || h.ContentLength != int64(len(data)) {
		t.Fatalf("pipe.bin: type %q, %d bytes", oss.ToString(h.ObjectType), h.ContentLength)
	}
	// Below the threshold a pipe is one PutObject.
	if _, _, err := cli(strings.NewReader("small"), "put", "big", "small.txt"); err != nil {
		t.Fatal(err)
	}
	if h := head("small.txt"); oss.ToString(h.ObjectType) != "Normal" {
		t.Fatalf("small.txt: type %q, want Normal", oss.ToString(h.ObjectType))
	}

	// Ranged parallel get to a file, with progress.
	out := filepath.Join(dir, "out.bin")
	_, msg, err = cli(nil, "--progress", "get", "big", "pipe.bin", out)
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	checkProgress(t, msg, "get", len(data))
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded file differs (%v)", err)
	}
	// A stream to standard output, without progress.
	stdout, msg, err := cli(nil, "get", "big", "file.bin")
	if err != nil || stdout != string(data) {
		t.Fatalf("get to stdout: %d bytes, %v", len(stdout), err)
	}
	if msg != sourceLine {
		t.Fatalf("get wrote to stderr without --progress: %q", msg)
	}
	for _, args := range [][]string{{"--part-size", "x", "get", "big", "k"}, {"--parallel", "0", "get", "big", "k"}} {
		if _, _, err := cli(nil, args...); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want the usage", args, err)
		}
	}
}

// checkProgress wants at least one \r-refreshed line ending at 100% of
// the size with a rate.
func checkProgress(t *testing.T, stderr, verb string, size int) {
	t.Helper()
	lines := strings.Split(stderr, "\r")
	last := strings.SplitN(lines[len(lines)-1], "\n", 2)[0]
	want := fmt.Sprintf("%s %.1f/%.1f MiB 100%%", verb, float64(size)/(1<<20), float64(size)/(1<<20))
	if len(lines) < 2 || !strings.HasPrefix(last, want) || !strings.Contains(last, " MiB/s") {
		t.Fatalf("progress: last line %q of %q, want %q ... MiB/s", last, stderr, want)
	}
}

// TestCAFile checks that --ca-file makes the client trust a server whose
// certificate that CA issued, and that without it the same server is
// refused (verification is never skipped).
func TestCAFile(t *testing.T) {
	now := time.Now()
	ca, err := pki.NewCA("osscli test CA", time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := pki.Issue(ca, pki.Request{CommonName: "kossd", IPs: []net.IP{net.ParseIP("127.0.0.1")},
		Usage: pki.UsageServer, Validity: time.Hour}, now)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bkt</Name><IsTruncated>false</IsTruncated></ListBucketResult>`)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OSS_ENDPOINT", srv.URL)
	t.Setenv("OSS_REGION", "demo")
	t.Setenv("OSS_ACCESS_KEY_ID", "id")
	t.Setenv("OSS_ACCESS_KEY_SECRET", "secret")
	ctx := context.Background()
	var stdout, stderr bytes.Buffer
	t.Setenv("OSS_CA_FILE", "")
	if err := run(ctx, []string{"ls", "bkt"}, nil, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("ls without the CA: %v, want a certificate error", err)
	}
	if err := run(ctx, []string{"--ca-file", caFile, "ls", "bkt"}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("ls --ca-file: %v", err)
	}
	t.Setenv("OSS_CA_FILE", caFile)
	if err := run(ctx, []string{"ls", "bkt"}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("ls with OSS_CA_FILE: %v", err)
	}
	if err := run(ctx, []string{"--ca-file", filepath.Join(t.TempDir(), "none"), "ls", "bkt"}, nil, &stdout, &stderr); err == nil {
		t.Fatal("a missing --ca-file accepted")
	}
}
