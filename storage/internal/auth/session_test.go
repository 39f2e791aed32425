package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	ossv2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	ossv1 "github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/session"
)

// mutableKeys is a KeyLookup whose keys tests change while sessions live.
type mutableKeys struct {
	mu   sync.Mutex
	keys map[string]Key
}

func (m *mutableKeys) LookupKey(_ context.Context, id string) (Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, ok := m.keys[id]
	if !ok {
		return Key{}, fmt.Errorf("%w: %s", ErrInvalidAccessKeyID, id)
	}
	return k, nil
}

func (m *mutableKeys) set(id string, k Key) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.keys == nil {
		m.keys = map[string]Key{}
	}
	k.Principal.AccessKeyID = id
	m.keys[id] = k
}

func (m *mutableKeys) remove(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.keys, id)
}

const parentID, parentSecret = "LTAIparentkey0001", "parentSecret0000000000000000000000000001"

// sessionFixture is a verifier with sessions, a parent key with read on
// "rob" and read-write on "rwb", and a clock tests move.
type sessionFixture struct {
	keys     *mutableKeys
	sessions *session.Sessions
	now      time.Time
	v        *Verifier
}

func newSessionFixture(t *testing.T) *sessionFixture {
	t.Helper()
	s, err := session.New("root-secret-of-the-region")
	if err != nil {
		t.Fatal(err)
	}
	f := &sessionFixture{keys: &mutableKeys{}, sessions: s, now: time.Now()}
	f.keys.set(parentID, Key{Secret: parentSecret, Principal: Principal{Grants: map[string]object.Access{"rob": object.AccessRead, "rwb": object.AccessReadWrite}}})
	f.v = NewVerifier(Config{Lookup: f.keys, Sessions: s, Now: func() time.Time { return f.now }})
	return f
}

func (f *sessionFixture) issue(t *testing.T, grants map[string]object.Access, d time.Duration) (session.Session, string) {
	t.Helper()
	parent, err := f.keys.LookupKey(context.Background(), parentID)
	if err != nil {
		t.Fatal(err)
	}
	sess, token, err := f.sessions.Issue(session.Request{ParentID: parentID, ParentSecret: parent.Secret, Grants: grants, Duration: d, Name: "test"}, f.now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sess.AccessKeyID, session.IDPrefix) || sess.Secret == "" {
		t.Fatalf("issued %q", sess.AccessKeyID)
	}
	return sess, token
}

// signers are every signature form a client may use with a token.
var signers = map[string]func(t *testing.T, r *http.Request, bucket, key, id, secret, token string, now time.Time){
	"V1 header": func(_ *testing.T, r *http.Request, bucket, key, id, secret, token string, now time.Time) {
		r.Header.Set("x-oss-security-token", token)
		SignRequestV1(r, bucket, key, id, secret, now)
	},
	"V4 header": func(_ *testing.T, r *http.Request, bucket, key, id, secret, token string, now time.Time) {
		r.Header.Set("x-oss-security-token", token)
		SignRequestV4(r, bucket, key, id, secret, testRegion, now)
	},
	"V1 presigned": func(_ *testing.T, r *http.Request, bucket, key, id, secret, token string, now time.Time) {
		q := r.URL.Query()
		q.Set("security-token", token)
		r.URL.RawQuery = encodeQuery(q)
		PresignV1(r, bucket, key, id, secret, now.Add(10*time.Minute))
	},
	"V4 presigned": func(t *testing.T, r *http.Request, bucket, key, id, secret, token string, now time.Time) {
		q := r.URL.Query()
		q.Set("x-oss-security-token", token)
		r.URL.RawQuery = encodeQuery(q)
		if err := PresignV4(r, bucket, key, id, secret, testRegion, now, 10*time.Minute); err != nil {
			t.Fatal(err)
		}
	},
}

