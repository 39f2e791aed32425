package awsauth

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
)

// TestKATSigV2: the AWS RESTAuthentication example (GET /photos/puppy.jpg
// of bucket johnsmith as a virtual host, signed at 2007-03-27 19:36:42).
func TestKATSigV2(t *testing.T) {
	at := time.Date(2007, 3, 27, 19, 36, 42, 0, time.UTC)
	keys, _ := keysAt(t, func() time.Time { return at })
	v := New(Config{Keys: keys, Now: func() time.Time { return at }})
	raw := func(path, sig string) string {
		return "GET " + path + " HTTP/1.1\r\nHost: johnsmith.s3.amazonaws.com\r\nDate: Tue, 27 Mar 2007 19:36:42 +0000\r\n" +
			"Authorization: AWS AKIAIOSFODNN7EXAMPLE:" + sig + "\r\n\r\n"
	}
	req, err := v.Authenticate(context.Background(), serverRequest(t, raw("/photos/puppy.jpg", "bWq2s1WEIj+Ydj0vQ697zp+IXMU=")))
	if err != nil || req.Principal.AccessKeyID != exampleID {
		t.Fatalf("the documented V2 GET was refused: %v", err)
	}
	if _, err := v.Authenticate(context.Background(), serverRequest(t, raw("/photos/kitten.jpg", "bWq2s1WEIj+Ydj0vQ697zp+IXMU="))); code(err) != CodeSignatureDoesNotMatch {
		t.Fatalf("another key with the same signature: %v", err)
	}
	if _, err := v.Authenticate(context.Background(), serverRequest(t, raw("/photos/puppy.jpg?acl", "bWq2s1WEIj+Ydj0vQ697zp+IXMU="))); code(err) != CodeSignatureDoesNotMatch {
		t.Fatalf("an added subresource with the same signature: %v", err)
	}
	v.now = func() time.Time { return at.Add(time.Hour) }
	if _, err := v.Authenticate(context.Background(), serverRequest(t, raw("/photos/puppy.jpg", "bWq2s1WEIj+Ydj0vQ697zp+IXMU="))); code(err) != CodeRequestTimeTooSkewed {
		t.Fatalf("an hour later: %v", err)
	}
}

// TestMinioSigV2: minio-go with V2 credentials (header-signed calls and a
// presigned GET) is accepted; an expired V2 URL is not.
func TestMinioSigV2(t *testing.T) {
	now := time.Now()
	srv := newS3Server(t, false, func() time.Time { return now })
	u, _ := url.Parse(srv.URL)
	client, err := minio.New(u.Host, &minio.Options{Creds: miniocreds.NewStaticV2(clientID, clientSecret, ""),
		Region: "us-east-1", BucketLookup: minio.BucketLookupPath, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := randomBytes(100_000)
	if _, err := client.PutObject(ctx, "bkt", awkwardKey, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("V2 PutObject: %v", err)
	}
	e := srv.last(t)
	if !strings.HasPrefix(e.req.Principal.AccessKeyID, clientID) {
		t.Fatalf("principal %+v", e.req.Principal)
	}
	checkWrite(t, e, data, "")
	if _, err := client.StatObject(ctx, "bkt", "k", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("V2 StatObject: %v", err)
	}
	pu, err := client.PresignedGetObject(ctx, "bkt", awkwardKey, 10*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	get := func() seen {
		resp, err := http.Get(pu.String())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return srv.last(t)
	}
	if e := get(); e.err != nil || !e.req.Presigned {
		t.Fatalf("V2 presigned GET %s: %v", pu, e.err)
	}
	now = now.Add(11 * time.Minute)
	if e := get(); code(e.err) != CodeAccessDenied {
		t.Fatalf("an expired V2 URL: %v", e.err)
	}
}
