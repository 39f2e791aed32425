package storage

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/koss-io/koss/test/kossdproc"
)

var crcTable = crc64.MakeTable(crc64.ECMA)

func v2Client(version oss.SignatureVersionType, ak, sk string) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(ak, sk)).
		WithRegion(kossdproc.Region).
		WithEndpoint(node.Endpoint()).
		WithUsePathStyle(true).
		WithSignatureVersion(version).
		WithRetryMaxAttempts(1)
	return oss.NewClient(cfg)
}

func v2Root(version oss.SignatureVersionType) *oss.Client {
	return v2Client(version, kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
}

// v2Err returns the OSS error code and HTTP status of err ("" and 0 when err
// is not a service error).
func v2Err(err error) (string, int) {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.Code, se.StatusCode
	}
	return "", 0
}

func requireV2Code(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s (%d), got success", code, status)
	}
	gotCode, gotStatus := v2Err(err)
	if gotCode != code || gotStatus != status {
		t.Fatalf("want error %s (%d), got %s (%d): %v", code, status, gotCode, gotStatus, err)
	}
}

func quotedMD5(b []byte) string {
	sum := md5.Sum(b)
	return `"` + strings.ToUpper(hex.EncodeToString(sum[:])) + `"`
}

func crcString(b []byte) string { return strconv.FormatUint(crc64.Checksum(b, crcTable), 10) }

var v2Versions = map[string]oss.SignatureVersionType{"V4": oss.SignatureVersionV4, "V1": oss.SignatureVersionV1}

func TestV2SDK(t *testing.T) {
	for name, version := range v2Versions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := v2Root(version)
			t.Run("Buckets", func(t *testing.T) { v2Buckets(t, c) })
			t.Run("PutGetHead", func(t *testing.T) { v2PutGetHead(t, c) })
			t.Run("RangesAndConditions", func(t *testing.T) { v2RangesAndConditions(t, c) })
			t.Run("Append", func(t *testing.T) { v2Append(t, c) })
			t.Run("Copy", func(t *testing.T) { v2Copy(t, c) })
			t.Run("Delete", func(t *testing.T) { v2Delete(t, c) })
			t.Run("List", func(t *testing.T) { v2List(t, c) })
			t.Run("Presign", func(t *testing.T) { v2Presign(t, c) })
		})
	}
}

func v2MakeBucket(t *testing.T, c *oss.Client) string {
	t.Helper()
	name := newBucketName(t)
	if _, err := c.PutBucket(context.Background(), &oss.PutBucketRequest{Bucket: oss.Ptr(name)}); err != nil {
		t.Fatalf("PutBucket %s: %v", name, err)
	}
	return name
}

func v2Put(t *testing.T, c *oss.Client, bucket, key string, body []byte) *oss.PutObjectResult {
	t.Helper()
	res, err := c.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatalf("PutObject %s/%q: %v", bucket, key, err)
	}
	return res
}

func v2Get(t *testing.T, c *oss.Client, bucket, key string) []byte {
	t.Helper()
	res, err := c.GetObject(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("GetObject %s/%q: %v", bucket, key, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read %s/%q: %v", bucket, key, err)
	}
	return b
}

func v2Buckets(t *testing.T, c *oss.Client) {
	ctx := context.Background()
	name := v2MakeBucket(t, c)

	// Re-creating one's own bucket is not an error in OSS.
	if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(name)}); err != nil {
		t.Fatalf("PutBucket again: %v", err)
	}
	ok, err := c.IsBucketExist(ctx, name)
	if err != nil || !ok {
		t.Fatalf("IsBucketExist = %v, %v; want true", ok, err)
	}
	info, err := c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(name)})
	if err != nil {
		t.Fatalf("GetBucketInfo: %v", err)
	}
	if oss.ToString(info.BucketInfo.Name) != name {
		t.Fatalf("GetBucketInfo name = %q", oss.ToString(info.BucketInfo.Name))
	}
	if info.BucketInfo.CreationDate == nil || time.Since(*info.BucketInfo.CreationDate) > time.Hour {
		t.Fatalf("GetBucketInfo creation date = %v", info.BucketInfo.CreationDate)
	}
	loc, err := c.GetBucketLocation(ctx, &oss.GetBucketLocationRequest{Bucket: oss.Ptr(name)})
	if err != nil || oss.ToString(loc.LocationConstraint) == "" {
		t.Fatalf("GetBucketLocation = %v, %v", loc, err)
	}
	list, err := c.ListBuckets(ctx, &oss.ListBucketsRequest{Prefix: oss.Ptr(name)})
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	if len(list.Buckets) != 1 || oss.ToString(list.Buckets[0].Name) != name {
		t.Fatalf("ListBuckets prefix %s = %+v", name, list.Buckets)
	}
	if list.Buckets[0].ExtranetEndpoint == nil || list.Buckets[0].IntranetEndpoint == nil {
		t.Fatalf("ListBuckets endpoints missing: %+v", list.Buckets[0])
	}
	// Read-only operations about features the bucket does not use answer "none".
	if _, err := c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(name)}); err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if _, err := c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: oss.Ptr(name)}); err != nil {
		t.Fatalf("ListObjectVersions: %v", err)
	}
	acl, err := c.GetBucketAcl(ctx, &oss.GetBucketAclRequest{Bucket: oss.Ptr(name)})
	if err != nil || oss.ToString(acl.ACL) == "" {
		t.Fatalf("GetBucketAcl = %+v, %v", acl, err)
	}

	// A bucket with an object cannot be deleted, and the refusal changes nothing.
	v2Put(t, c, name, "keep", []byte("data"))
	_, err = c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(name)})
	requireV2Code(t, err, "BucketNotEmpty", 409)
	if got := v2Get(t, c, name, "keep"); string(got) != "data" {
		t.Fatalf("object changed after refused DeleteBucket: %q", got)
	}
	if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(name), Key: oss.Ptr("keep")}); err != nil {
		t.Fatal(err)
	}
	res, err := c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(name)})
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("DeleteBucket = %v, %v; want 204", res, err)
	}
	_, err = c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(name)})
	requireV2Code(t, err, "NoSuchBucket", 404)
	_, err = c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(name)})
	requireV2Code(t, err, "NoSuchBucket", 404)
	// The SDK's IsObjectExist must report a missing bucket as an error, not as "no object".
	if _, err := c.IsObjectExist(ctx, name, "x"); err == nil {
		t.Fatal("IsObjectExist on a missing bucket succeeded")
	}
}