func TestSessionEveryForm(t *testing.T) {
	f := newSessionFixture(t)
	sess, token := f.issue(t, nil, time.Hour)
	for name, sign := range signers {
		t.Run(name, func(t *testing.T) {
			r := newClientRequest(t, http.MethodGet, "rwb", "a/b c", "")
			sign(t, r, "rwb", "a/b c", sess.AccessKeyID, sess.Secret, token, f.now)
			res, err := f.v.Authenticate(context.Background(), toServer(t, r), "rwb", "a/b c")
			if err != nil {
				t.Fatalf("session request refused: %v", err)
			}
			p := res.Principal
			if p.AccessKeyID != sess.AccessKeyID || p.Parent != parentID || p.Root || !p.MayWrite("rwb") || !p.MayRead("rob") || p.MayWrite("rob") {
				t.Fatalf("principal %+v, want the parent's grants under the session id", p)
			}

			// The wrong secret, a flipped token byte, the token of
			// another session, and no token at all are refused as OSS
			// refuses them.
			other, otherToken := f.issue(t, nil, time.Hour)
			flipped := []byte(token)
			flipped[len(flipped)/2] ^= 1
			for _, c := range []struct {
				what          string
				secret, token string
				want          error
			}{
				{"wrong secret", other.Secret, token, ErrSignatureMismatch},
				{"flipped token byte", sess.Secret, string(flipped), ErrInvalidSecurityToken},
				{"another session's token", sess.Secret, otherToken, ErrInvalidSecurityToken},
				{"no token", sess.Secret, "", ErrInvalidAccessKeyID},
				{"not a token", sess.Secret, "CAISabc", ErrInvalidSecurityToken},
			} {
				r := newClientRequest(t, http.MethodGet, "rwb", "k", "")
				sign(t, r, "rwb", "k", sess.AccessKeyID, c.secret, c.token, f.now)
				if c.token == "" {
					r.Header.Del("x-oss-security-token")
				}
				_, err := f.v.Authenticate(context.Background(), toServer(t, r), "rwb", "k")
				if !errors.Is(err, c.want) {
					t.Errorf("%s: %v, want %v", c.what, err, c.want)
				}
				if err != nil && (strings.Contains(err.Error(), sess.Secret) || strings.Contains(err.Error(), token)) {
					t.Errorf("%s: the error names the secret or the token: %v", c.what, err)
				}
			}
		})
	}
}

func TestSessionExpiresAtRequestTime(t *testing.T) {
	f := newSessionFixture(t)
	sess, token := f.issue(t, nil, session.MinDuration)
	do := func() error {
		r := newClientRequest(t, http.MethodGet, "rwb", "k", "")
		signers["V4 header"](t, r, "rwb", "k", sess.AccessKeyID, sess.Secret, token, f.now)
		_, err := f.v.Authenticate(context.Background(), toServer(t, r), "rwb", "k")
		return err
	}
	f.now = f.now.Add(session.MinDuration - time.Second)
	if err := do(); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	f.now = f.now.Add(time.Second)
	if err := do(); !errors.Is(err, ErrSecurityTokenExpired) {
		t.Fatalf("at expiry: %v, want ErrSecurityTokenExpired", err)
	}
}

func TestSessionRevokedWithItsParent(t *testing.T) {
	for _, change := range []string{"secret", "delete"} {
		t.Run(change, func(t *testing.T) {
			f := newSessionFixture(t)
			sess, token := f.issue(t, nil, time.Hour)
			switch change {
			case "secret":
				f.keys.set(parentID, Key{Secret: "anotherSecret", Principal: Principal{Grants: map[string]object.Access{"rwb": object.AccessReadWrite}}})
			case "delete":
				f.keys.remove(parentID)
			}
			r := newClientRequest(t, http.MethodGet, "rwb", "k", "")
			signers["V1 header"](t, r, "rwb", "k", sess.AccessKeyID, sess.Secret, token, f.now)
			if _, err := f.v.Authenticate(context.Background(), toServer(t, r), "rwb", "k"); !errors.Is(err, ErrInvalidSecurityToken) {
				t.Fatalf("after the parent's %s changed: %v, want ErrInvalidSecurityToken", change, err)
			}
		})
	}
}

func TestSessionGrantsAreAnIntersection(t *testing.T) {
	f := newSessionFixture(t)
	// Asks for more than the parent has: write on "rob", anything on "other".
	sess, token := f.issue(t, map[string]object.Access{"rob": object.AccessReadWrite, "rwb": object.AccessRead, "other": object.AccessReadWrite}, time.Hour)
	principal := func() Principal {
		r := newClientRequest(t, http.MethodGet, "rob", "k", "")
		signers["V4 header"](t, r, "rob", "k", sess.AccessKeyID, sess.Secret, token, f.now)
		res, err := f.v.Authenticate(context.Background(), toServer(t, r), "rob", "k")
		if err != nil {
			t.Fatal(err)
		}
		return res.Principal
	}
	p := principal()
	if !p.MayRead("rob") || p.MayWrite("rob") || !p.MayRead("rwb") || p.MayWrite("rwb") || p.MayRead("other") || p.Root {
		t.Fatalf("principal %+v: want read on rob and rwb only", p)
	}
	// Narrowing the parent narrows its live sessions.
	f.keys.set(parentID, Key{Secret: parentSecret, Principal: Principal{Grants: map[string]object.Access{"rwb": object.AccessRead}}})
	if p := principal(); p.MayRead("rob") || !p.MayRead("rwb") {
		t.Fatalf("after the parent lost rob: %+v", p)
	}
}

