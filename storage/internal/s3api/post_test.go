package s3api

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/koss-io/koss/storage/internal/checksum"
)

// postForm uploads file with the presigned POST fields minio-go made.
func (e *env) postForm(t *testing.T, url string, fields map[string]string, file []byte) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "upload.bin")
	_, _ = fw.Write(file)
	_ = mw.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// POST Object with minio-go's presigned policy: stored as the form says;
// a form breaking its policy stores nothing.
func TestPostObject(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.minio(rootID, rootSecret)
	if err := c.MakeBucket(ctx, "pbkt", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	p := minio.NewPostPolicy()
	_ = p.SetBucket("pbkt")
	_ = p.SetKeyStartsWith("up/")
	_ = p.SetExpires(time.Now().Add(10 * time.Minute))
	_ = p.SetContentLengthRange(1, 1<<20)
	_ = p.SetSuccessStatusAction("201")
	_ = p.SetUserMetadata("origin", "form")
	_ = p.SetChecksum(minio.NewChecksumString(minio.ChecksumCRC32C, checksum.CRC32C.Sum([]byte("form bytes"))))
	u, fields, err := c.PresignedPostPolicy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	fields["key"] = "up/${filename}"
	res := e.postForm(t, u.String(), fields, []byte("form bytes"))
	body := readAll(t, res.Body)
	if res.StatusCode != 201 || !strings.Contains(body, "<Key>up/upload.bin</Key>") ||
		!strings.Contains(body, "<Location>"+e.srv.URL+"/pbkt/up/upload.bin</Location>") || res.Header.Get("Location") != e.srv.URL+"/pbkt/up/upload.bin" {
		t.Fatalf("POST Object: %d %s", res.StatusCode, body)
	}
	if got := res.Header.Get("X-Amz-Checksum-Crc32c"); got != checksum.CRC32C.Sum([]byte("form bytes")) {
		t.Errorf("POST Object checksum header %q", got)
	}
	st, err := c.StatObject(ctx, "pbkt", "up/upload.bin", minio.StatObjectOptions{Checksum: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, "pbkt", "up/upload.bin"); got != "form bytes" || st.UserMetadata["Origin"] != "form" || st.ChecksumCRC32C != checksum.CRC32C.Sum([]byte("form bytes")) {
		t.Errorf("stored %q, metadata %v", got, st.UserMetadata)
	}
	// A key outside the policy's prefix, a file above its length range.
	fields["key"] = "other/x"
	if res := e.postForm(t, u.String(), fields, []byte("x")); res.StatusCode != 403 {
		t.Errorf("key outside the policy: %d, want 403", res.StatusCode)
	}
	fields["key"] = "up/big"
	if res := e.postForm(t, u.String(), fields, bytes.Repeat([]byte("x"), 2<<20)); res.StatusCode != 400 {
		t.Errorf("file above the length range: %d, want 400", res.StatusCode)
	}
	for _, k := range []string{"other/x", "up/big"} {
		if got := e.get(t, "pbkt", k); !strings.HasPrefix(got, "<") {
			t.Errorf("a refused form stored %s", k)
		}
	}
	// An anonymous form is a write like any other: refused in a private bucket.
	if res := e.postForm(t, u.String(), map[string]string{"key": "anon"}, []byte("x")); res.StatusCode != 403 {
		t.Errorf("anonymous form: %d, want 403", res.StatusCode)
	}
}
