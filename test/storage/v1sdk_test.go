package storage

import (
	"bytes"
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

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/koss-io/koss/test/kossdproc"
)

func v1Client(t *testing.T, version oss.AuthVersionType, ak, sk string) *oss.Client {
	t.Helper()
	c, err := oss.New(node.Endpoint(), ak, sk, oss.AuthVersion(version), oss.Region(kossdproc.Region), oss.Timeout(10, 60))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// v1Err returns the OSS error code and HTTP status of err.
func v1Err(err error) (string, int) {
	var se oss.ServiceError
	if errors.As(err, &se) {
		return se.Code, se.StatusCode
	}
	var sp *oss.ServiceError
	if errors.As(err, &sp) {
		return sp.Code, sp.StatusCode
	}
	return "", 0
}

func requireV1Code(t *testing.T, err error, code string, status int) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s (%d), got success", code, status)
	}
	if gotCode, gotStatus := v1Err(err); gotCode != code || gotStatus != status {
		t.Fatalf("want error %s (%d), got %s (%d): %v", code, status, gotCode, gotStatus, err)
	}
}

var v1Versions = map[string]oss.AuthVersionType{"V1": oss.AuthV1, "V2": oss.AuthV2, "V4": oss.AuthV4}

func TestV1SDK(t *testing.T) {
	for name, version := range v1Versions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := v1Client(t, version, kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
			t.Run("Buckets", func(t *testing.T) { v1Buckets(t, c) })
			t.Run("Objects", func(t *testing.T) { v1Objects(t, c) })
			t.Run("Append", func(t *testing.T) { v1Append(t, c) })
			t.Run("Copy", func(t *testing.T) { v1Copy(t, c) })
			t.Run("ListAndDelete", func(t *testing.T) { v1ListAndDelete(t, c) })
			t.Run("SignURL", func(t *testing.T) { v1SignURL(t, c) })
		})
	}
}

