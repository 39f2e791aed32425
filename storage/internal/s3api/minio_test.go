package s3api

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/koss-io/koss/storage/internal/object"
)

// minio-go with its defaults over plain HTTP: streaming signed bodies
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), GetBucketLocation, V2 listings with
// encoding-type=url, DeleteObjects with Content-MD5, multipart above its
// part size.
func TestMinioClient(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.minio(rootID, rootSecret)
	if err := c.MakeBucket(ctx, "mbkt", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	ok, err := c.BucketExists(ctx, "mbkt")
	if err != nil || !ok {
		t.Fatalf("BucketExists: %v %v", ok, err)
	}
	if ok, err := c.BucketExists(ctx, "nosuch"); err != nil || ok {
		t.Fatalf("BucketExists of a missing bucket: %v %v", ok, err)
	}
	data := strings.Repeat("minio ", 20000)
	info, err := c.PutObject(ctx, "mbkt", "dir/obj 1", strings.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "text/plain", UserMetadata: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != int64(len(data)) {
		t.Errorf("PutObject size %d", info.Size)
	}
	st, err := c.StatObject(ctx, "mbkt", "dir/obj 1", minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Size != int64(len(data)) || st.UserMetadata["K"] != "v" || st.ContentType != "text/plain" {
		t.Errorf("StatObject: %+v", st)
	}
	obj, err := c.GetObject(ctx, "mbkt", "dir/obj 1", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(obj)
	if err != nil || string(b) != data {
		t.Fatalf("GetObject: %d bytes, %v", len(b), err)
	}
	ro := minio.GetObjectOptions{}
	_ = ro.SetRange(6, 11)
	obj, err = c.GetObject(ctx, "mbkt", "dir/obj 1", ro)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(obj); string(b) != "minio " {
		t.Errorf("ranged GetObject %q", b)
	}
	// Multipart: 11 MiB with 5 MiB parts.
	big := bytes.Repeat([]byte("M"), 11<<20)
	if _, err := c.PutObject(ctx, "mbkt", "big", bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{PartSize: 5 << 20}); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, "mbkt", "big"); got != string(big) {
		t.Fatalf("multipart object: %d bytes, want %d", len(got), len(big))
	}
	var keys []string
	for o := range c.ListObjects(ctx, "mbkt", minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != "big,dir/obj 1" {
		t.Errorf("ListObjects: %v", keys)
	}
	var prefixes []string
	for o := range c.ListObjects(ctx, "mbkt", minio.ListObjectsOptions{}) {
		prefixes = append(prefixes, o.Key)
	}
	if strings.Join(prefixes, ",") != "big,dir/" {
		t.Errorf("ListObjects with delimiter: %v", prefixes)
	}
	if _, err := c.CopyObject(ctx, minio.CopyDestOptions{Bucket: "mbkt", Object: "copy"}, minio.CopySrcOptions{Bucket: "mbkt", Object: "dir/obj 1"}); err != nil {
		t.Fatal(err)
	}
	objs := make(chan minio.ObjectInfo, 3)
	for _, k := range []string{"copy", "big", "absent"} {
		objs <- minio.ObjectInfo{Key: k}
	}
	close(objs)
	for re := range c.RemoveObjects(ctx, "mbkt", objs, minio.RemoveObjectsOptions{}) {
		t.Errorf("RemoveObjects: %s %v", re.ObjectName, re.Err)
	}
	if err := c.RemoveObject(ctx, "mbkt", "dir/obj 1", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveBucket(ctx, "mbkt"); err != nil {
		t.Fatal(err)
	}

	// Errors: a wrong secret, a missing key.
	bad := e.minio(rootID, "wrong")
	if _, err := bad.BucketExists(ctx, "mbkt"); minio.ToErrorResponse(err).StatusCode != 403 {
		t.Errorf("wrong secret: %v, want 403", err)
	}
	if err := c.MakeBucket(ctx, "mbkt2", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = c.StatObject(ctx, "mbkt2", "nothing", minio.StatObjectOptions{})
	if minio.ToErrorResponse(err).Code != "NoSuchKey" {
		t.Errorf("StatObject of a missing key: %v", err)
	}
	// What must never happen: a streamed body that fails its chunk
	// signature is stored. A client with the wrong secret cannot even
	// start; one whose key lacks write fails before the body counts.
	e.addKey("ro", map[string]object.Access{"mbkt2": object.AccessRead})
	ro2 := e.minio("ro", "ro-secret")
	if _, err := ro2.PutObject(ctx, "mbkt2", "x", strings.NewReader("data"), 4, minio.PutObjectOptions{}); minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Errorf("PutObject without write: %v", err)
	}
	if got := e.get(t, "mbkt2", "x"); !strings.HasPrefix(got, "<") {
		t.Fatalf("a refused PutObject stored %q", got)
	}
}
