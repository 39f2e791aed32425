package stsapi

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials/providers"

	"github.com/koss-io/koss/storage/internal/auth"
	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/session"
)

const (
	rootID                 = "KOSSROOT"
	callerID, callerSecret = "LTAIcaller0001", "callerSecret000000000000000000000000001"
)

// keys is the KeyLookup of the tests: the root key and one caller with read
// on "readb" and read-write on "rwb".
type keys struct{}

func (keys) LookupKey(_ context.Context, id string) (auth.Key, error) {
	switch id {
	case rootID:
		return auth.Key{Secret: "rootsecret", Principal: auth.Principal{AccessKeyID: id, Root: true}}, nil
	case callerID:
		return auth.Key{Secret: callerSecret, Principal: auth.Principal{AccessKeyID: id,
			Grants: map[string]object.Access{"readb": object.AccessRead, "rwb": object.AccessReadWrite}}}, nil
	}
	return auth.Key{}, fmt.Errorf("%w: %s", auth.ErrInvalidAccessKeyID, id)
}

func newHandler(t testing.TB) (*Handler, *session.Sessions) {
	t.Helper()
	s, err := session.New("root-secret")
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(Config{Lookup: keys{}, Sessions: s, RootAccessKeyID: rootID})
	if err != nil {
		t.Fatal(err)
	}
	return h, s
}

// trustOnce makes the process's default transport (which credentials-go
// clones for every call, always over https) trust srv's certificate.
var trustMu sync.Mutex

func trust(t *testing.T, srv *httptest.Server) {
	t.Helper()
	trustMu.Lock()
	tr := http.DefaultTransport.(*http.Transport)
	old := tr.TLSClientConfig
	tr.TLSClientConfig = &tls.Config{RootCAs: srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}
	t.Cleanup(func() { tr.TLSClientConfig = old; trustMu.Unlock() })
}

