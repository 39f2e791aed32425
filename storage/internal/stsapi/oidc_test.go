package stsapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials/providers"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/koss-io/koss/storage/internal/session"
	"github.com/koss-io/koss/storage/internal/workloadid"
	wit "github.com/koss-io/koss/storage/internal/workloadid/workloadidtest"
)

const uploaderRole = "acs:ram::koss:role/apps/uploader"

// newOIDCHandler is a Handler trusting a fresh issuer for one role, the
// caller's key, for apps/uploader; its log goes to logs.
func newOIDCHandler(t *testing.T, maxSession int64) (*Handler, *session.Sessions, *wit.TokenIssuer, string, *bytes.Buffer) {
	t.Helper()
	k := wit.New(t)
	path := filepath.Join(t.TempDir(), "identity.json")
	wit.WriteFile(t, path, k.File(workloadid.Role{Arn: uploaderRole, AccessKeyID: callerID,
		Subjects: []string{wit.Subject("apps", "uploader")}, MaxSessionSeconds: maxSession}))
	s, err := session.New("root-secret")
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	h, err := New(Config{Lookup: keys{}, Sessions: s, RootAccessKeyID: rootID, Trust: workloadid.NewTrust(path),
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	return h, s, k, path, logs
}

// TestAssumeRoleWithOIDCWithCredentialsGo: Alibaba's own OIDC provider
// (what RRSA pods run), pointed at the endpoint, gets credentials that
// open as a session of the role's key, cut down to the role's bound.
func TestAssumeRoleWithOIDCWithCredentialsGo(t *testing.T) {
	h, sessions, k, _, logs := newOIDCHandler(t, 1200)
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	trust(t, srv)
	token := k.Token(t, wit.Subject("apps", "uploader"))
	p, err := providers.NewOIDCCredentialsProviderBuilder().
		WithOIDCProviderARN(wit.Provider).WithRoleArn(uploaderRole).WithOIDCToken(token).
		WithSTSEndpoint(strings.TrimPrefix(srv.URL, "https://")).Build()
	if err != nil {
		t.Fatal(err)
	}
	cc, err := p.GetCredentials()
	if err != nil {
		t.Fatalf("credentials-go AssumeRoleWithOIDC: %v", err)
	}
	sess, err := sessions.Open(cc.AccessKeyId, cc.SecurityToken)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Parent != callerID || sess.Secret != cc.AccessKeySecret {
		t.Fatalf("session %s of %s", sess.AccessKeyID, sess.Parent)
	}
	// credentials-go asks for an hour; the role allows 20 minutes.
	if left := time.Until(sess.Expiration()); left > 20*time.Minute || left < 19*time.Minute {
		t.Fatalf("the session lasts %s, want the role's 20m", left)
	}
	if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), cc.SecurityToken) || strings.Contains(logs.String(), cc.AccessKeySecret) {
		t.Fatal("a token or secret reached the log")
	}
}

// oidcCall posts an AssumeRoleWithOIDC as credentials-go does and returns
// the status, the code and, on success, the answer.
func oidcCall(t *testing.T, h http.Handler, form url.Values) (int, string, assumeRoleWithOIDCResponse) {
	t.Helper()
	q := url.Values{"Version": {Version}, "Action": {"AssumeRoleWithOIDC"}, "Format": {"JSON"}, "Timestamp": {time.Now().UTC().Format(timeLayout)}}
	r := httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var out struct {
		Code string
		assumeRoleWithOIDCResponse
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("answer %q: %v", w.Body.String(), err)
	}
	return w.Code, out.Code, out.assumeRoleWithOIDCResponse
}

