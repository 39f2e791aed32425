package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

// TestMain lets the dev Region's children run this test binary as kossd.
func TestMain(m *testing.M) {
	if os.Getenv("KOSSD_TEST_AS_KOSSD") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
	}
	os.Exit(m.Run())
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// banner returns the value of a banner field ("Endpoint", "AccessKeyId"...).
func banner(out, field string) string {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == field {
			return f[1]
		}
	}
	return ""
}

func TestDevRegion(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three kossd processes")
	}
	devChildEnv = []string{"KOSSD_TEST_AS_KOSSD=1"}
	data := t.TempDir()
	var stdout, stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- runDevContext(ctx, []string{"--nodes", "3", "--data", data, "--listen", "127.0.0.1:0"}, &stdout, &stderr, env(nil))
	}()
	defer func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("kossd dev exited with %d", code)
			}
		case <-time.After(60 * time.Second):
			t.Error("kossd dev did not stop")
		}
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr.String())
		}
	}()
	deadline := time.Now().Add(90 * time.Second)
	for banner(stdout.String(), "Endpoint") == "" {
		if time.Now().After(deadline) {
			t.Fatalf("no banner; stdout:\n%s", stdout.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := stdout.String()
	ep, id, secret := banner(out, "Endpoint"), banner(out, "AccessKeyId"), banner(out, "AccessKeySecret")
	if !strings.Contains(out, "3 nodes") || !strings.Contains(out, "127.0.0.4:") {
		t.Fatalf("banner does not show three nodes:\n%s", out)
	}
	resp, err := http.Get(ep + "/-/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("readyz through the endpoint: %d", resp.StatusCode)
	}

	client := v2.NewClient(v2.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret)).
		WithRegion("local").WithEndpoint(ep).WithRetryMaxAttempts(1))
	if _, err := client.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("dev")}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("koss"), 100<<10)
	if _, err := client.PutObject(ctx, &v2.PutObjectRequest{Bucket: v2.Ptr("dev"), Key: v2.Ptr("big"), Body: bytes.NewReader(big)}); err != nil {
		t.Fatal(err)
	}
	// The endpoint takes nodes in turn: every one serves the object.
	for range 6 {
		res, err := client.GetObject(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr("dev"), Key: v2.Ptr("big")})
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || !bytes.Equal(got, big) {
			t.Fatalf("get: %d bytes, %v", len(got), err)
		}
	}
	// Each node has its own data directory, and the root key is kept.
	for _, n := range []string{"node-1", "node-2", "node-3"} {
		if _, err := os.Stat(filepath.Join(data, n, "raft", "wal")); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
	}
	if c, err := devRootKey(data, env(nil)); err != nil || c.AccessKeyID != id {
		t.Fatalf("saved root key %+v %v, printed %s", c, err, id)
	}
}