func v2PutGetHead(t *testing.T, c *oss.Client) {
	ctx := context.Background()
	bucket := v2MakeBucket(t, c)
	body := randomBytes(300 << 10)
	put, err := c.PutObject(ctx, &oss.PutObjectRequest{
		Bucket: oss.Ptr(bucket), Key: oss.Ptr("dir/a b+c.bin"), Body: bytes.NewReader(body),
		ContentType: oss.Ptr("application/x-test"), CacheControl: oss.Ptr("no-cache"),
		ContentDisposition: oss.Ptr(`attachment; filename="x.bin"`), Expires: oss.Ptr("Thu, 01 Dec 2094 16:00:00 GMT"),
		Metadata: map[string]string{"Color": "Blue", "owner": "team-a"},
	})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if oss.ToString(put.ETag) != quotedMD5(body) {
		t.Fatalf("ETag = %s, want %s", oss.ToString(put.ETag), quotedMD5(body))
	}
	if oss.ToString(put.HashCRC64) != crcString(body) {
		t.Fatalf("HashCRC64 = %s, want %s", oss.ToString(put.HashCRC64), crcString(body))
	}
	sum := md5.Sum(body)
	if oss.ToString(put.ContentMD5) != base64.StdEncoding.EncodeToString(sum[:]) {
		t.Fatalf("Content-MD5 = %s", oss.ToString(put.ContentMD5))
	}
	if put.Headers.Get("X-Oss-Request-Id") == "" || put.Headers.Get("X-Oss-Version-Id") != "" {
		t.Fatalf("request id %q / version id %q", put.Headers.Get("X-Oss-Request-Id"), put.Headers.Get("X-Oss-Version-Id"))
	}

	get, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("dir/a b+c.bin")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	got, _ := io.ReadAll(get.Body)
	get.Body.Close()
	if !bytes.Equal(got, body) {
		t.Fatal("GetObject returned other bytes")
	}
	if get.ContentLength != int64(len(body)) || oss.ToString(get.ContentType) != "application/x-test" ||
		oss.ToString(get.ETag) != quotedMD5(body) || oss.ToString(get.ObjectType) != "Normal" ||
		oss.ToString(get.HashCRC64) != crcString(body) || oss.ToString(get.ContentMD5) == "" || oss.ToString(get.StorageClass) == "" {
		t.Fatalf("GetObject headers: %+v", get)
	}
	if get.Metadata["color"] != "Blue" || get.Metadata["owner"] != "team-a" {
		t.Fatalf("user metadata = %v", get.Metadata)
	}
	if get.Headers.Get("Cache-Control") != "no-cache" || get.Headers.Get("Expires") != "Thu, 01 Dec 2094 16:00:00 GMT" ||
		get.Headers.Get("Content-Disposition") != `attachment; filename="x.bin"` || get.Headers.Get("Last-Modified") == "" {
		t.Fatalf("stored standard headers: %v", get.Headers)
	}

	head, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("dir/a b+c.bin")})
	if err != nil {
		t.Fatalf("HeadObject: %v", err)
	}
	if head.ContentLength != int64(len(body)) || oss.ToString(head.ETag) != quotedMD5(body) || head.Metadata["color"] != "Blue" ||
		oss.ToString(head.ObjectType) != "Normal" || oss.ToString(head.ContentMD5) == "" || oss.ToString(head.StorageClass) == "" {
		t.Fatalf("HeadObject: %+v", head)
	}
	meta, err := c.GetObjectMeta(ctx, &oss.GetObjectMetaRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("dir/a b+c.bin")})
	if err != nil || meta.ContentLength != int64(len(body)) || oss.ToString(meta.HashCRC64) != crcString(body) || oss.ToString(meta.ETag) != quotedMD5(body) {
		t.Fatalf("GetObjectMeta = %+v, %v", meta, err)
	}
	if ok, err := c.IsObjectExist(ctx, bucket, "dir/a b+c.bin"); err != nil || !ok {
		t.Fatalf("IsObjectExist = %v, %v", ok, err)
	}
	if ok, err := c.IsObjectExist(ctx, bucket, "nope"); err != nil || ok {
		t.Fatalf("IsObjectExist(missing) = %v, %v", ok, err)
	}
	_, err = c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("nope")})
	requireV2Code(t, err, "NoSuchKey", 404)
	// HEAD errors carry their code in x-oss-err, which the SDK decodes.
	_, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("nope")})
	requireV2Code(t, err, "NoSuchKey", 404)
	_, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket + "-missing"), Key: oss.Ptr("nope")})
	requireV2Code(t, err, "NoSuchBucket", 404)

	// Empty object, default content type.
	empty := v2Put(t, c, bucket, "empty", nil)
	if oss.ToString(empty.ETag) != `"D41D8CD98F00B204E9800998ECF8427E"` {
		t.Fatalf("empty ETag = %s", oss.ToString(empty.ETag))
	}
	h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("empty")})
	if err != nil || h.ContentLength != 0 || oss.ToString(h.ContentType) == "" {
		t.Fatalf("HeadObject(empty) = %+v, %v", h, err)
	}

	// Overwrite replaces the whole object, metadata included.
	v2Put(t, c, bucket, "dir/a b+c.bin", []byte("short"))
	if got := v2Get(t, c, bucket, "dir/a b+c.bin"); string(got) != "short" {
		t.Fatalf("after overwrite: %q", got)
	}
	h, _ = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("dir/a b+c.bin")})
	if _, ok := h.Metadata["color"]; ok {
		t.Fatalf("overwrite kept old metadata: %v", h.Metadata)
	}

	// A wrong Content-MD5 is refused and stores nothing.
	_, err = c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("bad-md5"),
		Body: strings.NewReader("hello"), ContentMD5: oss.Ptr(base64.StdEncoding.EncodeToString(make([]byte, 16)))})
	requireV2Code(t, err, "InvalidDigest", 400)
	if ok, _ := c.IsObjectExist(ctx, bucket, "bad-md5"); ok {
		t.Fatal("object with a wrong Content-MD5 became visible")
	}
	// x-oss-forbid-overwrite refuses to replace an existing key.
	_, err = c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("empty"), Body: strings.NewReader("x"), ForbidOverwrite: oss.Ptr("true")})
	requireV2Code(t, err, "FileAlreadyExists", 409)
	// Writes to a missing bucket.
	_, err = c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket + "-missing"), Key: oss.Ptr("k"), Body: strings.NewReader("x")})
	requireV2Code(t, err, "NoSuchBucket", 404)
	// PutObject with conditional headers is not implemented by OSS.
	_, err = c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("k"), Body: strings.NewReader("x"),
		RequestCommon: oss.RequestCommon{Headers: map[string]string{"If-Match": `"abc"`}}})
	requireV2Code(t, err, "NotImplemented", 400)
}

