package awsauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/signer"

	"github.com/koss-io/koss/storage/internal/checksum"
	"github.com/koss-io/koss/storage/internal/session"
)

// postClient is a minio-go client that only presigns (no request is sent:
// the region is given, so PresignedPostPolicy asks no GetBucketLocation).
func postClient(t *testing.T, creds *miniocreds.Credentials) *minio.Client {
	t.Helper()
	c, err := minio.New("127.0.0.1:9000", &minio.Options{Creds: creds, Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// postUpload is a form as a browser would send it.
type postUpload struct {
	fields   map[string]string
	fileName string
	file     []byte
	// fileField is the name of the file part; "" means "file", "-" means "".
	fileField string
	noFile    bool
}

// request builds the multipart/form-data POST the way minio-go's own
// functional tests do: every field, then the file.
func (u postUpload) request(t *testing.T, target string) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range u.fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if !u.noFile {
		name := u.fileField
		switch name {
		case "":
			name = "file"
		case "-":
			name = ""
		}
		fw, err := w.CreateFormFile(name, u.fileName)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(u.file); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteField("submit", "Upload"); err != nil { // after the file: never read
		t.Fatal(err)
	}
	w.Close()
	r := httptest.NewRequest(http.MethodPost, target, &buf)
	r.Header.Set("Content-Type", w.FormDataContentType())
	return r
}

// postOutcome runs a form through what the handler does: ReadPostForm,
// VerifyPostPolicy, then reading the file through PostRequest.Body. It
// returns the request, the file as read, and the first error.
func postOutcome(t *testing.T, v *Verifier, u postUpload) (*PostRequest, []byte, error) {
	t.Helper()
	form, file, err := ReadPostForm(u.request(t, "http://127.0.0.1:9000/bkt"), "bkt")
	if err != nil {
		return nil, nil, err
	}
	req, err := v.VerifyPostPolicy(context.Background(), form)
	if err != nil {
		return nil, nil, err
	}
	body := req.Body(file)
	data, err := readAll(body)
	if err == nil {
		if a, val := body.Checksum(); a != req.ChecksumAlgorithm || val != req.ChecksumValue {
			t.Errorf("Body.Checksum %s %q, the form's %s %q", a, val, req.ChecksumAlgorithm, req.ChecksumValue)
		}
	}
	return req, data, err
}

func copyFields(m map[string]string, change func(map[string]string)) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	if change != nil {
		change(out)
	}
	return out
}

// minioPolicy is the policy of minio-go's own functional test
// (testPresignedPostPolicy), with the key given as a prefix so that the
// form may use ${filename}, and a 201 answer.
func minioPolicy(t *testing.T, expires time.Time, file []byte) *minio.PostPolicy {
	t.Helper()
	p := minio.NewPostPolicy()
	for _, err := range []error{
		p.SetBucket("bkt"),
		p.SetKeyStartsWith("uploads/"),
		p.SetExpires(expires),
		p.SetContentType("binary/octet-stream"),
		p.SetContentLengthRange(10, 1024*1024),
		p.SetUserMetadata("Owner", "eric"),
		p.SetContentEncoding("gzip"),
		p.SetSuccessStatusAction("201"),
		p.SetChecksum(minio.ChecksumCRC32C.ChecksumBytes(file)),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestPostPolicyMinio: a form built from minio-go's PresignedPostPolicy is
// accepted, with the signer as principal, ${filename} substituted, the
// metadata, headers, status and checksum of the form; and each way a form
// can break its policy is refused with S3's code. Never may a form outside
// its policy, or signed by anyone but the key's owner, be accepted.
func TestPostPolicyMinio(t *testing.T) {
	now := time.Now()
	clock := now
	keys, _ := keysAt(t, func() time.Time { return clock })
	v := New(Config{Keys: keys, Now: func() time.Time { return clock }})
	file := randomBytes(33 << 10)

	u, fields, err := postClient(t, miniocreds.NewStaticV4(clientID, clientSecret, "")).
		PresignedPostPolicy(context.Background(), minioPolicy(t, now.Add(10*time.Minute), file))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSuffix(u.Path, "/") != "/bkt" {
		t.Fatalf("minio-go posts to %s; this test expects /bkt", u)
	}
	good := postUpload{fields: copyFields(fields, func(f map[string]string) { f["key"] = "uploads/${filename}" }),
		fileName: `C:\Users\eric\cat.bin`, file: file}

	req, data, err := postOutcome(t, v, good)
	if err != nil {
		t.Fatalf("minio-go's form refused: %v", err)
	}
	if !bytes.Equal(data, file) || req.Anonymous || req.Principal.AccessKeyID != clientID || req.Region != "us-east-1" {
		t.Fatalf("read %d of %d bytes, principal %+v region %q", len(data), len(file), req.Principal, req.Region)
	}
	if req.Key != "uploads/cat.bin" {
		t.Errorf("key %q, want uploads/cat.bin", req.Key)
	}
	if req.Metadata["owner"] != "eric" || req.Header.Get("X-Amz-Meta-Owner") != "eric" {
		t.Errorf("metadata %v, header %v", req.Metadata, req.Header)
	}
	if req.Header.Get("Content-Type") != "binary/octet-stream" || req.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("headers %v", req.Header)
	}
	for _, h := range []string{"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Algorithm", "Policy", "Bucket", "Key"} {
		if req.Header.Get(h) != "" {
			t.Errorf("the signature field %s is among the object's headers", h)
		}
	}
	if req.SuccessActionStatus != 201 || !req.HasLengthRange || req.MinLength != 10 || req.MaxLength != 1024*1024 {
		t.Errorf("status %d, range %v %d-%d", req.SuccessActionStatus, req.HasLengthRange, req.MinLength, req.MaxLength)
	}
	if req.ChecksumAlgorithm != checksum.CRC32C || req.ChecksumValue != checksum.CRC32C.Sum(file) {
		t.Errorf("checksum %s %q", req.ChecksumAlgorithm, req.ChecksumValue)
	}

	// Each refusal, with the code and (where S3 has one) the message a
	// client looks for.
	other := randomBytes(10 << 10)
	for _, c := range []struct {
		name    string
		upload  postUpload
		at      time.Time
		code    string
		message string
	}{
		{"a key outside the starts-with condition (${filename} as the whole key)",
			with2(good, func(u *postUpload) { u.fields["key"] = "${filename}" }), now,
			CodeAccessDenied, `Invalid according to Policy: Policy Condition failed: [starts-with, $key, uploads/]`},
		{"a file name that leaves the prefix", with2(good, func(u *postUpload) { u.fields["key"] = "${filename}/uploads/" }), now,
			CodeAccessDenied, "Policy Condition failed"},
		{"expired", good, now.Add(11 * time.Minute), CodeAccessDenied, "Invalid according to Policy: Policy expired."},
		{"a tampered signature", with2(good, func(u *postUpload) { u.fields["x-amz-signature"] = flipHex(u.fields["x-amz-signature"]) }), now,
			CodeSignatureDoesNotMatch, ""},
		{"a policy replaced by another", with2(good, func(u *postUpload) {
			u.fields["policy"] = base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2099-01-01T00:00:00.000Z","conditions":[["starts-with","$key",""]]}`))
		}), now, CodeSignatureDoesNotMatch, ""},
		{"a file smaller than the range", with2(good, func(u *postUpload) { u.file = file[:9] }), now,
			CodeEntityTooSmall, ""},
		{"a file larger than the range", with2(good, func(u *postUpload) { u.file = bytes.Repeat(file, 32) }), now,
			CodeEntityTooLarge, ""},
		// minio-go's testPresignedPostPolicyWrongFile: the checksum field
		// changed to that of another file.
		{"a checksum field other than the policy's", with2(good, func(u *postUpload) {
			u.fields["x-amz-checksum-crc32c"] = checksum.CRC32C.Sum(other)
			u.file = other
		}), now, CodeAccessDenied, "Policy Condition failed: [eq, $x-amz-checksum-crc32c, " + checksum.CRC32C.Sum(file) + "]"},
		{"a file that does not match the policy's checksum", with2(good, func(u *postUpload) { u.file = other }), now,
			CodeBadDigest, ""},
		{"a field no condition names", with2(good, func(u *postUpload) { u.fields["x-amz-meta-extra"] = "1" }), now,
			CodeAccessDenied, "Invalid according to Policy: Extra input fields: x-amz-meta-extra"},
		{"a changed Content-Type", with2(good, func(u *postUpload) { u.fields["Content-Type"] = "text/html" }), now,
			CodeAccessDenied, "[eq, $Content-Type, binary/octet-stream]"},
		{"another access key", with2(good, func(u *postUpload) {
			u.fields["x-amz-credential"] = strings.Replace(u.fields["x-amz-credential"], clientID, "AKIDUNKNOWN", 1)
		}), now, CodeInvalidAccessKeyID, ""},
		{"no key field", with2(good, func(u *postUpload) { delete(u.fields, "key") }), now, CodeInvalidArgument, "must contain a field named 'key'"},
		{"no signature", with2(good, func(u *postUpload) { delete(u.fields, "x-amz-signature") }), now, CodeInvalidArgument, ""},
		// minio-go's testPresignedPostPolicyEmptyFileName: the file part
		// is named "".
		{"a file part named \"\"", with2(good, func(u *postUpload) { u.fileField = "-" }), now, CodeMalformedPOSTRequest, ""},
		{"a file part named upload", with2(good, func(u *postUpload) { u.fileField = "upload" }), now, CodeMalformedPOSTRequest, ""},
		{"no file part", with2(good, func(u *postUpload) { u.noFile = true }), now, CodeMalformedPOSTRequest, ""},
	} {
		clock = c.at
		_, _, err := postOutcome(t, v, c.upload)
		if code(err) != c.code || !strings.Contains(errMessage(err), c.message) {
			t.Errorf("%s: %v; want %s %q", c.name, err, c.code, c.message)
		}
	}
}

// with2 returns u with its own fields map, changed by f.
func with2(u postUpload, f func(*postUpload)) postUpload {
	u.fields = copyFields(u.fields, nil)
	f(&u)
	return u
}

func flipHex(s string) string {
	if s == "" {
		return s
	}
	last := s[len(s)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return s[:len(s)-1] + string(repl)
}

func errMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestPostPolicyMinioV2AndTemporary: minio-go's SigV2 form (AWSAccessKeyId,
// signature) and a SigV4 form signed with temporary credentials (its
// security token is a field the policy names) are accepted under the right
// principal, and refused when tampered or without the token.
func TestPostPolicyMinioV2AndTemporary(t *testing.T) {
	now := time.Now()
	keys, sessions := keysAt(t, func() time.Time { return now })
	v := New(Config{Keys: keys, Now: func() time.Time { return now }})
	file := randomBytes(100)

	_, fields, err := postClient(t, miniocreds.NewStaticV2(clientID, clientSecret, "")).
		PresignedPostPolicy(context.Background(), minioPolicy(t, now.Add(time.Minute), file))
	if err != nil {
		t.Fatal(err)
	}
	if fields["AWSAccessKeyId"] != clientID || fields["signature"] == "" {
		t.Fatalf("minio-go's V2 form: %v", fields)
	}
	good := postUpload{fields: copyFields(fields, func(f map[string]string) { f["key"] = "uploads/x" }), fileName: "x", file: file}
	req, data, err := postOutcome(t, v, good)
	if err != nil || !bytes.Equal(data, file) || req.Principal.AccessKeyID != clientID || req.Key != "uploads/x" {
		t.Fatalf("V2 form: %+v %v", req, err)
	}
	bad := with2(good, func(u *postUpload) { u.fields["signature"] = base64.StdEncoding.EncodeToString(make([]byte, 20)) })
	if _, _, err := postOutcome(t, v, bad); code(err) != CodeSignatureDoesNotMatch {
		t.Errorf("tampered V2 signature: %v", err)
	}

	sess, token, err := sessions.Issue(session.Request{ParentID: clientID, ParentSecret: clientSecret, Duration: time.Hour, Name: "post"}, now)
	if err != nil {
		t.Fatal(err)
	}
	_, fields, err = postClient(t, miniocreds.NewStaticV4(sess.AccessKeyID, sess.Secret, token)).
		PresignedPostPolicy(context.Background(), minioPolicy(t, now.Add(time.Minute), file))
	if err != nil {
		t.Fatal(err)
	}
	good = postUpload{fields: copyFields(fields, func(f map[string]string) { f["key"] = "uploads/x" }), fileName: "x", file: file}
	req, _, err = postOutcome(t, v, good)
	if err != nil || req.Principal.AccessKeyID != sess.AccessKeyID || req.Principal.Parent != clientID {
		t.Fatalf("temporary credentials: %+v %v", req, err)
	}
	if req.Header.Get("X-Amz-Security-Token") != "" {
		t.Error("the security token is among the object's headers")
	}
	noToken := with2(good, func(u *postUpload) { delete(u.fields, "x-amz-security-token") })
	if _, _, err := postOutcome(t, v, noToken); code(err) != CodeInvalidAccessKeyID {
		t.Errorf("temporary key without its token: %v", err)
	}
}

// TestPostPolicyBoto3: the forms boto3 1.43's generate_presigned_post
// returned (testdata/boto3_post.json, made by testdata/gen_boto3_post.py):
// exact-match objects, a numeric content-length-range, a bucket condition
// met by the request's bucket (boto3 sends no bucket field), SigV2 by
// default and SigV4 with signature_version s3v4.
func TestPostPolicyBoto3(t *testing.T) {
	raw, err := os.ReadFile("testdata/boto3_post.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Generated int64 `json:"generated_unix"`
		V2, V4    struct {
			Fields map[string]string
		}
	}
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(fixture.Generated, 0)
	clock := now
	keys, _ := keysAt(t, func() time.Time { return clock })
	v := New(Config{Keys: keys, Now: func() time.Time { return clock }})
	for name, fields := range map[string]map[string]string{"v2": fixture.V2.Fields, "v4": fixture.V4.Fields} {
		clock = now
		good := postUpload{fields: fields, fileName: "notes.txt", file: []byte("some notes")}
		req, data, err := postOutcome(t, v, good)
		if err != nil {
			t.Fatalf("%s: boto3's form refused: %v", name, err)
		}
		if string(data) != "some notes" || req.Key != "uploads/notes.txt" || req.Principal.AccessKeyID != clientID ||
			req.Header.Get("X-Amz-Acl") != "public-read" || req.Header.Get("Content-Type") != "text/plain" ||
			req.Metadata["owner"] != "eric" || req.SuccessActionStatus != 201 || req.MaxLength != 100 {
			t.Errorf("%s: %+v", name, req)
		}
		if _, _, err := postOutcome(t, v, with2(good, func(u *postUpload) { u.file = bytes.Repeat([]byte("x"), 101) })); code(err) != CodeEntityTooLarge {
			t.Errorf("%s: 101 bytes for a range up to 100: %v", name, err)
		}
		if _, _, err := postOutcome(t, v, with2(good, func(u *postUpload) { u.file = nil })); code(err) != CodeEntityTooSmall {
			t.Errorf("%s: an empty file for a range from 1: %v", name, err)
		}
		if _, _, err := postOutcome(t, v, with2(good, func(u *postUpload) { u.fields["acl"] = "public-read-write" })); code(err) != CodeAccessDenied {
			t.Errorf("%s: another acl: %v", name, err)
		}
		form, _, err := ReadPostForm(good.request(t, "http://127.0.0.1:9000/other"), "other")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.VerifyPostPolicy(context.Background(), form); code(err) != CodeAccessDenied || !strings.Contains(errMessage(err), "[eq, $bucket, bkt]") {
			t.Errorf("%s: the form posted to another bucket: %v", name, err)
		}
		clock = now.Add(time.Hour + time.Second)
		if _, _, err := postOutcome(t, v, good); code(err) != CodeAccessDenied || !strings.Contains(errMessage(err), "Policy expired") {
			t.Errorf("%s: after expiration: %v", name, err)
		}
	}
}

// TestPostPolicyDocuments: policy documents that are not valid are
// InvalidPolicyDocument even when correctly signed (signed here with
// minio-go's own POST signer), and a condition of each kind is judged.
func TestPostPolicyDocuments(t *testing.T) {
	now := time.Now().UTC()
	keys, _ := keysAt(t, func() time.Time { return now })
	v := New(Config{Keys: keys, Now: func() time.Time { return now }})
	exp := now.Add(time.Hour).Format("2006-01-02T15:04:05.000Z")
	sign := func(doc string, fields map[string]string) map[string]string {
		b64 := base64.StdEncoding.EncodeToString([]byte(doc))
		f := copyFields(fields, nil)
		f["policy"] = b64
		f["x-amz-algorithm"] = algorithmV4
		f["x-amz-credential"] = clientID + "/" + now.Format(scopeDateFmt) + "/us-east-1/s3/aws4_request"
		f["x-amz-date"] = now.Format(iso8601Basic)
		f["x-amz-signature"] = signer.PostPresignSignatureV4(b64, now, clientSecret, "us-east-1")
		return f
	}
	auth := `["starts-with","$x-amz-algorithm",""],["starts-with","$x-amz-credential",""],["starts-with","$x-amz-date",""]`
	for _, c := range []struct {
		name, doc string
		fields    map[string]string
		code      string
	}{
		{"not JSON", `{"expiration":`, nil, CodeInvalidPolicyDocument},
		{"no expiration", `{"conditions":[]}`, nil, CodeInvalidPolicyDocument},
		{"a bad expiration", `{"expiration":"tomorrow","conditions":[]}`, nil, CodeInvalidPolicyDocument},
		{"no conditions", `{"expiration":"` + exp + `"}`, nil, CodeInvalidPolicyDocument},
		{"an unknown operation", `{"expiration":"` + exp + `","conditions":[["matches","$key","a"]]}`, nil, CodeInvalidPolicyDocument},
		{"a field without $", `{"expiration":"` + exp + `","conditions":[["eq","key","a"]]}`, nil, CodeInvalidPolicyDocument},
		{"a reversed range", `{"expiration":"` + exp + `","conditions":[["content-length-range",10,1]]}`, nil, CodeInvalidPolicyDocument},
		{"a number as a condition", `{"expiration":"` + exp + `","conditions":[123]}`, nil, CodeInvalidPolicyDocument},
		{"accepted", `{"expiration":"` + exp + `","conditions":[{"key":"a"},["content-length-range","0","5"],` + auth + `]}`, map[string]string{"key": "a"}, ""},
		{"the key not as the eq condition says", `{"expiration":"` + exp + `","conditions":[["eq","$key","b"],` + auth + `]}`, map[string]string{"key": "a"}, CodeAccessDenied},
		{"a field with no condition", `{"expiration":"` + exp + `","conditions":[{"key":"a"},` + auth + `]}`, map[string]string{"key": "a", "Cache-Control": "no-cache"}, CodeAccessDenied},
		{"two ranges that do not meet refuse every file", `{"expiration":"` + exp + `","conditions":[{"key":"a"},["content-length-range",1,10],["content-length-range",20,30],` + auth + `]}`, nil, CodeEntityTooSmall},
		{"x-ignore- fields need none", `{"expiration":"` + exp + `","conditions":[{"key":"a"},` + auth + `]}`, map[string]string{"key": "a", "x-ignore-me": "1"}, ""},
	} {
		fields := c.fields
		if fields == nil {
			fields = map[string]string{"key": "a"}
		}
		_, _, err := postOutcome(t, v, postUpload{fields: sign(c.doc, fields), fileName: "f", file: []byte("data")})
		if code(err) != c.code {
			t.Errorf("%s: %v, want %q", c.name, err, c.code)
		}
	}
}

// TestPostAnonymous: a form without policy or signature is anonymous (the
// handler allows it only for public-write buckets); a policy without a
// signature is refused rather than taken as anonymous.
func TestPostAnonymous(t *testing.T) {
	v := New(Config{})
	req, data, err := postOutcome(t, v, postUpload{fields: map[string]string{"key": "k/${filename}", "Content-Type": "text/plain"}, fileName: "a.txt", file: []byte("hi")})
	if err != nil || !req.Anonymous || req.Key != "k/a.txt" || string(data) != "hi" || req.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("%+v %v", req, err)
	}
	if _, _, err := postOutcome(t, v, postUpload{fields: map[string]string{"key": "k", "policy": "e30="}, fileName: "a", file: []byte("hi")}); code(err) != CodeInvalidArgument {
		t.Errorf("a policy without signature: %v", err)
	}
}
