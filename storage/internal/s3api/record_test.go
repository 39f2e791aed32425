package s3api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Every S3 request is in the access log as the S3 API's, with its
// operation, bucket, key, signing key and error code; every response
// carries x-amz-request-id (the log's id) and x-amz-id-2; error documents
// are S3's.
func TestRequestRecordAndHeaders(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("missing")})
	wantCode(t, "GetObject", err, "NoSuchKey", 404)

	var found bool
	sc := bufio.NewScanner(bytes.NewReader(e.logs.Bytes()))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil || line["operation"] != "GetObject" {
			continue
		}
		found = true
		if line["api"] != "s3" || line["bucket"] != "bkt" || line["key"] != "missing" || line["accessKeyId"] != rootID || line["code"] != "NoSuchKey" {
			t.Errorf("access log record %v", line)
		}
	}
	if !found {
		t.Fatalf("no access log record of GetObject in %s", e.logs.String())
	}

	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/bkt/missing", nil)
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	res, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, res.Body)
	if res.Header.Get("X-Amz-Request-Id") == "" || res.Header.Get("X-Amz-Id-2") == "" {
		t.Errorf("response headers %v: want x-amz-request-id and x-amz-id-2", res.Header)
	}
	for _, want := range []string{"<Error>", "<Code>AccessDenied</Code>", "<Resource>/bkt/missing</Resource>", "<RequestId>" + res.Header.Get("X-Amz-Request-Id") + "</RequestId>"} {
		if !strings.Contains(body, want) {
			t.Errorf("error document %s lacks %s", body, want)
		}
	}
	// HEAD errors have no body.
	req, _ = http.NewRequestWithContext(ctx, http.MethodHead, e.srv.URL+"/bkt/missing", nil)
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	res, err = e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, res.Body); res.StatusCode != 403 || b != "" {
		t.Errorf("anonymous HEAD: %d %q, want 403 without a body", res.StatusCode, b)
	}
}