func v2RangesAndConditions(t *testing.T, c *oss.Client) {
	ctx := context.Background()
	bucket := v2MakeBucket(t, c)
	body := []byte("0123456789abcdefghijklmnopqrstuvwxyzABC") // 39 bytes
	put := v2Put(t, c, bucket, "r", body)
	etag := oss.ToString(put.ETag)

	get := func(rng, behavior string, opts ...func(*oss.GetObjectRequest)) (*oss.GetObjectResult, []byte, error) {
		req := &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("r")}
		if rng != "" {
			req.Range = oss.Ptr(rng)
		}
		if behavior != "" {
			req.RangeBehavior = oss.Ptr(behavior)
		}
		for _, o := range opts {
			o(req)
		}
		res, err := c.GetObject(ctx, req)
		if err != nil {
			return nil, nil, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res, b, err
	}
	cases := []struct {
		rng, behavior string
		status        int
		want          string
		contentRange  string
	}{
		{"bytes=0-9", "", 206, "0123456789", "bytes 0-9/39"},
		{"bytes=30-", "", 206, "uvwxyzABC", "bytes 30-38/39"},
		{"bytes=-3", "", 206, "ABC", "bytes 36-38/39"},
		{"bytes=15-1000", "", 200, string(body), ""}, // out of range: ignored by default
		{"bytes=39-", "", 200, string(body), ""},
		{"bytes=x-y", "", 200, string(body), ""},
		{"bytes=30-1000", "standard", 206, "uvwxyzABC", "bytes 30-38/39"},
	}
	for _, tc := range cases {
		res, got, err := get(tc.rng, tc.behavior)
		if err != nil {
			t.Fatalf("range %s/%s: %v", tc.rng, tc.behavior, err)
		}
		if res.StatusCode != tc.status || string(got) != tc.want || oss.ToString(res.ContentRange) != tc.contentRange {
			t.Fatalf("range %s/%s: status %d body %q content-range %q; want %d %q %q",
				tc.rng, tc.behavior, res.StatusCode, got, oss.ToString(res.ContentRange), tc.status, tc.want, tc.contentRange)
		}
	}
	_, _, err := get("bytes=39-50", "standard")
	requireV2Code(t, err, "InvalidRange", 416)

	// Conditions.
	_, _, err = get("", "", func(r *oss.GetObjectRequest) { r.IfMatch = oss.Ptr(`"0000"`) })
	requireV2Code(t, err, "PreconditionFailed", 412)
	if _, b, err := get("", "", func(r *oss.GetObjectRequest) { r.IfMatch = oss.Ptr(etag) }); err != nil || !bytes.Equal(b, body) {
		t.Fatalf("If-Match current etag: %v", err)
	}
	_, _, err = get("", "", func(r *oss.GetObjectRequest) { r.IfNoneMatch = oss.Ptr(etag) })
	if _, status := v2Err(err); status != 304 {
		t.Fatalf("If-None-Match current etag: want 304, got %v", err)
	}
	future := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	_, _, err = get("", "", func(r *oss.GetObjectRequest) { r.IfModifiedSince = oss.Ptr(future) })
	if _, status := v2Err(err); status != 304 {
		t.Fatalf("If-Modified-Since future: want 304, got %v", err)
	}
	if _, _, err := get("", "", func(r *oss.GetObjectRequest) { r.IfModifiedSince = oss.Ptr(past) }); err != nil {
		t.Fatalf("If-Modified-Since past: %v", err)
	}
	_, _, err = get("", "", func(r *oss.GetObjectRequest) { r.IfUnmodifiedSince = oss.Ptr(past) })
	requireV2Code(t, err, "PreconditionFailed", 412)
	_, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("r"), IfMatch: oss.Ptr(`"0000"`)})
	if _, status := v2Err(err); status != 412 {
		t.Fatalf("HEAD If-Match mismatch: want 412, got %v", err)
	}

	// response-* overrides.
	res, _, err := get("", "", func(r *oss.GetObjectRequest) {
		r.ResponseContentType = oss.Ptr("text/x-override")
		r.ResponseContentDisposition = oss.Ptr("inline")
		r.ResponseCacheControl = oss.Ptr("max-age=5")
	})
	if err != nil || oss.ToString(res.ContentType) != "text/x-override" || res.Headers.Get("Content-Disposition") != "inline" || res.Headers.Get("Cache-Control") != "max-age=5" {
		t.Fatalf("response overrides: %v %v", res, err)
	}
}

