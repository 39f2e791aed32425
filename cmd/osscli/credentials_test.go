package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCredentialsDirReload rotates the key pair of a mounted Secret while
// a soak runs: every write is signed with the pair the files held when it
// was sent, the ones after the swap with the new pair, without a restart.
func TestCredentialsDirReload(t *testing.T) {
	cleanCredentialEnv(t)
	dir := t.TempDir()
	mountSecret(t, dir, 1, map[string]string{fileAccessKeyID: "AK1\n", fileAccessKeySecret: "secret-one\n",
		"OSS_REGION": fakeRegion})
	f := newFakeOSS(t)
	t.Setenv("OSS_ENDPOINT", f.srv.URL)
	f.afterPut = func(n int, _ string) {
		switch n {
		case 3: // a new AccessKey
			mountSecret(t, dir, 2, map[string]string{fileAccessKeyID: "AK2\n", fileAccessKeySecret: "secret-two\n", "OSS_REGION": fakeRegion})
		case 5: // the same AccessKey, its secret changed
			mountSecret(t, dir, 3, map[string]string{fileAccessKeyID: "AK2", fileAccessKeySecret: "secret-three", "OSS_REGION": fakeRegion})
		}
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--credentials-dir", dir, "--count", "6", "--interval", "0", "soak", "bkt", "rot/"},
		nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("soak: %v\n%s", err, stderr.String())
	}
	want := []struct{ id, secret string }{
		{"AK1", "secret-one"}, {"AK1", "secret-one"}, {"AK1", "secret-one"},
		{"AK2", "secret-two"}, {"AK2", "secret-two"},
		{"AK2", "secret-three"}, {"AK2", "secret-three"}, // the sixth write and the list
	}
	reqs := f.requests()
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d", len(reqs), len(want))
	}
	for i, r := range reqs {
		if r.AccessKeyID() != want[i].id || !verifyV4(t, r, want[i].id, want[i].secret, "") {
			t.Errorf("request %d (%s): Authorization %q, want signed by %s/%s", i+1, r.Key, r.Header.Get("Authorization"), want[i].id, want[i].secret)
		}
	}
	if !verifyV4(t, reqs[0], "AK1", "secret-one", "") || verifyV4(t, reqs[0], "AK1", "secret-two", "") {
		t.Fatal("verifyV4 does not tell secrets apart")
	}
	log := stderr.String()
	for _, s := range []string{"credentials from the files OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET in " + dir,
		"changed: AccessKey ID AK1 -> AK2", "changed: AccessKey ID AK2, new secret"} {
		if !strings.Contains(log, s) {
			t.Errorf("stderr lacks %q:\n%s", s, log)
		}
	}
	if strings.Contains(log, "secret-") {
		t.Errorf("stderr shows a secret:\n%s", log)
	}
	if strings.Count(log, "credentials from") != 1 {
		t.Errorf("the source is not printed exactly once:\n%s", log)
	}

	// The provider on its own: trailing newlines trimmed, an empty or
	// missing file is an error.
	p := &dirProvider{dir: dir}
	if c, err := p.GetCredentials(context.Background()); err != nil || c.AccessKeyID != "AK2" || c.AccessKeySecret != "secret-three" {
		t.Fatalf("%+v %v", c, err)
	}
	empty := t.TempDir()
	mountSecret(t, empty, 1, map[string]string{fileAccessKeyID: "\n", fileAccessKeySecret: "s"})
	if _, err := (&dirProvider{dir: empty}).GetCredentials(context.Background()); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("an empty ID: %v", err)
	}
	if _, err := (&dirProvider{dir: t.TempDir()}).GetCredentials(context.Background()); err == nil {
		t.Fatal("a directory without the files accepted")
	}
}

