package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
)

const fakeRegion = "demo"

// fakeOSS is an OSS endpoint that keeps objects in memory and records
// every request; it checks no signature (verifyV4 does, afterwards).
type fakeOSS struct {
	srv *httptest.Server

	mu      sync.Mutex
	reqs    []seenRequest
	objects map[string]string // bucket/key -> body
	// deny, when set, says which PUTs fail with 403 AccessDenied.
	deny func(key string) bool
	// afterPut runs after the nth PUT (1-based) is answered.
	afterPut func(n int, key string)
	puts     int
}

type seenRequest struct {
	Method, Bucket, Key string
	URL                 *url.URL
	Header              http.Header
}

// AccessKeyID is the ID in the request's V4 Authorization.
func (r seenRequest) AccessKeyID() string {
	a := r.Header.Get("Authorization")
	_, rest, _ := strings.Cut(a, "Credential=")
	id, _, _ := strings.Cut(rest, "/")
	return id
}

func newFakeOSS(t *testing.T) *fakeOSS {
	f := &fakeOSS{objects: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOSS) serve(w http.ResponseWriter, r *http.Request) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, seenRequest{Method: r.Method, Bucket: bucket, Key: key, URL: r.URL, Header: r.Header.Clone()})
	var denied bool
	var n int
	if r.Method == http.MethodPut {
		f.puts++
		n = f.puts
		denied = f.deny != nil && f.deny(key)
		if !denied {
			f.objects[bucket+"/"+key] = string(body)
		}
	}
	after := f.afterPut
	f.mu.Unlock()
	w.Header().Set("x-oss-request-id", fmt.Sprintf("req-%d", n))
	switch {
	case denied:
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>denied for the test</Message><RequestId>req-%d</RequestId></Error>`, n)
	case r.Method == http.MethodPut:
		w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		w.WriteHeader(http.StatusOK)
	default:
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>bkt</Name><IsTruncated>false</IsTruncated></ListBucketResult>`)
	}
	if after != nil && r.Method == http.MethodPut {
		after(n, key)
	}
}

func (f *fakeOSS) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.reqs...)
}

func (f *fakeOSS) object(bucket, key string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.objects[bucket+"/"+key]
	return v, ok
}

// verifyV4 signs the recorded request again with the SDK's V4 signer,
// at the time it carries, with id and secret: the same Authorization
// means the client signed with exactly this pair (and token).
func verifyV4(t *testing.T, r seenRequest, id, secret, token string) bool {
	t.Helper()
	ts, err := time.Parse("20060102T150405Z", r.Header.Get("x-oss-date"))
	if err != nil {
		t.Fatalf("x-oss-date %q: %v", r.Header.Get("x-oss-date"), err)
	}
	req := &http.Request{Method: r.Method, URL: r.URL, Header: r.Header.Clone()}
	req.Header.Del("Authorization")
	sc := &signer.SigningContext{
		Product: oss.Ptr("oss"), Region: oss.Ptr(fakeRegion), Bucket: oss.Ptr(r.Bucket), Request: req,
		Credentials: &credentials.Credentials{AccessKeyID: id, AccessKeySecret: secret, SecurityToken: token},
		Time:        ts,
	}
	if r.Key != "" {
		sc.Key = oss.Ptr(r.Key)
	}
	if err := (&signer.SignerV4{}).Sign(context.Background(), sc); err != nil {
		t.Fatal(err)
	}
	return req.Header.Get("Authorization") == r.Header.Get("Authorization")
}

// mountSecret lays out dir the way the kubelet mounts a Secret volume and
// updates it: the data in a timestamped directory, ..data a symlink to
// it, each key a symlink through ..data; an update writes a new directory
// and renames a new ..data over the old one (one atomic swap).
func mountSecret(t *testing.T, dir string, gen int, data map[string]string) {
	t.Helper()
	ts := fmt.Sprintf("..2025_01_01_00_00_%02d.%d", gen, gen)
	if err := os.Mkdir(filepath.Join(dir, ts), 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range data {
		if err := os.WriteFile(filepath.Join(dir, ts, k), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tmp := filepath.Join(dir, "..data_tmp")
	if err := os.Symlink(ts, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	for k := range data {
		link := filepath.Join(dir, k)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join("..data", k), link); err != nil {
			t.Fatal(err)
		}
	}
}

// cleanCredentialEnv empties every variable that chooses the credentials.
func cleanCredentialEnv(t *testing.T) {
	for _, k := range []string{envRoleARN, envOIDCProviderARN, envOIDCTokenFile, envSTSEndpoint, "ALIBABA_CLOUD_OIDC_TOKEN",
		envCredentialsDir, "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_CA_FILE", "OSS_ENDPOINT", "OSS_REGION"} {
		t.Setenv(k, "")
	}
}