func v2Append(t *testing.T, c *oss.Client) {
	ctx := context.Background()
	bucket := v2MakeBucket(t, c)
	parts := [][]byte{[]byte("hello "), randomBytes(100 << 10), []byte("!")}
	var all []byte
	var pos int64
	var crc string
	for i, p := range parts {
		req := &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("log"), Position: oss.Ptr(pos), Body: bytes.NewReader(p)}
		if i == 0 {
			req.Metadata = map[string]string{"kind": "log"}
		} else {
			req.InitHashCRC64 = oss.Ptr(crc) // the SDK then checks the whole-object CRC
		}
		res, err := c.AppendObject(ctx, req)
		if err != nil {
			t.Fatalf("append %d at %d: %v", i, pos, err)
		}
		all = append(all, p...)
		if res.NextPosition != int64(len(all)) {
			t.Fatalf("next position = %d, want %d", res.NextPosition, len(all))
		}
		if oss.ToString(res.HashCRC64) != crcString(all) {
			t.Fatalf("append crc = %s, want %s", oss.ToString(res.HashCRC64), crcString(all))
		}
		pos, crc = res.NextPosition, oss.ToString(res.HashCRC64)
	}
	if got := v2Get(t, c, bucket, "log"); !bytes.Equal(got, all) {
		t.Fatal("appended object reads back other bytes")
	}
	head, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("log")})
	if err != nil || oss.ToString(head.ObjectType) != "Appendable" || head.Metadata["kind"] != "log" || oss.ToString(head.NextAppendPosition) != strconv.Itoa(len(all)) {
		t.Fatalf("HeadObject(appendable) = %+v, %v", head, err)
	}
	// A wrong position is refused, says where to append, and changes nothing.
	_, err = c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("log"), Position: oss.Ptr(int64(3)), Body: strings.NewReader("zz")})
	requireV2Code(t, err, "PositionNotEqualToLength", 409)
	var se *oss.ServiceError
	if errors.As(err, &se) && se.Headers.Get("X-Oss-Next-Append-Position") != strconv.Itoa(len(all)) {
		t.Fatalf("x-oss-next-append-position = %q", se.Headers.Get("X-Oss-Next-Append-Position"))
	}
	if got := v2Get(t, c, bucket, "log"); !bytes.Equal(got, all) {
		t.Fatal("refused append changed the object")
	}
	// Appending to a new key at a non-zero position is refused too.
	_, err = c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("new"), Position: oss.Ptr(int64(5)), Body: strings.NewReader("zz")})
	requireV2Code(t, err, "PositionNotEqualToLength", 409)
	// Appending to a Normal object is refused.
	v2Put(t, c, bucket, "normal", []byte("abc"))
	_, err = c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("normal"), Position: oss.Ptr(int64(3)), Body: strings.NewReader("zz")})
	requireV2Code(t, err, "ObjectNotAppendable", 409)
	if got := v2Get(t, c, bucket, "normal"); string(got) != "abc" {
		t.Fatalf("refused append changed a Normal object: %q", got)
	}
	// PUT over an appendable object makes it Normal.
	v2Put(t, c, bucket, "log", []byte("reset"))
	head, _ = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("log")})
	if oss.ToString(head.ObjectType) != "Normal" {
		t.Fatalf("object type after PUT = %s", oss.ToString(head.ObjectType))
	}
}

