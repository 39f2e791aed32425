package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
)

// The environment of Alibaba Cloud's RRSA (RAM Roles for Service Accounts):
// a pod whose service account is bound to a RAM role gets the role, the
// OIDC provider and a projected service account token file.
const (
	envRoleARN         = "ALIBABA_CLOUD_ROLE_ARN"
	envOIDCProviderARN = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"
	envOIDCTokenFile   = "ALIBABA_CLOUD_OIDC_TOKEN_FILE"
	envSTSEndpoint     = "ALIBABA_CLOUD_STS_ENDPOINT"
)

// envCredentialsDir is --credentials-dir's environment variable.
const envCredentialsDir = "OSS_CREDENTIALS_DIR"

// The files of a credentials directory: the keys of koss's AccessKey Secret
// (and the OSS SDKs' environment variables), mounted one file per key.
const (
	fileAccessKeyID     = "OSS_ACCESS_KEY_ID"
	fileAccessKeySecret = "OSS_ACCESS_KEY_SECRET"
)

// credSource is where the client's credentials come from.
type credSource struct {
	provider credentials.CredentialsProvider
	// desc says which source it is, for the line printed at start; never
	// a secret.
	desc string
}

// selectCredentials picks the credentials, first match wins:
//
//  1. workload identity: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN
//     and ALIBABA_CLOUD_OIDC_TOKEN_FILE all set (some but not all is an
//     error, not a silent fallback);
//  2. a credentials directory (--credentials-dir or OSS_CREDENTIALS_DIR);
//  3. OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET.
//
// missing gets the variables that 3 lacks when it is the one chosen, so
// that the caller names them with the others it misses.
func selectCredentials(getenv func(string) string, credDir string, log io.Writer) (src credSource, missing []string, err error) {
	var set, unset []string
	for _, k := range []string{envRoleARN, envOIDCProviderARN, envOIDCTokenFile} {
		if getenv(k) != "" {
			set = append(set, k)
		} else {
			unset = append(unset, k)
		}
	}
	switch {
	case len(set) == 3:
		src, err := oidcSource(getenv)
		return src, nil, err
	case len(set) > 0:
		return src, nil, fmt.Errorf("%s set but not %s: workload identity needs all three",
			strings.Join(set, ", "), strings.Join(unset, ", "))
	}
	if credDir != "" {
		p := &dirProvider{dir: credDir, log: log}
		c, err := p.GetCredentials(context.Background())
		if err != nil {
			return src, nil, fmt.Errorf("--credentials-dir: %w", err)
		}
		return credSource{provider: p, desc: fmt.Sprintf("the files %s and %s in %s, re-read on every request (AccessKey ID %s)",
			fileAccessKeyID, fileAccessKeySecret, credDir, c.AccessKeyID)}, nil, nil
	}
	id, secret := getenv("OSS_ACCESS_KEY_ID"), getenv("OSS_ACCESS_KEY_SECRET")
	if id == "" {
		missing = append(missing, "OSS_ACCESS_KEY_ID")
	}
	if secret == "" {
		missing = append(missing, "OSS_ACCESS_KEY_SECRET")
	}
	if len(missing) > 0 {
		return src, missing, nil
	}
	return credSource{provider: credentials.NewStaticCredentialsProvider(id, secret),
		desc: "the environment: OSS_ACCESS_KEY_ID " + id}, nil, nil
}

