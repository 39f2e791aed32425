package storagetest

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	v1 "github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/koss-io/koss/storage/adminapi"
	"github.com/koss-io/koss/storage/server"
)

// sessionForm writes and reads one object with temporary credentials in
// one signature form of one SDK, and returns the OSS error code of the
// first failure ("" when both worked).
type sessionForm struct {
	name string
	try  func(ctx context.Context, endpoint string, cr adminapi.Credentials, bucket, key string) string
	// expired is the code past the session's end: OSS's
	// SecurityTokenExpired, S3's ExpiredToken.
	expired string
}

// v1Code is the OSS error code of an error of the v1 SDK.
func v1Code(err error) string {
	var se v1.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// v2Code is ossCode, or the error itself when it is no service error.
func v2Code(err error) string {
	if c := ossCode(err); c != "" || err == nil {
		return c
	}
	return err.Error()
}

// httpCode sends a presigned request and returns the Code of its error
// document ("" on 2xx).
func httpCode(ctx context.Context, method, url string, headers map[string]string, body string) string {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return err.Error()
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 == 2 {
		return ""
	}
	var doc struct{ Code string }
	if xml.Unmarshal(b, &doc) != nil || doc.Code == "" {
		return resp.Status
	}
	return doc.Code
}

// s3SessionClient is an aws-sdk-go-v2 client with temporary credentials,
// built as programs build it.
func s3SessionClient(ctx context.Context, endpoint string, cr adminapi.Credentials) (*s3.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"), config.WithRetryMaxAttempts(1),
		config.WithCredentialsProvider(awscreds.NewStaticCredentialsProvider(cr.AccessKeyID, cr.AccessKeySecret, cr.SecurityToken)))
	if err != nil {
		return nil, err
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
	}), nil
}

// s3Code is the S3 error code of an aws-sdk-go-v2 error.
func s3Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// flatten turns presigned headers into single values (the Host header
// is the URL's, and net/http sets it).
func flatten(h http.Header) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if !strings.EqualFold(k, "Host") && len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

func sessionForms() []sessionForm {
	v2Header := func(ver v2.SignatureVersionType) func(context.Context, string, adminapi.Credentials, string, string) string {
		return func(ctx context.Context, ep string, cr adminapi.Credentials, b, k string) string {
			cl := sessionClient(ep, cr, ver)
			if err := put(ctx, cl, b, k, []byte("v2")); err != nil {
				return v2Code(err)
			}
			_, err := get(ctx, cl, b, k)
			return v2Code(err)
		}
	}
	v2Presigned := func(ver v2.SignatureVersionType) func(context.Context, string, adminapi.Credentials, string, string) string {
		return func(ctx context.Context, ep string, cr adminapi.Credentials, b, k string) string {
			cl := sessionClient(ep, cr, ver)
			p, err := cl.Presign(ctx, &v2.PutObjectRequest{Bucket: v2.Ptr(b), Key: v2.Ptr(k)}, v2.PresignExpires(time.Minute))
			if err != nil {
				return err.Error()
			}
			if c := httpCode(ctx, p.Method, p.URL, p.SignedHeaders, "presigned"); c != "" {
				return c
			}
			g, err := cl.Presign(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr(b), Key: v2.Ptr(k)}, v2.PresignExpires(time.Minute))
			if err != nil {
				return err.Error()
			}
			return httpCode(ctx, g.Method, g.URL, g.SignedHeaders, "")
		}
	}
	v1Client := func(ep string, cr adminapi.Credentials, ver v1.AuthVersionType) (*v1.Client, error) {
		return v1.New(ep, cr.AccessKeyID, cr.AccessKeySecret, v1.SecurityToken(cr.SecurityToken), v1.Region(Region), v1.AuthVersion(ver))
	}
	v1Header := func(ver v1.AuthVersionType) func(context.Context, string, adminapi.Credentials, string, string) string {
		return func(_ context.Context, ep string, cr adminapi.Credentials, b, k string) string {
			cl, err := v1Client(ep, cr, ver)
			if err != nil {
				return err.Error()
			}
			bkt, err := cl.Bucket(b)
			if err != nil {
				return err.Error()
			}
			if err := bkt.PutObject(k, strings.NewReader("v1")); err != nil {
				return v1Code(err)
			}
			rc, err := bkt.GetObject(k)
			if err != nil {
				return v1Code(err)
			}
			return v1Code(rc.Close())
		}
	}
	v1Presigned := func(ctx context.Context, ep string, cr adminapi.Credentials, b, k string) string {
		cl, err := v1Client(ep, cr, v1.AuthV1)
		if err != nil {
			return err.Error()
		}
		bkt, err := cl.Bucket(b)
		if err != nil {
			return err.Error()
		}
		u, err := bkt.SignURL(k, v1.HTTPPut, 60)
		if err != nil {
			return err.Error()
		}
		if c := httpCode(ctx, http.MethodPut, u, nil, "presigned"); c != "" {
			return c
		}
		if u, err = bkt.SignURL(k, v1.HTTPGet, 60); err != nil {
			return err.Error()
		}
		return httpCode(ctx, http.MethodGet, u, nil, "")
	}
	s3Header := func(ctx context.Context, ep string, cr adminapi.Credentials, b, k string) string {
		cl, err := s3SessionClient(ctx, ep, cr)
		if err != nil {
			return err.Error()
		}
		if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k), Body: strings.NewReader("s3")}); err != nil {
			return s3Code(err)
		}
		out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(k)})
		if err != nil {
			return s3Code(err)
		}
		return s3Code(out.Body.Close())
	}
	s3Presigned := func(ctx context.Context, ep string, cr adminapi.Credentials, b, k string) string {
		cl, err := s3SessionClient(ctx, ep, cr)
		if err != nil {
			return err.Error()
		}
		pc := s3.NewPresignClient(cl)
		p, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k)})
		if err != nil {
			return err.Error()
		}
		if c := httpCode(ctx, p.Method, p.URL, flatten(p.SignedHeader), "presigned"); c != "" {
			return c
		}
		g, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(k)})
		if err != nil {
			return err.Error()
		}
		return httpCode(ctx, g.Method, g.URL, flatten(g.SignedHeader), "")
	}
	const ossExpired, s3Expired = "SecurityTokenExpired", "ExpiredToken"
	return []sessionForm{
		{"v2 SDK, V1 header", v2Header(v2.SignatureVersionV1), ossExpired},
		{"v2 SDK, V4 header", v2Header(v2.SignatureVersionV4), ossExpired},
		{"v2 SDK, V1 presigned", v2Presigned(v2.SignatureVersionV1), ossExpired},
		{"v2 SDK, V4 presigned", v2Presigned(v2.SignatureVersionV4), ossExpired},
		{"v1 SDK, V1 header", v1Header(v1.AuthV1), ossExpired},
		{"v1 SDK, OSS2 header", v1Header(v1.AuthV2), ossExpired},
		{"v1 SDK, V4 header", v1Header(v1.AuthV4), ossExpired},
		{"v1 SDK, V1 presigned", v1Presigned, ossExpired},
		{"aws-sdk-go-v2, x-amz-security-token header", s3Header, s3Expired},
		{"aws-sdk-go-v2, presigned X-Amz-Security-Token", s3Presigned, s3Expired},
	}
}