func v2Copy(t *testing.T, c *oss.Client) {
	ctx := context.Background()
	src := v2MakeBucket(t, c)
	dst := v2MakeBucket(t, c)
	body := randomBytes(200 << 10)
	_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(src), Key: oss.Ptr("a b+c/src"), Body: bytes.NewReader(body),
		ContentType: oss.Ptr("text/source"), Metadata: map[string]string{"origin": "src"}})
	if err != nil {
		t.Fatal(err)
	}
	// COPY (default): same bytes, same metadata, other bucket.
	res, err := c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(dst), Key: oss.Ptr("copy"), SourceBucket: oss.Ptr(src), SourceKey: oss.Ptr("a b+c/src"),
		Metadata: map[string]string{"ignored": "yes"}})
	if err != nil {
		t.Fatalf("CopyObject: %v", err)
	}
	if oss.ToString(res.ETag) != quotedMD5(body) || oss.ToString(res.HashCRC64) != crcString(body) || res.LastModified == nil {
		t.Fatalf("CopyObject result: %+v", res)
	}
	head, _ := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(dst), Key: oss.Ptr("copy")})
	if head.Metadata["origin"] != "src" || head.Metadata["ignored"] != "" || oss.ToString(head.ContentType) != "text/source" {
		t.Fatalf("COPY directive metadata: %v %s", head.Metadata, oss.ToString(head.ContentType))
	}
	if got := v2Get(t, c, dst, "copy"); !bytes.Equal(got, body) {
		t.Fatal("copy has other bytes")
	}
	// REPLACE in place changes metadata only.
	_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(src), Key: oss.Ptr("a b+c/src"), SourceKey: oss.Ptr("a b+c/src"),
		MetadataDirective: oss.Ptr("REPLACE"), ContentType: oss.Ptr("text/replaced"), Metadata: map[string]string{"state": "new"}})
	if err != nil {
		t.Fatalf("CopyObject in place: %v", err)
	}
	head, _ = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(src), Key: oss.Ptr("a b+c/src")})
	if head.Metadata["state"] != "new" || head.Metadata["origin"] != "" || oss.ToString(head.ContentType) != "text/replaced" || oss.ToString(head.ETag) != quotedMD5(body) {
		t.Fatalf("REPLACE in place: %v %s %s", head.Metadata, oss.ToString(head.ContentType), oss.ToString(head.ETag))
	}
	if got := v2Get(t, c, src, "a b+c/src"); !bytes.Equal(got, body) {
		t.Fatal("in-place copy changed the bytes")
	}
	// Deleting the source leaves the copy intact (blobs are shared, not moved).
	if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(src), Key: oss.Ptr("a b+c/src")}); err != nil {
		t.Fatal(err)
	}
	if got := v2Get(t, c, dst, "copy"); !bytes.Equal(got, body) {
		t.Fatal("copy lost its bytes when the source was deleted")
	}
	// Errors: missing source, missing destination bucket, failed source condition.
	_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(dst), Key: oss.Ptr("x"), SourceBucket: oss.Ptr(src), SourceKey: oss.Ptr("missing")})
	requireV2Code(t, err, "NoSuchKey", 404)
	_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(dst + "-missing"), Key: oss.Ptr("x"), SourceBucket: oss.Ptr(dst), SourceKey: oss.Ptr("copy")})
	requireV2Code(t, err, "NoSuchBucket", 404)
	_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(dst), Key: oss.Ptr("x"), SourceKey: oss.Ptr("copy"), IfMatch: oss.Ptr(`"00"`)})
	if _, status := v2Err(err); status != 412 {
		t.Fatalf("copy with failed source condition: %v", err)
	}
	if ok, _ := c.IsObjectExist(ctx, dst, "x"); ok {
		t.Fatal("a refused copy created its destination")
	}
}

func v2Delete(t *testing.T, c *oss.Client) {
	ctx := context.Background()
	bucket := v2MakeBucket(t, c)
	keys := []string{"plain", "with space", "ctl\x01\x02key", "amp&<lt>\"quote'", "unicode-é中"}
	for _, k := range keys {
		v2Put(t, c, bucket, k, []byte(k))
	}
	res, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("plain")})
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("DeleteObject = %v, %v", res, err)
	}
	if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("plain")}); err != nil {
		t.Fatalf("DeleteObject of a missing key: %v", err)
	}
	objs := []oss.DeleteObject{}
	for _, k := range append(keys[1:], "never-existed") {
		objs = append(objs, oss.DeleteObject{Key: oss.Ptr(k)})
	}
	dres, err := c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: oss.Ptr(bucket), Objects: objs})
	if err != nil {
		t.Fatalf("DeleteMultipleObjects: %v", err)
	}
	var deleted []string
	for _, d := range dres.DeletedObjects {
		deleted = append(deleted, oss.ToString(d.Key))
	}
	want := append(append([]string{}, keys[1:]...), "never-existed")
	sort.Strings(deleted)
	sort.Strings(want)
	if fmt.Sprint(deleted) != fmt.Sprint(want) {
		t.Fatalf("deleted %q, want %q", deleted, want)
	}
	list, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket)})
	if err != nil || len(list.Contents) != 0 {
		t.Fatalf("after DeleteMultipleObjects: %d objects, %v", len(list.Contents), err)
	}
	// Quiet mode.
	v2Put(t, c, bucket, "q1", []byte("1"))
	qres, err := c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: oss.Ptr(bucket), Quiet: true, Objects: []oss.DeleteObject{{Key: oss.Ptr("q1")}}})
	if err != nil || len(qres.DeletedObjects) != 0 {
		t.Fatalf("quiet DeleteMultipleObjects = %+v, %v", qres, err)
	}
	if ok, _ := c.IsObjectExist(ctx, bucket, "q1"); ok {
		t.Fatal("quiet delete did not delete")
	}
}

