package storagetest

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/internal/workloadid"
	wit "github.com/koss-io/koss/storage/internal/workloadid/workloadidtest"
	"github.com/koss-io/koss/storage/server"
)

// assumeRoleWithOIDC posts the anonymous exchange as credentials-go does
// (providers/oidc.go: the call in the query, the rest in the form).
func assumeRoleWithOIDC(t *testing.T, endpoint, roleArn, token string) (adminapi.Credentials, int, string) {
	t.Helper()
	q := url.Values{"Version": {"2015-04-01"}, "Action": {"AssumeRoleWithOIDC"}, "Format": {"JSON"},
		"Timestamp": {time.Now().UTC().Format("2006-01-02T15:04:05Z")}}
	form := url.Values{"RoleArn": {roleArn}, "OIDCProviderArn": {wit.Provider}, "OIDCToken": {token},
		"RoleSessionName": {"pod"}, "DurationSeconds": {"3600"}}
	return postSTS(t, endpoint, q, form)
}

// TestWorkloadIdentityOnTheRegion: a ServiceAccount token exchanged on one
// node buys credentials that every node honours within the role's key's
// grants; a token of another ServiceAccount buys nothing; moving the role
// to a new key (a rotation) and deleting the old one revokes the old
// sessions on every node while new exchanges keep working.
func TestWorkloadIdentityOnTheRegion(t *testing.T) {
	trustFile := filepath.Join(t.TempDir(), "identity.json")
	c := StartClusterWith(t, 3, Options{Configure: func(_ int, cfg *server.Config) { cfg.WorkloadIdentityFile = trustFile }})
	leader, first := regionWithKey(t, c)
	ctx := context.Background()
	newKey := func() adminapi.AccessKey {
		k, err := c.Admin(leader).CreateAccessKey(ctx, adminapi.CreateKeyRequest{Grants: []adminapi.Grant{{Bucket: "bkt", Access: adminapi.AccessReadWrite}}})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	const role = "acs:ram::koss:role/apps/uploader"
	issuer := wit.New(t)
	sub := wit.Subject("apps", "uploader")
	wit.WriteFile(t, trustFile, issuer.File(workloadid.Role{Arn: role, AccessKeyID: first.AccessKeyID, Subjects: []string{sub}}))

	follower := (leader + 1) % c.Len()
	cr, status, code := assumeRoleWithOIDC(t, c.Endpoint(follower), role, issuer.Token(t, sub))
	if status != http.StatusOK {
		t.Fatalf("AssumeRoleWithOIDC: %d %s", status, code)
	}
	for i := range c.Len() {
		cl := sessionClient(c.Endpoint(i), cr, v2.SignatureVersionV4)
		if err := put(ctx, cl, "bkt", "from-pod", []byte("hi")); err != nil {
			t.Fatalf("node %d: PUT within the grants: %v", i, err)
		}
		if err := put(ctx, cl, "other", "x", []byte("hi")); ossCode(err) != "AccessDenied" {
			t.Fatalf("node %d: PUT outside the grants: %v, want AccessDenied", i, err)
		}
	}
	if _, status, code := assumeRoleWithOIDC(t, c.Endpoint(leader), role, issuer.Token(t, wit.Subject("apps", "other"))); status != http.StatusForbidden || code != "AuthenticationFail.NoPermission" {
		t.Fatalf("a token of another ServiceAccount: %d %s", status, code)
	}

	// A rotation: the role moves to a new key, the old key is retired.
	second := newKey()
	wit.WriteFile(t, trustFile, issuer.File(workloadid.Role{Arn: role, AccessKeyID: second.AccessKeyID, Subjects: []string{sub}}))
	cr2, status, code := assumeRoleWithOIDC(t, c.Endpoint(leader), role, issuer.Token(t, sub))
	if status != http.StatusOK {
		t.Fatalf("AssumeRoleWithOIDC after the rotation: %d %s", status, code)
	}
	if err := c.Admin(leader).DeleteAccessKey(ctx, first.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	for i := range c.Len() {
		if err := put(ctx, sessionClient(c.Endpoint(i), cr, v2.SignatureVersionV4), "bkt", "late", []byte("x")); ossCode(err) != "InvalidSecurityToken" {
			t.Fatalf("node %d: a session of the retired key: %v, want InvalidSecurityToken", i, err)
		}
		if err := put(ctx, sessionClient(c.Endpoint(i), cr2, v2.SignatureVersionV4), "bkt", "after", []byte("x")); err != nil {
			t.Fatalf("node %d: a session of the new key: %v", i, err)
		}
	}
}