// TestCredentialSourceOrder: workload identity, then the credentials
// directory, then the environment; a partial workload identity is an
// error, not a fallback.
func TestCredentialSourceOrder(t *testing.T) {
	cleanCredentialEnv(t)
	tmp := t.TempDir()
	token := filepath.Join(tmp, "token")
	if err := os.WriteFile(token, []byte("jwt"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "secret")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mountSecret(t, dir, 1, map[string]string{fileAccessKeyID: "DIRKEY", fileAccessKeySecret: "dir-secret",
		"OSS_ENDPOINT": "http://dir.example:9000", "OSS_REGION": "dir-region"})
	rrsa := map[string]string{envRoleARN: "acs:ram::1:role/r", envOIDCProviderARN: "acs:ram::1:oidc-provider/p", envOIDCTokenFile: token}
	base := map[string]string{"OSS_ENDPOINT": "http://env.example:9000", "OSS_REGION": "env-region",
		"OSS_ACCESS_KEY_ID": "ENVKEY", "OSS_ACCESS_KEY_SECRET": "env-secret"}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		env      map[string]string
		dir      string
		want     string // the source's description starts with it
		wantType string
		wantErr  string
		endpoint string
	}{
		{name: "workload identity first", env: merge(base, rrsa), dir: dir, wantType: "*main.oidcProvider",
			want: "workload identity: role acs:ram::1:role/r, AssumeRoleWithOIDC at credentials-go's default STS endpoint with the token in " + token},
		{name: "STS endpoint", env: merge(base, rrsa, map[string]string{envSTSEndpoint: "sts.example:8443"}), wantType: "*main.oidcProvider",
			want: "workload identity: role acs:ram::1:role/r, AssumeRoleWithOIDC at sts.example:8443"},
		{name: "partial workload identity", env: merge(base, map[string]string{envRoleARN: "r", envOIDCTokenFile: token}), dir: dir,
			wantErr: "ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE set but not ALIBABA_CLOUD_OIDC_PROVIDER_ARN"},
		{name: "missing token file", env: merge(base, rrsa, map[string]string{envOIDCTokenFile: filepath.Join(tmp, "none")}),
			wantErr: envOIDCTokenFile},
		{name: "directory before the environment", env: base, dir: dir, wantType: "*main.dirProvider",
			want: "the files OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET in " + dir, endpoint: "http://env.example:9000"},
		{name: "directory alone: endpoint and region from it too", env: nil, dir: dir, wantType: "*main.dirProvider",
			want: "the files", endpoint: "http://dir.example:9000"},
		{name: "directory without the files", env: base, dir: tmp, wantErr: "--credentials-dir"},
		{name: "environment", env: base, wantType: "credentials.StaticCredentialsProvider", want: "the environment: OSS_ACCESS_KEY_ID ENVKEY"},
		{name: "nothing", env: map[string]string{"OSS_ENDPOINT": "http://e", "OSS_REGION": "r"},
			wantErr: "OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, desc, err := config(func(k string) string { return tc.env[k] }, tc.dir, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(desc, tc.want) {
				t.Errorf("source %q, want %q...", desc, tc.want)
			}
			if got := fmt.Sprintf("%T", cfg.CredentialsProvider); got != tc.wantType {
				t.Errorf("provider %s, want %s", got, tc.wantType)
			}
			if strings.Contains(desc, "dir-secret") || strings.Contains(desc, "env-secret") {
				t.Errorf("the description shows a secret: %q", desc)
			}
			if tc.endpoint != "" && (cfg.Endpoint == nil || *cfg.Endpoint != tc.endpoint) {
				t.Errorf("endpoint %v, want %s", cfg.Endpoint, tc.endpoint)
			}
		})
	}

	// OSS_CREDENTIALS_DIR is --credentials-dir's default; the flag wins.
	env := func(k string) string { return map[string]string{envCredentialsDir: "/from/env"}[k] }
	if o, _, err := parseArgs([]string{"ls", "b"}, env); err != nil || o.credDir != "/from/env" {
		t.Errorf("from the environment: %q %v", o.credDir, err)
	}
	if o, _, err := parseArgs([]string{"ls", "b", "--credentials-dir", "/flag"}, env); err != nil || o.credDir != "/flag" {
		t.Errorf("the flag: %q %v", o.credDir, err)
	}
	if n := roleSessionName(); !strings.HasPrefix(n, "osscli-") || len(n) > 64 {
		t.Errorf("role session name %q", n)
	}
}