func v1MakeBucket(t *testing.T, c *oss.Client, opts ...oss.Option) *oss.Bucket {
	t.Helper()
	name := newBucketName(t)
	if err := c.CreateBucket(name, opts...); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	b, err := c.Bucket(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func v1Read(t *testing.T, b *oss.Bucket, key string, opts ...oss.Option) []byte {
	t.Helper()
	r, err := b.GetObject(key, opts...)
	if err != nil {
		t.Fatalf("GetObject %q: %v", key, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return data
}

func v1Buckets(t *testing.T, c *oss.Client) {
	b := v1MakeBucket(t, c, oss.StorageClass(oss.StorageArchive))
	if err := c.CreateBucket(b.BucketName); err != nil {
		t.Fatalf("CreateBucket again: %v", err)
	}
	if ok, err := c.IsBucketExist(b.BucketName); err != nil || !ok {
		t.Fatalf("IsBucketExist = %v, %v", ok, err)
	}
	if ok, err := c.IsBucketExist(b.BucketName + "-missing"); err != nil || ok {
		t.Fatalf("IsBucketExist(missing) = %v, %v", ok, err)
	}
	info, err := c.GetBucketInfo(b.BucketName)
	if err != nil || info.BucketInfo.Name != b.BucketName || info.BucketInfo.StorageClass != "Archive" {
		t.Fatalf("GetBucketInfo = %+v, %v", info.BucketInfo, err)
	}
	if loc, err := c.GetBucketLocation(b.BucketName); err != nil || loc == "" {
		t.Fatalf("GetBucketLocation = %q, %v", loc, err)
	}
	list, err := c.ListBuckets(oss.Prefix(b.BucketName))
	if err != nil || len(list.Buckets) != 1 || list.Buckets[0].Name != b.BucketName {
		t.Fatalf("ListBuckets = %+v, %v", list, err)
	}
	if acl, err := c.GetBucketACL(b.BucketName); err != nil || acl.ACL == "" {
		t.Fatalf("GetBucketACL = %+v, %v", acl, err)
	}
	if _, err := b.ListMultipartUploads(); err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if _, err := b.ListObjectVersions(); err != nil {
		t.Fatalf("ListObjectVersions: %v", err)
	}
	if err := c.CreateBucket(newBucketName(t), oss.ACL("everyone-can-write")); err == nil {
		t.Fatal("CreateBucket with an invalid ACL succeeded")
	}
	if err := b.PutObject("o", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	requireV1Code(t, c.DeleteBucket(b.BucketName), "BucketNotEmpty", 409)
	if err := b.DeleteObject("o"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteBucket(b.BucketName); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	requireV1Code(t, c.DeleteBucket(b.BucketName), "NoSuchBucket", 404)
}

func v1Objects(t *testing.T, c *oss.Client) {
	b := v1MakeBucket(t, c)
	body := randomBytes(150 << 10)
	expires := time.Date(2094, 12, 1, 16, 0, 0, 0, time.UTC)
	key := "dir/sub dir/ä+b%c.bin"
	if err := b.PutObject(key, bytes.NewReader(body), oss.Meta("Color", "Red"), oss.ContentType("image/x-test"),
		oss.Expires(expires), oss.CacheControl("no-store"), oss.ObjectACL(oss.ACLPrivate)); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if got := v1Read(t, b, key); !bytes.Equal(got, body) {
		t.Fatal("GetObject returned other bytes")
	}
	if got := v1Read(t, b, key, oss.Range(10, 19)); !bytes.Equal(got, body[10:20]) {
		t.Fatal("ranged GetObject returned other bytes")
	}
	if got := v1Read(t, b, key, oss.NormalizedRange("100-")); !bytes.Equal(got, body[100:]) {
		t.Fatal("open-ended range returned other bytes")
	}
	// GetObjectToFile checks the whole-object CRC64 the server reports.
	file := t.TempDir() + "/out"
	if err := b.GetObjectToFile(key, file); err != nil {
		t.Fatalf("GetObjectToFile: %v", err)
	}
	h, err := b.GetObjectDetailedMeta(key)
	if err != nil {
		t.Fatalf("GetObjectDetailedMeta: %v", err)
	}
	if h.Get("X-Oss-Meta-Color") != "Red" || h.Get("Content-Type") != "image/x-test" || h.Get("Content-Length") != strconv.Itoa(len(body)) ||
		h.Get("Etag") != quotedMD5(body) || h.Get("Expires") != expires.Format(http.TimeFormat) || h.Get("Cache-Control") != "no-store" ||
		h.Get("X-Oss-Hash-Crc64ecma") != strconv.FormatUint(crc64.Checksum(body, crcTable), 10) || h.Get("Last-Modified") == "" {
		t.Fatalf("GetObjectDetailedMeta headers: %v", h)
	}
	if m, err := b.GetObjectMeta(key); err != nil || m.Get("Etag") != quotedMD5(body) {
		t.Fatalf("GetObjectMeta = %v, %v", m, err)
	}
	if ok, err := b.IsObjectExist(key); err != nil || !ok {
		t.Fatalf("IsObjectExist = %v, %v", ok, err)
	}
	if ok, err := b.IsObjectExist("missing"); err != nil || ok {
		t.Fatalf("IsObjectExist(missing) = %v, %v", ok, err)
	}
	if acl, err := b.GetObjectACL(key); err != nil || acl.ACL != "private" {
		t.Fatalf("GetObjectACL = %+v, %v", acl, err)
	}
	_, err = b.GetObject("missing")
	requireV1Code(t, err, "NoSuchKey", 404)
	_, err = b.GetObjectDetailedMeta("missing")
	requireV1Code(t, err, "NoSuchKey", 404)
	_, err = b.GetObject(key, oss.IfMatch(`"nope"`))
	requireV1Code(t, err, "PreconditionFailed", 412)
	if _, err = b.GetObject(key, oss.IfNoneMatch(quotedMD5(body))); err == nil {
		t.Fatal("If-None-Match with the current ETag succeeded")
	}
	if _, err := b.GetObject(key, oss.IfModifiedSince(time.Now().Add(-time.Hour))); err != nil {
		t.Fatalf("If-Modified-Since an hour ago: %v", err)
	}
	// Content-MD5 sent by the SDK is verified.
	b2, _ := c.Bucket(b.BucketName)
	if err := b2.PutObject("md5", strings.NewReader("checked"), oss.ContentMD5("AAAAAAAAAAAAAAAAAAAAAA==")); err == nil {
		t.Fatal("PutObject with a wrong Content-MD5 succeeded")
	}
	if ok, _ := b.IsObjectExist("md5"); ok {
		t.Fatal("object with a wrong Content-MD5 became visible")
	}
	// SetObjectMeta is a copy onto itself with REPLACE.
	if err := b.SetObjectMeta(key, oss.Meta("Color", "Green"), oss.ContentType("text/plain")); err != nil {
		t.Fatalf("SetObjectMeta: %v", err)
	}
	h, _ = b.GetObjectDetailedMeta(key)
	if h.Get("X-Oss-Meta-Color") != "Green" || h.Get("Content-Type") != "text/plain" || h.Get("Etag") != quotedMD5(body) {
		t.Fatalf("after SetObjectMeta: %v", h)
	}
	if got := v1Read(t, b, key); !bytes.Equal(got, body) {
		t.Fatal("SetObjectMeta changed the bytes")
	}
}

func v1Append(t *testing.T, c *oss.Client) {
	b := v1MakeBucket(t, c)
	var all []byte
	var pos int64
	for i, part := range [][]byte{[]byte("first,"), randomBytes(70 << 10), []byte("last")} {
		next, err := b.AppendObject("log", bytes.NewReader(part), pos)
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		all = append(all, part...)
		if next != int64(len(all)) {
			t.Fatalf("next position = %d, want %d", next, len(all))
		}
		pos = next
	}
	// DoAppendObject with InitCRC makes the SDK check the whole-object CRC64.
	req := &oss.AppendObjectRequest{ObjectKey: "log", Reader: strings.NewReader("+crc"), Position: pos}
	res, err := b.DoAppendObject(req, []oss.Option{oss.InitCRC(crc64.Checksum(all, crcTable))})
	if err != nil {
		t.Fatalf("DoAppendObject: %v", err)
	}
	all = append(all, "+crc"...)
	if res.NextPosition != int64(len(all)) || res.CRC != crc64.Checksum(all, crcTable) {
		t.Fatalf("DoAppendObject = %+v", res)
	}
	if got := v1Read(t, b, "log"); !bytes.Equal(got, all) {
		t.Fatal("appendable object reads back other bytes")
	}
	_, err = b.AppendObject("log", strings.NewReader("x"), 1)
	requireV1Code(t, err, "PositionNotEqualToLength", 409)
	if err := b.PutObject("normal", strings.NewReader("n")); err != nil {
		t.Fatal(err)
	}
	_, err = b.AppendObject("normal", strings.NewReader("x"), 1)
	requireV1Code(t, err, "ObjectNotAppendable", 409)
	if got := v1Read(t, b, "log"); !bytes.Equal(got, all) {
		t.Fatal("a refused append changed the object")
	}
}

func v1Copy(t *testing.T, c *oss.Client) {
	src := v1MakeBucket(t, c)
	dst := v1MakeBucket(t, c)
	if err := src.PutObject("a b+c", strings.NewReader("copy me"), oss.Meta("k", "v")); err != nil {
		t.Fatal(err)
	}
	if _, err := src.CopyObject("a b+c", "same bucket"); err != nil {
		t.Fatalf("CopyObject: %v", err)
	}
	if _, err := src.CopyObjectTo(dst.BucketName, "to+other bucket", "a b+c"); err != nil {
		t.Fatalf("CopyObjectTo: %v", err)
	}
	if _, err := dst.CopyObjectFrom(src.BucketName, "a b+c", "from other", oss.MetadataDirective(oss.MetaReplace), oss.Meta("k", "replaced")); err != nil {
		t.Fatalf("CopyObjectFrom: %v", err)
	}
	for _, tc := range []struct {
		b        *oss.Bucket
		key, val string
	}{{src, "same bucket", "v"}, {dst, "to+other bucket", "v"}, {dst, "from other", "replaced"}} {
		if got := v1Read(t, tc.b, tc.key); string(got) != "copy me" {
			t.Fatalf("%s: %q", tc.key, got)
		}
		if h, _ := tc.b.GetObjectDetailedMeta(tc.key); h.Get("X-Oss-Meta-K") != tc.val {
			t.Fatalf("%s meta k = %q, want %q", tc.key, h.Get("X-Oss-Meta-K"), tc.val)
		}
	}
	_, err := src.CopyObject("missing", "x")
	requireV1Code(t, err, "NoSuchKey", 404)
}

func v1ListAndDelete(t *testing.T, c *oss.Client) {
	b := v1MakeBucket(t, c)
	keys := []string{"a", "b c", "b+c", "b%2Fc", "ctl\x1f\x01", "dir/x", "dir/y", "dir/z/w", "ü"}
	for _, k := range keys {
		if err := b.PutObject(k, strings.NewReader(k)); err != nil {
			t.Fatalf("PutObject %q: %v", k, err)
		}
	}
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	// v1 pages with markers, v2 with continuation tokens: both must round-trip every key.
	var byMarker, byToken []string
	marker, token := "", ""
	for i := 0; i < 20; i++ {
		res, err := b.ListObjects(oss.Marker(marker), oss.MaxKeys(2))
		if err != nil {
			t.Fatalf("ListObjects: %v", err)
		}
		for _, o := range res.Objects {
			byMarker = append(byMarker, o.Key)
		}
		if !res.IsTruncated {
			break
		}
		marker = res.NextMarker
	}
	for i := 0; i < 20; i++ {
		opts := []oss.Option{oss.MaxKeys(3)}
		if token != "" {
			opts = append(opts, oss.ContinuationToken(token))
		}
		res, err := b.ListObjectsV2(opts...)
		if err != nil {
			t.Fatalf("ListObjectsV2: %v", err)
		}
		for _, o := range res.Objects {
			byToken = append(byToken, o.Key)
		}
		if !res.IsTruncated {
			break
		}
		token = res.NextContinuationToken
	}
	if fmt.Sprint(byMarker) != fmt.Sprint(sorted) || fmt.Sprint(byToken) != fmt.Sprint(sorted) {
		t.Fatalf("listing:\n marker %q\n token  %q\n want   %q", byMarker, byToken, sorted)
	}
	res, err := b.ListObjects(oss.Prefix("dir/"), oss.Delimiter("/"))
	if err != nil || len(res.Objects) != 2 || fmt.Sprint(res.CommonPrefixes) != "[dir/z/]" {
		t.Fatalf("delimiter listing = %+v, %v", res, err)
	}
	res2, err := b.ListObjectsV2(oss.StartAfter("dir/y"))
	if err != nil || len(res2.Objects) != 2 || res2.Objects[0].Key != "dir/z/w" {
		t.Fatalf("start-after listing = %+v, %v", res2, err)
	}
	del, err := b.DeleteObjects([]string{"a", "b c", "ctl\x1f\x01", "never-was"})
	if err != nil || len(del.DeletedObjects) != 4 {
		t.Fatalf("DeleteObjects = %+v, %v", del, err)
	}
	if _, err := b.DeleteObjects([]string{"b+c", "b%2Fc"}, oss.DeleteObjectsQuiet(true)); err != nil {
		t.Fatalf("quiet DeleteObjects: %v", err)
	}
	if _, err := b.DeleteObjects(nil); err == nil {
		t.Fatal("DeleteObjects with no keys succeeded")
	}
	rest, _ := b.ListObjects()
	var left []string
	for _, o := range rest.Objects {
		left = append(left, o.Key)
	}
	if fmt.Sprint(left) != "[dir/x dir/y dir/z/w ü]" {
		t.Fatalf("left after deletes: %q", left)
	}
}

func v1SignURL(t *testing.T, c *oss.Client) {
	b := v1MakeBucket(t, c)
	if err := b.PutObject("dir/signed key", strings.NewReader("signed")); err != nil {
		t.Fatal(err)
	}
	u, err := b.SignURL("dir/signed key", oss.HTTPGet, 600)
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.GetObjectWithURL(u)
	if err != nil {
		t.Fatalf("GetObjectWithURL: %v", err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "signed" {
		t.Fatalf("GetObjectWithURL = %q", got)
	}
	pu, err := b.SignURL("put via url", oss.HTTPPut, 600, oss.ContentType("text/plain"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.PutObjectWithURL(pu, strings.NewReader("uploaded"), oss.ContentType("text/plain")); err != nil {
		t.Fatalf("PutObjectWithURL: %v", err)
	}
	if got := v1Read(t, b, "put via url"); string(got) != "uploaded" {
		t.Fatalf("uploaded via URL: %q", got)
	}
	// The URL was signed for text/plain: another Content-Type must not pass.
	if err := b.PutObjectWithURL(pu, strings.NewReader("evil"), oss.ContentType("text/html")); err == nil {
		t.Fatal("presigned PUT with an unsigned Content-Type succeeded")
	}
	if got := v1Read(t, b, "put via url"); string(got) != "uploaded" {
		t.Fatalf("refused presigned PUT changed the object: %q", got)
	}
	// A URL past its expiry is refused with AccessDenied. The SDK signs
	// only future expiries, so this one waits out the shortest it allows.
	old, err := b.SignURL("dir/signed key", oss.HTTPGet, 1)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2100 * time.Millisecond)
	_, err = b.GetObjectWithURL(old)
	requireV1Code(t, err, "AccessDenied", 403)
}

// TestV1SDKMultipart uses the v1 SDK's resumable UploadFile (with a
// checkpoint file) and DownloadFile, and its low-level multipart calls.
func TestV1SDKMultipart(t *testing.T) {
	c := v1Client(t, oss.AuthV4, kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
	b := v1MakeBucket(t, c)
	data := randomBytes(2<<20 + 777)
	dir := t.TempDir()
	src := dir + "/src"
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := b.UploadFile("up/file", src, 300<<10, oss.Routines(3), oss.Checkpoint(true, dir+"/cp"), oss.Meta("k", "v")); err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	h, err := b.GetObjectDetailedMeta("up/file")
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Oss-Object-Type") != "Multipart" || h.Get("Content-Md5") != "" || h.Get("X-Oss-Meta-K") != "v" ||
		h.Get("X-Oss-Hash-Crc64ecma") != strconv.FormatUint(crc64.Checksum(data, crcTable), 10) || !strings.HasSuffix(h.Get("Etag"), "-7\"") {
		t.Fatalf("HEAD of a multipart object: %v", h)
	}
	if err := b.DownloadFile("up/file", dir+"/down", 256<<10, oss.Routines(3), oss.Checkpoint(true, dir+"/dcp")); err != nil {
		t.Fatalf("DownloadFile: %v", err)
	}
	if got, err := os.ReadFile(dir + "/down"); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded bytes differ (%v)", err)
	}
	if err := b.CopyFile(b.BucketName, "up/file", "up/copy", 1<<20, oss.Routines(2), oss.Checkpoint(true, dir+"/ccp")); err != nil {
		t.Fatalf("CopyFile: %v", err)
	}
	if got := v1Read(t, b, "up/copy"); !bytes.Equal(got, data) {
		t.Fatal("CopyFile made other bytes")
	}

	imur, err := b.InitiateMultipartUpload("low", oss.ContentType("video/mp4"))
	if err != nil {
		t.Fatal(err)
	}
	const ps = 150 << 10
	_, err = b.UploadPart(imur, bytes.NewReader([]byte("x")), 1, 0)
	requireV1Code(t, err, "InvalidArgument", 400)
	p1, err := b.UploadPart(imur, bytes.NewReader(data[:ps]), ps, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.UploadPart(imur, bytes.NewReader(data[ps:2*ps]), ps, 2, oss.ContentMD5("1B2M2Y8AsgTpgAmY7PhCfg=="))
	requireV1Code(t, err, "InvalidDigest", 400)
	p2, err := b.UploadPartCopy(imur, b.BucketName, "up/file", ps, ps, 2)
	if err != nil {
		t.Fatalf("UploadPartCopy: %v", err)
	}
	lp, err := b.ListUploadedParts(imur)
	if err != nil || len(lp.UploadedParts) != 2 || lp.UploadedParts[1].Size != ps {
		t.Fatalf("ListUploadedParts: %+v, %v", lp, err)
	}
	lu, err := b.ListMultipartUploads(oss.Prefix("lo"))
	if err != nil || len(lu.Uploads) != 1 || lu.Uploads[0].UploadID != imur.UploadID {
		t.Fatalf("ListMultipartUploads: %+v, %v", lu, err)
	}
	if _, err := b.CompleteMultipartUpload(imur, []oss.UploadPart{p1, p2}); err != nil {
		t.Fatalf("Complete: %v", err)
	}
	if got := v1Read(t, b, "low"); !bytes.Equal(got, data[:2*ps]) {
		t.Fatal("completed object has other bytes")
	}
	_, err = b.CompleteMultipartUpload(imur, []oss.UploadPart{p1, p2})
	requireV1Code(t, err, "NoSuchUpload", 404)

	ab, err := b.InitiateMultipartUpload("aborted")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.AbortMultipartUpload(ab); err != nil {
		t.Fatal(err)
	}
	requireV1Code(t, b.AbortMultipartUpload(ab), "NoSuchUpload", 404)
}
