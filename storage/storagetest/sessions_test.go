package storagetest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/koss-io/koss/storage/adminapi"
)

// sessionClient signs with temporary credentials, in signature version ver.
func sessionClient(endpoint string, cr adminapi.Credentials, ver v2.SignatureVersionType) *v2.Client {
	return v2.NewClient(v2.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cr.AccessKeyID, cr.AccessKeySecret, cr.SecurityToken)).
		WithRegion(Region).
		WithEndpoint(endpoint).
		WithSignatureVersion(ver).
		WithRetryMaxAttempts(1).
		WithReadWriteTimeout(20 * time.Second))
}

// ossCode is the OSS error code of err ("" when it is no service error).
func ossCode(err error) string {
	var se *v2.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	return ""
}

// TestTemporaryCredentials: credentials issued on one node work on every
// node within the key's grants (narrowed where asked), are refused outside
// them, and die with their key.
func TestTemporaryCredentials(t *testing.T) {
	c := StartCluster(t, 3)
	leader, key := regionWithKey(t, c)
	ctx := context.Background()
	full, err := c.Admin(leader).IssueSession(ctx, key.AccessKeyID, adminapi.SessionRequest{DurationSeconds: 900, Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	readOnly, err := c.Admin((leader+1)%3).IssueSession(ctx, key.AccessKeyID, adminapi.SessionRequest{
		Grants: []adminapi.Grant{{Bucket: "bkt", Access: adminapi.AccessRead}, {Bucket: "other", Access: adminapi.AccessReadWrite}}})
	if err != nil {
		t.Fatal(err)
	}
	if full.SecurityToken == "" || full.AccessKeyID[:4] != "STS." || time.Until(full.Expiration) > 16*time.Minute {
		t.Fatalf("issued %s expiring %s", full.AccessKeyID, full.Expiration)
	}
	if _, err := c.Admin(leader).IssueSession(ctx, key.AccessKeyID, adminapi.SessionRequest{DurationSeconds: 60}); err == nil {
		t.Fatal("a 60 s session was issued; the minimum is 900 s")
	}

	for i := range c.Len() {
		for _, ver := range []v2.SignatureVersionType{v2.SignatureVersionV1, v2.SignatureVersionV4} {
			cl := sessionClient(c.Endpoint(i), full, ver)
			if err := put(ctx, cl, "bkt", "k", []byte("temporary")); err != nil {
				t.Fatalf("node %d, signature %d: PUT within the grants: %v", i, ver, err)
			}
			if got, err := get(ctx, cl, "bkt", "k"); err != nil || string(got) != "temporary" {
				t.Fatalf("node %d: GET: %q, %v", i, got, err)
			}
			if err := put(ctx, cl, "other", "k", []byte("x")); ossCode(err) != "AccessDenied" {
				t.Fatalf("node %d: PUT outside the grants: %v, want AccessDenied", i, err)
			}
			ro := sessionClient(c.Endpoint(i), readOnly, ver)
			if _, err := get(ctx, ro, "bkt", "k"); err != nil {
				t.Fatalf("node %d: read-only session GET: %v", i, err)
			}
			// Narrowed to read on bkt; the grant on other is more than the
			// key has, so the intersection gives nothing there.
			for _, b := range []string{"bkt", "other"} {
				if err := put(ctx, ro, b, "k2", []byte("x")); ossCode(err) != "AccessDenied" {
					t.Fatalf("node %d: read-only session PUT to %s: %v, want AccessDenied", i, b, err)
				}
			}
		}
	}

	tampered := full
	tampered.SecurityToken = full.SecurityToken[:len(full.SecurityToken)-2] + "AA"
	if _, err := get(ctx, sessionClient(c.Endpoint(leader), tampered, v2.SignatureVersionV4), "bkt", "k"); ossCode(err) != "InvalidSecurityToken" {
		t.Fatalf("tampered token: %v, want InvalidSecurityToken", err)
	}
	noToken := full
	noToken.SecurityToken = ""
	if _, err := get(ctx, sessionClient(c.Endpoint(leader), noToken, v2.SignatureVersionV4), "bkt", "k"); ossCode(err) != "InvalidAccessKeyId" {
		t.Fatalf("no token: %v, want InvalidAccessKeyId", err)
	}

	// Deleting the key revokes its sessions on every node at once.
	if err := c.Admin(leader).DeleteAccessKey(ctx, key.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	for i := range c.Len() {
		if _, err := get(ctx, sessionClient(c.Endpoint(i), full, v2.SignatureVersionV4), "bkt", "k"); ossCode(err) != "InvalidSecurityToken" {
			t.Fatalf("node %d after the key was deleted: %v, want InvalidSecurityToken", i, err)
		}
	}
}

// assumeRole calls the Region's STS endpoint the way Alibaba's credential
// libraries do: POST / with the call in the query and the role in the
// form, signed RPC style (credentials-go providers/ram_role_arn.go), and
// returns its Credentials.
func assumeRole(t *testing.T, endpoint, id, secret string, form url.Values) (adminapi.Credentials, int, string) {
	t.Helper()
	query := url.Values{"Version": {"2015-04-01"}, "Action": {"AssumeRole"}, "Format": {"JSON"},
		"Timestamp": {time.Now().UTC().Format("2006-01-02T15:04:05Z")}, "SignatureMethod": {"HMAC-SHA1"},
		"SignatureVersion": {"1.0"}, "SignatureNonce": {strconv.FormatInt(time.Now().UnixNano(), 16)}, "AccessKeyId": {id}}
	all := url.Values{}
	for _, vs := range []url.Values{query, form} {
		for k, v := range vs {
			all[k] = v
		}
	}
	toSign := strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(all.Encode())
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte("POST&%2F&" + url.QueryEscape(toSign)))
	query.Set("Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return postSTS(t, endpoint, query, form)
}

// postSTS posts an STS call (the call in the query, the rest in the form,
// as Alibaba's credential libraries send it) and returns the answer's
// Credentials, the status and the error code.
func postSTS(t *testing.T, endpoint string, query, form url.Values) (adminapi.Credentials, int, string) {
	t.Helper()
	resp, err := http.Post(endpoint+"/?"+query.Encode(), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Code        string
		Credentials struct{ AccessKeyId, AccessKeySecret, SecurityToken, Expiration string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("STS answer: %v", err)
	}
	exp, _ := time.Parse("2006-01-02T15:04:05Z", out.Credentials.Expiration)
	return adminapi.Credentials{AccessKeyID: out.Credentials.AccessKeyId, AccessKeySecret: out.Credentials.AccessKeySecret,
		SecurityToken: out.Credentials.SecurityToken, Expiration: exp}, resp.StatusCode, out.Code
}

// regionWithKey makes the buckets "bkt" and "other" with the root key and
// an access key with read-write on "bkt" only; it returns the leader.
func regionWithKey(t *testing.T, c *Cluster) (int, adminapi.AccessKey) {
	t.Helper()
	leader := c.WaitLeader()
	ctx := context.Background()
	root := client(c.Endpoint(leader))
	for _, b := range []string{"bkt", "other"} {
		if _, err := root.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr(b)}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := c.Admin(leader).CreateAccessKey(ctx, adminapi.CreateKeyRequest{Grants: []adminapi.Grant{{Bucket: "bkt", Access: adminapi.AccessReadWrite}}})
	if err != nil {
		t.Fatal(err)
	}
	return leader, key
}

// TestAssumeRoleOnTheRegion: an application holding a key asks any node
// for temporary credentials, narrowed by a session policy, and uses them
// on the others.
func TestAssumeRoleOnTheRegion(t *testing.T) {
	c := StartCluster(t, 3)
	leader := c.WaitLeader()
	ctx := context.Background()
	root := client(c.Endpoint(leader))
	for _, b := range []string{"bkt", "logs"} {
		if _, err := root.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr(b)}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := c.Admin(leader).CreateAccessKey(ctx, adminapi.CreateKeyRequest{Grants: []adminapi.Grant{
		{Bucket: "bkt", Access: adminapi.AccessReadWrite}, {Bucket: "logs", Access: adminapi.AccessReadWrite}}})
	if err != nil {
		t.Fatal(err)
	}
	follower := (leader + 1) % c.Len()
	cr, status, code := assumeRole(t, c.Endpoint(follower), key.AccessKeyID, key.AccessKeySecret, url.Values{
		"RoleArn": {"acs:ram::koss:role/uploader"}, "RoleSessionName": {"browser-1"}, "DurationSeconds": {"900"},
		"Policy": {`{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:PutObject","oss:GetObject"],"Resource":["acs:oss:*:*:bkt/*"]}]}`}})
	if status != http.StatusOK {
		t.Fatalf("AssumeRole: %d %s", status, code)
	}
	for i := range c.Len() {
		cl := sessionClient(c.Endpoint(i), cr, v2.SignatureVersionV4)
		if err := put(ctx, cl, "bkt", "from-sts", []byte("hi")); err != nil {
			t.Fatalf("node %d: PUT allowed by the policy: %v", i, err)
		}
		if err := put(ctx, cl, "logs", "x", []byte("hi")); ossCode(err) != "AccessDenied" {
			t.Fatalf("node %d: PUT to a bucket the policy leaves out: %v, want AccessDenied", i, err)
		}
	}
	if _, status, code := assumeRole(t, c.Endpoint(leader), RootAccessKeyID, RootAccessKeySecret, url.Values{
		"RoleArn": {"acs:ram::koss:role/x"}, "RoleSessionName": {"root"}}); status != http.StatusForbidden || code != "NoPermission" {
		t.Fatalf("AssumeRole with the root key: %d %s, want 403 NoPermission", status, code)
	}
	if _, status, code := assumeRole(t, c.Endpoint(leader), key.AccessKeyID, "wrong-secret", url.Values{
		"RoleArn": {"acs:ram::koss:role/x"}, "RoleSessionName": {"bad"}}); status != http.StatusBadRequest || code != "SignatureDoesNotMatch" {
		t.Fatalf("AssumeRole with a wrong secret: %d %s", status, code)
	}
}