func v2List(t *testing.T, c *oss.Client) {
	ctx := context.Background()
	bucket := v2MakeBucket(t, c)
	keys := []string{"a", "b/1", "b/2", "b/c/3", "c d", "c+d", "d%20e", "e\x01f", "f/", "g中文", "h/i/j"}
	for _, k := range keys {
		v2Put(t, c, bucket, k, []byte("x"))
	}
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)

	// Whole listing, one page: every key round-trips through encoding-type=url.
	all, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket)})
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	var got []string
	for _, o := range all.Contents {
		got = append(got, oss.ToString(o.Key))
		if o.Size != 1 || oss.ToString(o.ETag) != quotedMD5([]byte("x")) || o.LastModified == nil {
			t.Fatalf("listed object %+v", o)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(sorted) || all.KeyCount != len(keys) || all.IsTruncated {
		t.Fatalf("ListObjectsV2 = %q (count %d), want %q", got, all.KeyCount, sorted)
	}
	// Delimiter roll-up.
	d, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket), Delimiter: oss.Ptr("/")})
	if err != nil {
		t.Fatal(err)
	}
	var prefixes []string
	for _, p := range d.CommonPrefixes {
		prefixes = append(prefixes, oss.ToString(p.Prefix))
	}
	if fmt.Sprint(prefixes) != "[b/ f/ h/]" || len(d.Contents) != 6 {
		t.Fatalf("delimiter listing: prefixes %q, %d objects", prefixes, len(d.Contents))
	}
	d, _ = c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket), Prefix: oss.Ptr("b/"), Delimiter: oss.Ptr("/")})
	if len(d.Contents) != 2 || len(d.CommonPrefixes) != 1 || oss.ToString(d.CommonPrefixes[0].Prefix) != "b/c/" {
		t.Fatalf("prefix b/ listing: %+v", d)
	}
	// Paging with the paginator (continuation tokens) and with max-keys 1..4.
	for _, page := range []int32{1, 2, 4} {
		p := c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket), MaxKeys: page})
		var paged []string
		for p.HasNext() {
			res, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("page size %d: %v", page, err)
			}
			if len(res.Contents) > int(page) {
				t.Fatalf("page of %d has %d keys", page, len(res.Contents))
			}
			for _, o := range res.Contents {
				paged = append(paged, oss.ToString(o.Key))
			}
		}
		if fmt.Sprint(paged) != fmt.Sprint(sorted) {
			t.Fatalf("paged by %d: %q", page, paged)
		}
	}
	// ListObjects v1 with markers.
	var paged []string
	marker := ""
	for i := 0; i < 20; i++ {
		res, err := c.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr(bucket), Marker: oss.Ptr(marker), MaxKeys: 3})
		if err != nil {
			t.Fatalf("ListObjects: %v", err)
		}
		for _, o := range res.Contents {
			paged = append(paged, oss.ToString(o.Key))
		}
		if !res.IsTruncated {
			break
		}
		marker = oss.ToString(res.NextMarker)
	}
	if fmt.Sprint(paged) != fmt.Sprint(sorted) {
		t.Fatalf("ListObjects by marker: %q", paged)
	}
	// start-after.
	sa, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket), StartAfter: oss.Ptr("c+d")})
	if err != nil || len(sa.Contents) == 0 || oss.ToString(sa.Contents[0].Key) != "d%20e" {
		t.Fatalf("start-after: %+v %v", sa, err)
	}
	// Default max-keys is 100; invalid values are refused.
	def, _ := c.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr(bucket)})
	if def.MaxKeys != 100 {
		t.Fatalf("default MaxKeys = %d", def.MaxKeys)
	}
	_, err = c.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr(bucket), MaxKeys: 100000})
	requireV2Code(t, err, "InvalidArgument", 400)
	_, err = c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket + "-missing")})
	requireV2Code(t, err, "NoSuchBucket", 404)
}

func v2Presign(t *testing.T, c *oss.Client) {
	ctx := context.Background()
	bucket := v2MakeBucket(t, c)
	v2Put(t, c, bucket, "dir/p q", []byte("presigned"))

	get, err := c.Presign(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("dir/p q")}, oss.PresignExpires(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "presigned" {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, b)
	}
	put, err := c.Presign(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("uploaded")}, oss.PresignExpires(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, put.URL, strings.NewReader("via url"))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d", resp.StatusCode)
	}
	if got := v2Get(t, c, bucket, "uploaded"); string(got) != "via url" {
		t.Fatalf("presigned PUT stored %q", got)
	}
	// An unsigned Content-Type added to a presigned PUT breaks the signature.
	req, _ = http.NewRequest(http.MethodPut, put.URL, strings.NewReader("tampered"))
	req.Header.Set("Content-Type", "text/evil")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	code := errorCode(t, resp)
	if resp.StatusCode != 403 || code != "SignatureDoesNotMatch" {
		t.Fatalf("tampered presigned PUT: %d %s", resp.StatusCode, code)
	}
	if got := v2Get(t, c, bucket, "uploaded"); string(got) != "via url" {
		t.Fatalf("refused presigned PUT changed the object: %q", got)
	}
	// An expired URL is refused with AccessDenied (a URL signed with a
	// negative lifetime is malformed instead, so this one waits out a second).
	old, err := c.Presign(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("dir/p q")}, oss.PresignExpires(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	resp, err = http.Get(old.URL)
	if err != nil {
		t.Fatal(err)
	}
	if code := errorCode(t, resp); resp.StatusCode != 403 || code != "AccessDenied" {
		t.Fatalf("expired presigned GET: %d %s", resp.StatusCode, code)
	}
}