// oidcSource is workload identity: credentials-go's OIDC provider sends
// AssumeRoleWithOIDC (the token file's content, read anew each time) to
// STS over https and caches the STS credentials until 3 minutes before
// they expire. The STS endpoint is ALIBABA_CLOUD_STS_ENDPOINT (host or
// host:port), else credentials-go's default (ALIBABA_CLOUD_STS_REGION,
// else sts.aliyuncs.com). Its https client trusts Go's default roots:
// SSL_CERT_FILE names the CA of a private STS.
func oidcSource(getenv func(string) string) (credSource, error) {
	tokenFile := getenv(envOIDCTokenFile)
	if _, err := os.Stat(tokenFile); err != nil {
		return credSource{}, fmt.Errorf("%s: %w", envOIDCTokenFile, err)
	}
	session := roleSessionName()
	p, err := providers.NewOIDCCredentialsProviderBuilder().
		WithRoleArn(getenv(envRoleARN)).
		WithOIDCProviderARN(getenv(envOIDCProviderARN)).
		WithOIDCTokenFilePath(tokenFile).
		WithSTSEndpoint(getenv(envSTSEndpoint)).
		WithRoleSessionName(session).
		Build()
	if err != nil {
		return credSource{}, fmt.Errorf("workload identity: %w", err)
	}
	sts := getenv(envSTSEndpoint)
	if sts == "" {
		sts = "credentials-go's default STS endpoint"
	}
	return credSource{provider: &oidcProvider{p: p},
		desc: fmt.Sprintf("workload identity: role %s, AssumeRoleWithOIDC at %s with the token in %s, session %s",
			getenv(envRoleARN), sts, tokenFile, session)}, nil
}

// roleSessionName is osscli-<hostname> (a pod's name), in the characters
// and length STS accepts ([A-Za-z0-9.@_-], 2 to 64).
func roleSessionName() string {
	h, _ := os.Hostname()
	name := []byte("osscli-" + h)
	for i, c := range name {
		if !sessionNameByte(c) {
			name[i] = '-'
		}
	}
	if len(name) > 64 {
		name = name[:64]
	}
	return string(name)
}

// sessionNameByte reports whether c may appear in a RoleSessionName.
func sessionNameByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return c == '.' || c == '@' || c == '_' || c == '-'
}

// oidcProvider adapts credentials-go's provider to the OSS SDK's interface.
// credentials-go's provider has no lock of its own, and the SDK asks for
// credentials from every request's goroutine.
type oidcProvider struct {
	mu sync.Mutex
	p  providers.CredentialsProvider
}

func (o *oidcProvider) GetCredentials(context.Context) (credentials.Credentials, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c, err := o.p.GetCredentials()
	if err != nil {
		return credentials.Credentials{}, fmt.Errorf("workload identity: %w", err)
	}
	// Expires stays nil: credentials-go renews before the expiry it keeps
	// to itself, and the SDK asks again for every request.
	return credentials.Credentials{AccessKeyID: c.AccessKeyId, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken}, nil
}

// dirProvider reads the key pair from the files OSS_ACCESS_KEY_ID and
// OSS_ACCESS_KEY_SECRET of a directory on every request: they are a few
// bytes, and so a Secret updated in place (the kubelet swaps the ..data
// symlink the files point through) signs the very next request.
type dirProvider struct {
	dir string
	log io.Writer // told when the pair changes

	mu   sync.Mutex
	last credentials.Credentials
}

func (d *dirProvider) GetCredentials(context.Context) (credentials.Credentials, error) {
	var c credentials.Credentials
	// The ID is read again after the secret: if it changed, a swap came
	// between the two reads and the pair may be mixed, so read it again.
	for attempt := 0; ; attempt++ {
		id, err := readKeyFile(d.dir, fileAccessKeyID)
		if err != nil {
			return c, err
		}
		secret, err := readKeyFile(d.dir, fileAccessKeySecret)
		if err != nil {
			return c, err
		}
		again, err := readKeyFile(d.dir, fileAccessKeyID)
		if err != nil {
			return c, err
		}
		if again == id || attempt == 4 {
			c = credentials.Credentials{AccessKeyID: again, AccessKeySecret: secret}
			break
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.last.HasKeys() && d.last != c && d.log != nil {
		what := "AccessKey ID " + d.last.AccessKeyID + " -> " + c.AccessKeyID
		if d.last.AccessKeyID == c.AccessKeyID {
			what = "AccessKey ID " + c.AccessKeyID + ", new secret"
		}
		fmt.Fprintf(d.log, "osscli: credentials in %s changed: %s\n", d.dir, what)
	}
	d.last = c
	return c, nil
}

// readKeyFile reads one key, trailing newlines and spaces trimmed.
func readKeyFile(dir, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return "", err
	}
	v := string(bytes.TrimRight(b, " \t\r\n"))
	if v == "" {
		return "", errors.New(filepath.Join(dir, name) + " is empty")
	}
	return v, nil
}