// TestAssumeRoleWithCredentialsGo fetches credentials with Alibaba's own
// credential library (the RAM role ARN provider, pointed at the endpoint)
// and checks that they open as a session of the caller, narrowed by the
// policy.
func TestAssumeRoleWithCredentialsGo(t *testing.T) {
	h, sessions := newHandler(t)
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	trust(t, srv)
	host := strings.TrimPrefix(srv.URL, "https://")

	for _, tc := range []struct {
		name, policy string
		read, write  map[string]bool
	}{
		{"no policy", "", map[string]bool{"readb": true, "rwb": true}, map[string]bool{"rwb": true}},
		{"policy", `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject","oss:PutObject"],"Resource":["acs:oss:*:*:rwb/*","acs:oss:*:*:readb/*","acs:oss:*:*:other/*"]}]}`,
			map[string]bool{"readb": true, "rwb": true}, map[string]bool{"rwb": true}},
		{"read-only policy", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"acs:oss:*:*:rwb"}]}`,
			map[string]bool{"rwb": true}, map[string]bool{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := providers.NewRAMRoleARNCredentialsProviderBuilder().
				WithAccessKeyId(callerID).WithAccessKeySecret(callerSecret).
				WithRoleArn("acs:ram::koss:role/app").WithRoleSessionName("app-session").
				WithDurationSeconds(900).WithStsEndpoint(host)
			if tc.policy != "" {
				b = b.WithPolicy(tc.policy)
			}
			p, err := b.Build()
			if err != nil {
				t.Fatal(err)
			}
			cc, err := p.GetCredentials()
			if err != nil {
				t.Fatalf("credentials-go AssumeRole: %v", err)
			}
			if !strings.HasPrefix(cc.AccessKeyId, session.IDPrefix) || cc.AccessKeySecret == "" || cc.SecurityToken == "" {
				t.Fatalf("credentials %q", cc.AccessKeyId)
			}
			sess, err := sessions.Open(cc.AccessKeyId, cc.SecurityToken)
			if err != nil {
				t.Fatal(err)
			}
			if sess.Parent != callerID || sess.Secret != cc.AccessKeySecret || time.Until(sess.Expiration()) > 15*time.Minute {
				t.Fatalf("session %s of %s until %s", sess.AccessKeyID, sess.Parent, sess.Expiration())
			}
			// Through a verifier, the rights are the intersection.
			v := auth.NewVerifier(auth.Config{Lookup: keys{}, Sessions: sessions})
			r, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/rwb/k", nil)
			r.Header.Set("x-oss-security-token", cc.SecurityToken)
			auth.SignRequestV1(r, "rwb", "k", cc.AccessKeyId, cc.AccessKeySecret, time.Now())
			res, err := v.Authenticate(context.Background(), r, "rwb", "k")
			if err != nil {
				t.Fatal(err)
			}
			for _, bkt := range []string{"readb", "rwb", "other"} {
				if res.Principal.MayRead(bkt) != tc.read[bkt] || res.Principal.MayWrite(bkt) != tc.write[bkt] {
					t.Errorf("%s: read %v write %v, want %v %v", bkt, res.Principal.MayRead(bkt), res.Principal.MayWrite(bkt), tc.read[bkt], tc.write[bkt])
				}
			}
		})
	}
}

// signedQuery builds an AssumeRole call by hand, all in the query (as
// reqsign sends it with GET).
func signedQuery(id, secret, nonce string, ts time.Time, extra map[string]string) url.Values {
	p := url.Values{}
	for k, v := range map[string]string{"Version": Version, "Action": "AssumeRole", "Format": "JSON",
		"Timestamp": ts.UTC().Format(timeLayout), "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
		"SignatureNonce": nonce, "AccessKeyId": id, "RoleArn": "acs:ram::koss:role/x", "RoleSessionName": "s1"} {
		p.Set(k, v)
	}
	for k, v := range extra {
		if v == "" {
			p.Del(k)
		} else {
			p.Set(k, v)
		}
	}
	p.Set("Signature", signRPC(http.MethodGet, p, secret))
	return p
}

func TestAssumeRoleRefuses(t *testing.T) {
	h, _ := newHandler(t)
	srv := httptest.NewServer(h)
	defer srv.Close()
	call := func(p url.Values) (int, string) {
		resp, err := http.Get(srv.URL + "/?" + p.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var e struct{ Code string }
		_ = json.Unmarshal(body, &e)
		return resp.StatusCode, e.Code
	}
	now := time.Now()
	if st, code := call(signedQuery(callerID, callerSecret, "n-ok", now, nil)); st != http.StatusOK {
		t.Fatalf("a good GET call: %d %s", st, code)
	}
	for _, c := range []struct {
		name   string
		p      url.Values
		status int
		code   string
	}{
		{"replayed nonce", signedQuery(callerID, callerSecret, "n-ok", now, nil), 400, "SignatureNonceUsed"},
		{"wrong secret", signedQuery(callerID, "wrong", "n1", now, nil), 400, "SignatureDoesNotMatch"},
		{"old timestamp", signedQuery(callerID, callerSecret, "n2", now.Add(-20*time.Minute), nil), 400, "InvalidTimeStamp.Expired"},
		{"root key", signedQuery(rootID, "rootsecret", "n3", now, nil), 403, "NoPermission"},
		{"unknown key", signedQuery("LTAInobody", "x", "n4", now, nil), 404, "InvalidAccessKeyId.NotFound"},
		{"temporary caller", signedQuery(callerID, callerSecret, "n5", now, map[string]string{"SecurityToken": "KST1.x"}), 403, "NoPermission"},
		{"short duration", signedQuery(callerID, callerSecret, "n6", now, map[string]string{"DurationSeconds": "899"}), 400, "InvalidParameter.DurationSeconds"},
		{"long duration", signedQuery(callerID, callerSecret, "n7", now, map[string]string{"DurationSeconds": "43201"}), 400, "InvalidParameter.DurationSeconds"},
		{"bad session name", signedQuery(callerID, callerSecret, "n8", now, map[string]string{"RoleSessionName": "a b"}), 400, "InvalidParameter.RoleSessionName"},
		{"no role", signedQuery(callerID, callerSecret, "n9", now, map[string]string{"RoleArn": ""}), 400, "InvalidParameter.RoleArn"},
		{"deny policy", signedQuery(callerID, callerSecret, "n10", now, map[string]string{"Policy": `{"Version":"1","Statement":[{"Effect":"Deny","Action":"oss:*","Resource":"acs:oss:*:*:rwb"}]}`}), 400, "InvalidParameter.PolicyGrammar"},
		{"prefix policy", signedQuery(callerID, callerSecret, "n11", now, map[string]string{"Policy": `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:rwb/logs/*"}]}`}), 400, "InvalidParameter.PolicyGrammar"},
		{"wrong version", signedQuery(callerID, callerSecret, "n12", now, map[string]string{"Version": "2014-01-01"}), 400, "InvalidVersion"},
		{"unknown action", signedQuery(callerID, callerSecret, "n13", now, map[string]string{"Action": "GetCallerIdentity"}), 404, "InvalidAction.NotFound"},
	} {
		if st, code := call(c.p); st != c.status || code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, st, code, c.status, c.code)
		}
	}
}

func TestIsSTSRequest(t *testing.T) {
	for target, want := range map[string]bool{
		"/?Action=AssumeRole&Version=2015-04-01": true,
		"/":                                      false,
		"/bucket?Action=AssumeRole":              false,
		"/?acl":                                  false,
		"/?prefix=Action&max-keys=10":            false,
	} {
		r := httptest.NewRequest(http.MethodGet, target, nil)
		if got := IsSTSRequest(r); got != want {
			t.Errorf("%s: %v, want %v", target, got, want)
		}
	}
}

// FuzzParams: the request parser never panics, and a call it accepts was
// signed (a fuzzed query never authenticates).
func FuzzParams(f *testing.F) {
	h, _ := newHandler(f)
	f.Add("Version=2015-04-01&Action=AssumeRole", "RoleArn=x")
	f.Add("a=%zz", "b=;")
	f.Add(signedQuery(callerID, callerSecret, "seed", time.Unix(1700000000, 0), nil).Encode(), "")
	f.Fuzz(func(t *testing.T, query, form string) {
		r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{},
			Body: io.NopCloser(strings.NewReader(form))}
		r = r.WithContext(context.Background())
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code == http.StatusOK {
			t.Fatalf("fuzzed call %q / %q issued credentials", query, form)
		}
		if w.Code >= 500 {
			t.Fatalf("fuzzed call answered %d: %s", w.Code, w.Body)
		}
	})
}