func TestSessionIssueRefuses(t *testing.T) {
	f := newSessionFixture(t)
	parent, _ := f.keys.LookupKey(context.Background(), parentID)
	for name, req := range map[string]session.Request{
		"too short":        {ParentID: parentID, ParentSecret: parent.Secret, Duration: session.MinDuration - time.Second},
		"too long":         {ParentID: parentID, ParentSecret: parent.Secret, Duration: session.MaxDuration + time.Second},
		"temporary parent": {ParentID: "STS.X", ParentSecret: parent.Secret},
		"no parent":        {},
		"bad grant":        {ParentID: parentID, ParentSecret: parent.Secret, Grants: map[string]object.Access{"b": "admin"}},
	} {
		if _, _, err := f.sessions.Issue(req, f.now); !errors.Is(err, session.ErrInvalidRequest) {
			t.Errorf("%s: %v, want session.ErrInvalidRequest", name, err)
		}
	}
	// A long-lived key sent with a token is refused (after its signature).
	r := newClientRequest(t, http.MethodGet, "rwb", "k", "")
	signers["V1 header"](t, r, "rwb", "k", parentID, parentSecret, "KST1.whatever", f.now)
	if _, err := f.v.Authenticate(context.Background(), toServer(t, r), "rwb", "k"); !errors.Is(err, ErrInvalidAccessKeyID) {
		t.Fatalf("long-lived key with a token: %v, want ErrInvalidAccessKeyID", err)
	}
	// Another Region (another root secret) cannot open this Region's tokens.
	sess, token := f.issue(t, nil, time.Hour)
	other, _ := session.New("another-root-secret")
	if _, err := other.Open(sess.AccessKeyID, token); !errors.Is(err, session.ErrInvalidToken) {
		t.Fatalf("another Region opened the token: %v", err)
	}
}

// TestSessionWithTheSDKs signs with both official SDKs' static credentials
// providers carrying the token, in every signature version they offer.
func TestSessionWithTheSDKs(t *testing.T) {
	f := newSessionFixture(t)
	sess, token := f.issue(t, nil, time.Hour)
	f.v.now = time.Now
	srv := startFakeOSS(t, f.v)
	check := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			srv.take()
			t.Fatal(err)
		}
		for _, s := range srv.expectAll(t, "request", nil) {
			if s.res.Principal.AccessKeyID != sess.AccessKeyID || s.res.Principal.Parent != parentID {
				t.Fatalf("principal %+v", s.res.Principal)
			}
		}
	}
	for _, ver := range v1Versions {
		t.Run("v1 SDK "+string(ver), func(t *testing.T) {
			c, err := ossv1.New("http://"+srv.addr(), sess.AccessKeyID, sess.Secret, ossv1.AuthVersion(ver), ossv1.Region(testRegion),
				ossv1.HTTPClient(srv.client()), ossv1.SecurityToken(token))
			if err != nil {
				t.Fatal(err)
			}
			b, err := c.Bucket("rwb")
			if err != nil {
				t.Fatal(err)
			}
			check(t, b.PutObject("a b", strings.NewReader("hello")))
			u, err := b.SignURL("a b", ossv1.HTTPGet, 600)
			if err != nil {
				t.Fatal(err)
			}
			body, err := b.GetObjectWithURL(u)
			if err == nil {
				_ = body.Close()
			}
			check(t, err)
		})
	}
	for _, ver := range v2Versions {
		t.Run(fmt.Sprintf("v2 SDK %d", ver), func(t *testing.T) {
			cfg := ossv2.LoadDefaultConfig().
				WithCredentialsProvider(credentials.NewStaticCredentialsProvider(sess.AccessKeyID, sess.Secret, token)).
				WithRegion(testRegion).WithEndpoint("http://" + srv.addr()).WithSignatureVersion(ver).
				WithRetryMaxAttempts(1).WithHttpClient(srv.client())
			c := ossv2.NewClient(cfg)
			_, err := c.PutObject(context.Background(), &ossv2.PutObjectRequest{Bucket: ossv2.Ptr("rwb"), Key: ossv2.Ptr("a b"), Body: strings.NewReader("hello")})
			check(t, err)
			pre, err := c.Presign(context.Background(), &ossv2.GetObjectRequest{Bucket: ossv2.Ptr("rwb"), Key: ossv2.Ptr("a b")})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.client().Get(pre.URL)
			if err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					err = fmt.Errorf("presigned GET: %s", resp.Status)
				}
			}
			check(t, err)
		})
	}
}