// TestV2SDKMultipart uploads, downloads and copies large objects the way
// the v2 SDK's transfer managers do (Uploader with parallel parts,
// Downloader with ranged parallel GETs, Copier with UploadPartCopy), and
// checks the low-level calls and their errors. The SDK checks each part's
// CRC-64 and the whole object's at Complete; the test checks the bytes.
func TestV2SDKMultipart(t *testing.T) {
	ctx := context.Background()
	c := v2Root(oss.SignatureVersionV4)
	bucket := v2MakeBucket(t, c)
	data := randomBytes(3<<20 + 12345)
	dir := t.TempDir()
	src := dir + "/src"
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("Uploader", func(t *testing.T) {
		u := c.NewUploader(func(o *oss.UploaderOptions) { o.PartSize = 512 << 10; o.ParallelNum = 4 })
		res, err := u.UploadFile(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("big/file.bin"),
			Metadata: map[string]string{"origin": "uploader"}}, src)
		if err != nil {
			t.Fatalf("UploadFile: %v", err)
		}
		if got := oss.ToString(res.HashCRC64); got != crcString(data) {
			t.Fatalf("Complete CRC-64 %s, want %s", got, crcString(data))
		}
		head, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("big/file.bin")})
		if err != nil {
			t.Fatal(err)
		}
		if oss.ToString(head.ObjectType) != "Multipart" || head.ContentMD5 != nil || head.ContentLength != int64(len(data)) ||
			!strings.HasSuffix(oss.ToString(head.ETag), "-7\"") || oss.ToString(head.HashCRC64) != crcString(data) ||
			head.Metadata["origin"] != "uploader" {
			t.Fatalf("HEAD: type %q MD5 %v len %d ETag %s CRC %s meta %v", oss.ToString(head.ObjectType), head.ContentMD5,
				head.ContentLength, oss.ToString(head.ETag), oss.ToString(head.HashCRC64), head.Metadata)
		}
		if got := v2Get(t, c, bucket, "big/file.bin"); !bytes.Equal(got, data) {
			t.Fatal("GET returned other bytes")
		}
		// A range across the boundary of parts 1 and 2.
		rr, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("big/file.bin"),
			Range: oss.Ptr(fmt.Sprintf("bytes=%d-%d", 512<<10-10, 512<<10+9))})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rr.Body)
		rr.Body.Close()
		if !bytes.Equal(got, data[512<<10-10:512<<10+10]) {
			t.Fatal("ranged GET across parts returned other bytes")
		}
		// Appending to a Multipart object is refused.
		_, err = c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("big/file.bin"),
			Position: oss.Ptr(int64(len(data))), Body: bytes.NewReader([]byte("x"))})
		requireV2Code(t, err, "ObjectNotAppendable", 409)
	})

	t.Run("Downloader", func(t *testing.T) {
		d := c.NewDownloader(func(o *oss.DownloaderOptions) { o.PartSize = 300 << 10; o.ParallelNum = 3 })
		out := dir + "/down"
		if _, err := d.DownloadFile(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("big/file.bin")}, out); err != nil {
			t.Fatalf("DownloadFile: %v", err)
		}
		got, err := os.ReadFile(out)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("downloaded file differs (%v)", err)
		}
	})

	t.Run("Copier", func(t *testing.T) {
		dst := v2MakeBucket(t, c)
		cp := c.NewCopier(func(o *oss.CopierOptions) {
			o.PartSize = 1 << 20
			o.MultipartCopyThreshold = 1 << 20
			o.DisableShallowCopy = true
		})
		if _, err := cp.Copy(ctx, &oss.CopyObjectRequest{SourceBucket: oss.Ptr(bucket), SourceKey: oss.Ptr("big/file.bin"),
			Bucket: oss.Ptr(dst), Key: oss.Ptr("copied")}); err != nil {
			t.Fatalf("Copy: %v", err)
		}
		if got := v2Get(t, c, dst, "copied"); !bytes.Equal(got, data) {
			t.Fatal("copy has other bytes")
		}
		// CopyObject of a multipart object shares its parts.
		if _, err := c.CopyObject(ctx, &oss.CopyObjectRequest{SourceBucket: oss.Ptr(bucket), SourceKey: oss.Ptr("big/file.bin"),
			Bucket: oss.Ptr(bucket), Key: oss.Ptr("shallow")}); err != nil {
			t.Fatal(err)
		}
		if got := v2Get(t, c, bucket, "shallow"); !bytes.Equal(got, data) {
			t.Fatal("CopyObject of a multipart object has other bytes")
		}
	})

	t.Run("LowLevel", func(t *testing.T) { v2MultipartLowLevel(t, c, bucket, data) })
}