// TestWorkloadIdentity runs a soak in a child process with RRSA's
// environment against a fake STS over https, trusted through
// SSL_CERT_FILE (Go reads it once per process, hence the child): each
// request gets the STS credentials (renewed here on every request, as
// they expire within credentials-go's 3 minutes of margin) and is signed
// with them and their token.
func TestWorkloadIdentity(t *testing.T) {
	if os.Getenv("OSSCLI_TEST_CHILD") == "workload-identity" {
		var stdout bytes.Buffer
		err := run(context.Background(), []string{"--count", "2", "--interval", "0", "soak", "bkt", "wi/"}, nil, &stdout, os.Stderr)
		fmt.Print(stdout.String())
		if err != nil {
			fmt.Fprintln(os.Stderr, "osscli:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("the-oidc-jwt"), 0o600); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var calls []map[string]string
	sts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		call := map[string]string{"Method": r.Method, "Action": r.URL.Query().Get("Action")}
		for _, k := range []string{"RoleArn", "OIDCProviderArn", "OIDCToken", "RoleSessionName"} {
			call[k] = r.PostForm.Get(k)
		}
		calls = append(calls, call)
		n := len(calls)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"RequestId": "sts-req", "Credentials": map[string]string{
			"AccessKeyId": fmt.Sprintf("STS.%d", n), "AccessKeySecret": fmt.Sprintf("sts-secret-%d", n),
			"SecurityToken": fmt.Sprintf("sts-token-%d", n),
			"Expiration":    time.Now().Add(100 * time.Second).UTC().Format("2006-01-02T15:04:05Z"),
		}})
	}))
	defer sts.Close()
	caFile := filepath.Join(dir, "sts-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFakeOSS(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestWorkloadIdentity$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OSS_") && !strings.HasPrefix(kv, "ALIBABA_CLOUD_") && !strings.HasPrefix(kv, "SSL_CERT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "OSSCLI_TEST_CHILD=workload-identity", "SSL_CERT_FILE="+caFile,
		"OSS_ENDPOINT="+f.srv.URL, "OSS_REGION="+fakeRegion,
		"OSS_ACCESS_KEY_ID=IGNORED", "OSS_ACCESS_KEY_SECRET=ignored", // workload identity wins
		envRoleARN+"=acs:ram::1234:role/soak", envOIDCProviderARN+"=acs:ram::1234:oidc-provider/cluster",
		envOIDCTokenFile+"="+token, envSTSEndpoint+"="+sts.Listener.Addr().String())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), "osscli: credentials from workload identity: role acs:ram::1234:role/soak, AssumeRoleWithOIDC at "+
		sts.Listener.Addr().String()) {
		t.Errorf("stderr: %s", stderr.String())
	}
	if !strings.Contains(stdout.String(), `{"acknowledged":2,"failed":0,"firstFailure":"","keys":2}`) {
		t.Errorf("stdout: %s", stdout.String())
	}
	mu.Lock()
	defer mu.Unlock()
	reqs := f.requests()
	if len(calls) != 3 || len(reqs) != 3 {
		t.Fatalf("%d STS calls and %d OSS requests, want 3 and 3 (two writes and the list)", len(calls), len(reqs))
	}
	for i, c := range calls {
		if c["Method"] != http.MethodPost || c["Action"] != "AssumeRoleWithOIDC" || c["RoleArn"] != "acs:ram::1234:role/soak" ||
			c["OIDCProviderArn"] != "acs:ram::1234:oidc-provider/cluster" || c["OIDCToken"] != "the-oidc-jwt" ||
			!strings.HasPrefix(c["RoleSessionName"], "osscli-") {
			t.Errorf("STS call %d: %v", i+1, c)
		}
	}
	for i, r := range reqs {
		id, secret, tok := fmt.Sprintf("STS.%d", i+1), fmt.Sprintf("sts-secret-%d", i+1), fmt.Sprintf("sts-token-%d", i+1)
		if r.AccessKeyID() != id || r.Header.Get("x-oss-security-token") != tok || !verifyV4(t, r, id, secret, tok) {
			t.Errorf("request %d: %s token %q, want signed by %s with %s", i+1, r.Header.Get("Authorization"),
				r.Header.Get("x-oss-security-token"), id, tok)
		}
	}
}