// TestTemporaryCredentialsInEveryForm: both official OSS SDKs, in every
// signature form they send a security token in, and aws-sdk-go-v2 in the
// S3 dialect's two, against a 3-node Region:
// allowed within the key's grants on every node, AccessDenied outside
// them, SecurityTokenExpired once the session is over (the nodes' session
// clock is moved past it), and the v2 SDK's refreshing provider swapping
// sessions under a live client.
func TestTemporaryCredentialsInEveryForm(t *testing.T) {
	isolateAWSConfig(t)
	var ahead atomic.Int64 // how far the nodes' session clock runs ahead, in ns
	c := StartClusterWith(t, 3, Options{Configure: func(_ int, cfg *server.Config) {
		cfg.SessionClock = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	}})
	leader, key := regionWithKey(t, c)
	ctx := context.Background()
	cr, err := c.Admin(leader).IssueSession(ctx, key.AccessKeyID, adminapi.SessionRequest{DurationSeconds: 900, Name: "forms"})
	if err != nil {
		t.Fatal(err)
	}

	forms := sessionForms()
	for i, f := range forms {
		ep := c.Endpoint(i % c.Len())
		if code := f.try(ctx, ep, cr, "bkt", "forms/"+f.name); code != "" {
			t.Errorf("%s on node %d: %s, want success within the grants", f.name, i%c.Len(), code)
		}
		if code := f.try(ctx, ep, cr, "other", "forms/"+f.name); code != "AccessDenied" {
			t.Errorf("%s on node %d outside the grants: %q, want AccessDenied", f.name, i%c.Len(), code)
		}
	}

	// The v2 SDK's refreshing provider: told to renew almost at once, it
	// fetches a new session between two requests of one client.
	var (
		mu      sync.Mutex
		fetched []string
	)
	fetcher := credentials.CredentialsFetcherFunc(func(ctx context.Context) (credentials.Credentials, error) {
		s, err := c.Admin(leader).IssueSession(ctx, key.AccessKeyID, adminapi.SessionRequest{DurationSeconds: 900, Name: "refreshing"})
		if err != nil {
			return credentials.Credentials{}, err
		}
		mu.Lock()
		fetched = append(fetched, s.AccessKeyID)
		mu.Unlock()
		return credentials.Credentials{AccessKeyID: s.AccessKeyID, AccessKeySecret: s.AccessKeySecret, SecurityToken: s.SecurityToken, Expires: &s.Expiration}, nil
	})
	refreshing := v2.NewClient(v2.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewCredentialsFetcherProvider(fetcher, func(o *credentials.CredentialsFetcherOptions) {
			o.ExpiredFactor, o.RefreshDuration = 0.9999, time.Millisecond
		})).
		WithRegion(Region).WithEndpoint(c.Endpoint((leader + 1) % c.Len())).WithRetryMaxAttempts(1))
	for i := range 3 {
		if err := put(ctx, refreshing, "bkt", "refreshing", []byte("x")); err != nil {
			t.Fatalf("refreshing provider, request %d: %v", i, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	mu.Lock()
	if len(fetched) < 2 || fetched[0] == fetched[len(fetched)-1] {
		t.Errorf("the refreshing provider fetched %v, want a new session during the client's life", fetched)
	}
	mu.Unlock()

	// Past the session's end every form is refused as expired, on every node.
	ahead.Store(int64(16 * time.Minute))
	for i, f := range forms {
		if code := f.try(ctx, c.Endpoint(i%c.Len()), cr, "bkt", "forms/late"); code != f.expired {
			t.Errorf("%s after expiry: %q, want %s", f.name, code, f.expired)
		}
	}
	ahead.Store(0)
	if code := forms[0].try(ctx, c.Endpoint(leader), cr, "bkt", "forms/again"); code != "" {
		t.Errorf("with the clock back: %q", code)
	}
}