func v2MultipartLowLevel(t *testing.T, c *oss.Client, bucket string, data []byte) {
	ctx := context.Background()
	key := "low\flevel\v/key+1"
	init, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(init.Key) != key || len(oss.ToString(init.UploadId)) != 32 {
		t.Fatalf("Initiate: key %q id %q", oss.ToString(init.Key), oss.ToString(init.UploadId))
	}
	id := init.UploadId
	part := func(n int32, b []byte) *oss.UploadPartResult {
		t.Helper()
		r, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), UploadId: id,
			PartNumber: n, Body: bytes.NewReader(b)})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", n, err)
		}
		return r
	}
	const ps = 200 << 10
	p1 := part(1, data[:ps])
	part(2, data[ps:2*ps]) // replaced below
	p2 := part(2, data[2*ps:3*ps])
	p3 := part(3, data[3*ps:3*ps+10])
	// The SDK refuses part number 0 itself; the v1 test sends it.
	for _, n := range []int32{10001} {
		_, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), UploadId: id,
			PartNumber: n, Body: bytes.NewReader([]byte("x"))})
		requireV2Code(t, err, "InvalidArgument", 400)
	}
	_, err = c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), UploadId: oss.Ptr("NOPE"),
		PartNumber: 1, Body: bytes.NewReader([]byte("x"))})
	requireV2Code(t, err, "NoSuchUpload", 404)
	// UploadPartCopy of a range of an existing object.
	v2Put(t, c, bucket, "copysrc", data[:ps+100])
	pc, err := c.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), UploadId: id,
		PartNumber: 4, SourceKey: oss.Ptr("copysrc"), Range: oss.Ptr("bytes=100-")})
	if err != nil {
		t.Fatalf("UploadPartCopy: %v", err)
	}
	if oss.ToString(pc.ETag) != quotedMD5(data[100:ps+100]) {
		t.Fatalf("UploadPartCopy ETag %s", oss.ToString(pc.ETag))
	}

	lp, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), UploadId: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Parts) != 4 || lp.MaxParts != 1000 || lp.NextPartNumberMarker != 4 || oss.ToString(lp.Parts[1].ETag) != oss.ToString(p2.ETag) ||
		oss.ToString(lp.Parts[1].HashCRC64) != crcString(data[2*ps:3*ps]) || lp.Parts[2].Size != 10 || oss.ToString(lp.StorageClass) != "Standard" {
		t.Fatalf("ListParts: %+v", lp)
	}
	lu, err := c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(bucket), Prefix: oss.Ptr("low")})
	if err != nil {
		t.Fatal(err)
	}
	if len(lu.Uploads) != 1 || oss.ToString(lu.Uploads[0].Key) != key || oss.ToString(lu.Uploads[0].UploadId) != oss.ToString(id) {
		t.Fatalf("ListMultipartUploads: %+v", lu.Uploads)
	}

	complete := func(parts ...oss.UploadPart) error {
		_, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key),
			UploadId: id, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}})
		return err
	}
	up := func(n int32, r *oss.UploadPartResult) oss.UploadPart {
		return oss.UploadPart{PartNumber: n, ETag: r.ETag}
	}
	// Bad lists change nothing.
	// The SDK sorts the list; a repeated number is still out of order.
	requireV2Code(t, complete(up(1, p1), up(1, p1)), "InvalidPartOrder", 400)
	requireV2Code(t, complete(up(1, p1), oss.UploadPart{PartNumber: 2, ETag: oss.Ptr(`"0123"`)}), "InvalidPart", 400)
	requireV2Code(t, complete(up(1, p1), up(3, p3), oss.UploadPart{PartNumber: 4, ETag: pc.ETag}), "EntityTooSmall", 400)
	if _, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}); err == nil {
		t.Fatal("a failed Complete left an object")
	}
	// Part 4 left out: it is released.
	if err := complete(up(1, p1), up(2, p2), up(3, p3)); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	want := append(append(append([]byte(nil), data[:ps]...), data[2*ps:3*ps]...), data[3*ps:3*ps+10]...)
	if got := v2Get(t, c, bucket, key); !bytes.Equal(got, want) {
		t.Fatal("completed object has other bytes")
	}
	requireV2Code(t, complete(up(1, p1)), "NoSuchUpload", 404)
	_, err = c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), UploadId: id})
	requireV2Code(t, err, "NoSuchUpload", 404)

	// complete-all, then abort of another upload; a bucket with an upload
	// in progress cannot be deleted.
	all, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("all")})
	if err != nil {
		t.Fatal(err)
	}
	for n := int32(1); n <= 2; n++ {
		if _, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("all"), UploadId: all.UploadId,
			PartNumber: n, Body: bytes.NewReader(data[int(n-1)*ps : int(n)*ps])}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("all"),
		UploadId: all.UploadId, CompleteAll: oss.Ptr("yes")}); err != nil {
		t.Fatalf("complete-all: %v", err)
	}
	if got := v2Get(t, c, bucket, "all"); !bytes.Equal(got, data[:2*ps]) {
		t.Fatal("complete-all object has other bytes")
	}
	ab, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("aborted")})
	if err != nil {
		t.Fatal(err)
	}
	empty := v2MakeBucket(t, c)
	eu, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(empty), Key: oss.Ptr("k")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(empty)})
	requireV2Code(t, err, "BucketNotEmpty", 409)
	for _, a := range []struct {
		b, k string
		id   *string
	}{{bucket, "aborted", ab.UploadId}, {empty, "k", eu.UploadId}} {
		if _, err := c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(a.b), Key: oss.Ptr(a.k), UploadId: a.id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(empty)}); err != nil {
		t.Fatalf("DeleteBucket after abort: %v", err)
	}
	_, err = c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("aborted"),
		UploadId: ab.UploadId, CompleteAll: oss.Ptr("yes")})
	requireV2Code(t, err, "NoSuchUpload", 404)
}