func TestAssumeRoleWithOIDC(t *testing.T) {
	h, sessions, k, path, logs := newOIDCHandler(t, 0)
	sub := wit.Subject("apps", "uploader")
	good := k.Token(t, sub)
	form := func(change func(url.Values)) url.Values {
		f := url.Values{"OIDCProviderArn": {wit.Provider}, "RoleArn": {uploaderRole}, "OIDCToken": {good},
			"RoleSessionName": {"pod-1"}, "DurationSeconds": {"900"}}
		if change != nil {
			change(f)
		}
		return f
	}

	status, code, out := oidcCall(t, h, form(func(f url.Values) {
		f.Set("Policy", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"acs:oss:*:*:rwb/*"}]}`)
	}))
	if status != http.StatusOK {
		t.Fatalf("a good call: %d %s", status, code)
	}
	if out.OIDCTokenInfo.Subject != sub || out.OIDCTokenInfo.Issuer != wit.Issuer || out.OIDCTokenInfo.ClientIDs != wit.Audience ||
		out.AssumedRoleUser.Arn != uploaderRole+"/pod-1" {
		t.Fatalf("answer %+v", out)
	}
	sess, err := sessions.Open(out.Credentials.AccessKeyID, out.Credentials.SecurityToken)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Parent != callerID || len(sess.Grants) != 1 || time.Until(sess.Expiration()) > 15*time.Minute {
		t.Fatalf("session of %s with %v until %s", sess.Parent, sess.Grants, sess.Expiration())
	}

	flipped := []byte(good)
	// A byte in the middle of the signature, to another base64url letter.
	if i := len(flipped) - 10; flipped[i] == 'A' {
		flipped[i] = 'B'
	} else {
		flipped[i] = 'A'
	}
	expired := k.Sign(t, jose.RS256, wit.RSAKeyID, wit.Claims(sub, time.Now().Add(-2*time.Hour)))
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"another provider", form(func(f url.Values) { f.Set("OIDCProviderArn", "acs:ram::koss:oidc-provider/x/y") }), 404, "EntityNotExist.OIDCProvider"},
		{"an unknown role", form(func(f url.Values) { f.Set("RoleArn", "acs:ram::koss:role/apps/x") }), 404, "EntityNotExist.Role"},
		{"another ServiceAccount", form(func(f url.Values) { f.Set("OIDCToken", k.Token(t, wit.Subject("apps", "other"))) }), 403, "AuthenticationFail.NoPermission"},
		{"another namespace", form(func(f url.Values) { f.Set("OIDCToken", k.Token(t, wit.Subject("other", "uploader"))) }), 403, "AuthenticationFail.NoPermission"},
		{"a flipped byte", form(func(f url.Values) { f.Set("OIDCToken", string(flipped)) }), 403, "AuthenticationFail.OIDCToken.Invalid"},
		{"an expired token", form(func(f url.Values) { f.Set("OIDCToken", expired) }), 403, "AuthenticationFail.OIDCToken.Expired"},
		{"another issuer's token", form(func(f url.Values) { f.Set("OIDCToken", wit.New(t).Token(t, sub)) }), 403, "AuthenticationFail.OIDCToken.Invalid"},
		{"garbage", form(func(f url.Values) { f.Set("OIDCToken", "garbage") }), 400, "InvalidParameter.OIDCToken"},
		{"no token", form(func(f url.Values) { f.Del("OIDCToken") }), 400, "MissingParameter.OIDCToken"},
		{"no provider", form(func(f url.Values) { f.Del("OIDCProviderArn") }), 400, "MissingParameter.OIDCProviderArn"},
		{"a short duration", form(func(f url.Values) { f.Set("DurationSeconds", "600") }), 400, "InvalidParameter.DurationSeconds"},
		{"a bad session name", form(func(f url.Values) { f.Set("RoleSessionName", "a b") }), 400, "InvalidParameter.RoleSessionName"},
	} {
		if status, code, _ := oidcCall(t, h, tc.form); status != tc.status || code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, code, tc.status, tc.code)
		}
	}

	// The operator drops the role (its AccessKey was deleted): refused at once.
	wit.WriteFile(t, path, k.File())
	if status, code, _ := oidcCall(t, h, form(nil)); status != 404 || code != "EntityNotExist.Role" {
		t.Fatalf("after the role went: %d %s", status, code)
	}
	// A role whose key kossd does not know (not registered yet, or gone).
	wit.WriteFile(t, path, k.File(workloadid.Role{Arn: uploaderRole, AccessKeyID: "LTAIgone", Subjects: []string{sub}}))
	if status, code, _ := oidcCall(t, h, form(nil)); status != 404 || code != "EntityNotExist.Role" {
		t.Fatalf("a role of a missing key: %d %s", status, code)
	}
	// A node without workload identity.
	plain, _ := newHandler(t)
	if status, code, _ := oidcCall(t, plain, form(nil)); status != 404 || code != "EntityNotExist.OIDCProvider" {
		t.Fatalf("no trust file: %d %s", status, code)
	}
	if strings.Contains(logs.String(), good) || strings.Contains(logs.String(), out.Credentials.SecurityToken) {
		t.Fatal("a token reached the log")
	}
}
