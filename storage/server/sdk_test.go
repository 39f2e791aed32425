package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	v2 "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	v1 "github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/koss-io/koss/storage/internal/auth"
)

// These tests drive a real node over HTTP with both official SDKs, the way
// users will: they check what the SDKs parse (root elements, headers, error
// codes), not only status codes.

func newV2Client(endpoint, id, secret string, sigV1 bool) *v2.Client {
	cfg := v2.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret)).
		WithRegion(testRegion).
		WithEndpoint(endpoint).
		WithRetryMaxAttempts(1)
	if sigV1 {
		cfg = cfg.WithSignatureVersion(v2.SignatureVersionV1)
	}
	return v2.NewClient(cfg)
}

func v2Code(err error) string {
	var se *v2.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	if err == nil {
		return "<nil>"
	}
	return "not a service error: " + err.Error()
}

func v2Put(ctx context.Context, c *v2.Client, bucket, key, data string) error {
	_, err := c.PutObject(ctx, &v2.PutObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr(key), Body: strings.NewReader(data)})
	return err
}

func v2Get(ctx context.Context, c *v2.Client, bucket, key string) (string, error) {
	res, err := c.GetObject(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr(key)})
	if err != nil {
		return "", err
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

// specialKeys exercise every escaping path: spaces and "+" (query encoding),
// "/" (path), XML specials, control characters (DeleteMultipleObjects),
// percent signs and non-ASCII.
var specialKeys = []string{
	"plain.txt", "dir/sub/file", "a b+c", "x%2Fy", "amp&<>\"'", "ctl\x01\x1f", "日本/語", "tab\tkey", "end/",
}

func TestV2SDK(t *testing.T) {
	n := startTestNode(t, testConfig(t, t.TempDir()))
	for _, sigV1 := range []bool{false, true} {
		name := "V4"
		if sigV1 {
			name = "V1"
		}
		t.Run(name, func(t *testing.T) {
			runV2Scenario(t, newV2Client(n.endpoint(), testRootID, testRootSecret, sigV1), "v2-"+strings.ToLower(name))
		})
	}
	t.Run("errors", func(t *testing.T) {
		ctx := t.Context()
		bad := newV2Client(n.endpoint(), testRootID, "wrong-secret-0000", false)
		_, err := bad.ListBuckets(ctx, &v2.ListBucketsRequest{})
		var se *v2.ServiceError
		if !errors.As(err, &se) || se.Code != "SignatureDoesNotMatch" || se.StatusCode != 403 || se.RequestID == "" || se.EC != "0002-00000040" {
			t.Fatalf("wrong secret: %v", err)
		}
		unknown := newV2Client(n.endpoint(), "NOSUCHKEY", "whatever-secret", false)
		if _, err := unknown.ListBuckets(ctx, &v2.ListBucketsRequest{}); v2Code(err) != "InvalidAccessKeyId" {
			t.Fatalf("unknown key: %v", err)
		}
	})
}

func runV2Scenario(t *testing.T, c *v2.Client, bucket string) {
	ctx := t.Context()
	if _, err := c.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr(bucket + "-x"), Acl: "bogus"}); err == nil {
		t.Fatal("invalid x-oss-acl accepted")
	}
	if ok, err := c.IsBucketExist(ctx, bucket); err != nil || !ok {
		t.Fatalf("IsBucketExist: %v %v", ok, err)
	}
	if ok, err := c.IsBucketExist(ctx, bucket+"-missing"); err != nil || ok {
		t.Fatalf("IsBucketExist(missing): %v %v", ok, err)
	}
	lb, err := c.ListBuckets(ctx, &v2.ListBucketsRequest{Prefix: v2.Ptr(bucket)})
	if err != nil || len(lb.Buckets) != 1 || v2.ToString(lb.Buckets[0].Name) != bucket ||
		v2.ToString(lb.Buckets[0].ExtranetEndpoint) == "" || v2.ToString(lb.Buckets[0].Location) != "oss-"+testRegion {
		t.Fatalf("ListBuckets: %+v %v", lb, err)
	}
	info, err := c.GetBucketInfo(ctx, &v2.GetBucketInfoRequest{Bucket: v2.Ptr(bucket)})
	if err != nil || v2.ToString(info.BucketInfo.Name) != bucket || v2.ToString(info.BucketInfo.ACL) != "private" ||
		info.BucketInfo.CreationDate == nil || v2.ToString(info.BucketInfo.SseRule.SSEAlgorithm) != "" {
		t.Fatalf("GetBucketInfo: %+v %v", info, err)
	}
	loc, err := c.GetBucketLocation(ctx, &v2.GetBucketLocationRequest{Bucket: v2.Ptr(bucket)})
	if err != nil || v2.ToString(loc.LocationConstraint) != "oss-"+testRegion {
		t.Fatalf("GetBucketLocation: %+v %v", loc, err)
	}
	if _, err := c.GetBucketStat(ctx, &v2.GetBucketStatRequest{Bucket: v2.Ptr(bucket)}); err != nil {
		t.Fatalf("GetBucketStat: %v", err)
	}
	if _, err := c.GetBucketVersioning(ctx, &v2.GetBucketVersioningRequest{Bucket: v2.Ptr(bucket)}); err != nil {
		t.Fatalf("GetBucketVersioning: %v", err)
	}
	if r, err := c.ListMultipartUploads(ctx, &v2.ListMultipartUploadsRequest{Bucket: v2.Ptr(bucket)}); err != nil || len(r.Uploads) != 0 {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if _, err := c.ListObjectVersions(ctx, &v2.ListObjectVersionsRequest{Bucket: v2.Ptr(bucket)}); err != nil {
		t.Fatalf("ListObjectVersions: %v", err)
	}

	// Put / Get / Head / Meta with metadata; the SDK checks CRC-64 itself.
	body := "The quick brown fox jumps over the lazy dog"
	pr, err := c.PutObject(ctx, &v2.PutObjectRequest{
		Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt"), Body: strings.NewReader(body),
		Metadata: map[string]string{"color": "blue"}, CacheControl: v2.Ptr("no-cache"),
		Expires: v2.Ptr("Thu, 01 Dec 1994 16:00:00 GMT"),
	})
	if err != nil || v2.ToString(pr.ETag) == "" || v2.ToString(pr.ContentMD5) == "" || v2.ToString(pr.HashCRC64) != fmtCRC(crcOf(body)) {
		t.Fatalf("PutObject: %+v %v", pr, err)
	}
	if pr.VersionId != nil {
		t.Fatal("version id on an unversioned bucket")
	}
	hr, err := c.HeadObject(ctx, &v2.HeadObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt")})
	if err != nil || hr.ContentLength != int64(len(body)) || v2.ToString(hr.ETag) != v2.ToString(pr.ETag) ||
		v2.ToString(hr.ObjectType) != "Normal" || v2.ToString(hr.StorageClass) != "Standard" ||
		v2.ToString(hr.ContentMD5) == "" || hr.Metadata["color"] != "blue" ||
		v2.ToString(hr.Expires) != "Thu, 01 Dec 1994 16:00:00 GMT" || v2.ToString(hr.ContentType) != "text/plain" {
		t.Fatalf("HeadObject: %+v %v", hr, err)
	}
	mr, err := c.GetObjectMeta(ctx, &v2.GetObjectMetaRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt")})
	if err != nil || mr.ContentLength != int64(len(body)) || v2.ToString(mr.HashCRC64) != fmtCRC(crcOf(body)) {
		t.Fatalf("GetObjectMeta: %+v %v", mr, err)
	}
	if ok, err := c.IsObjectExist(ctx, bucket, "doc.txt"); err != nil || !ok {
		t.Fatalf("IsObjectExist: %v %v", ok, err)
	}
	if ok, err := c.IsObjectExist(ctx, bucket, "missing"); err != nil || ok {
		t.Fatalf("IsObjectExist(missing): %v %v", ok, err)
	}
	if _, err := c.IsObjectExist(ctx, bucket+"-missing", "doc.txt"); v2Code(err) != "NoSuchBucket" {
		t.Fatalf("IsObjectExist(missing bucket) must fail with NoSuchBucket: %v", err)
	}
	_, err = c.HeadObject(ctx, &v2.HeadObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("missing")})
	var se *v2.ServiceError
	if !errors.As(err, &se) || se.Code != "NoSuchKey" || se.EC != "0026-00000001" || se.StatusCode != 404 {
		t.Fatalf("HeadObject(missing): %v", err)
	}
	gr, err := c.GetObject(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt"),
		Range: v2.Ptr("bytes=4-8"), RangeBehavior: v2.Ptr("standard"), ResponseContentType: v2.Ptr("text/x-fox")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(gr.Body)
	_ = gr.Body.Close()
	if string(got) != "quick" || v2.ToString(gr.ContentRange) != "bytes 4-8/43" || v2.ToString(gr.ContentType) != "text/x-fox" {
		t.Fatalf("ranged GetObject: %q %+v", got, gr)
	}
	if _, err := c.GetObject(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt"),
		IfNoneMatch: pr.ETag}); err == nil {
		t.Fatal("If-None-Match on the current ETag succeeded")
	}
	if _, err := c.PutObject(ctx, &v2.PutObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("bad"),
		Body: strings.NewReader("x"), ContentMD5: v2.Ptr("1B2M2Y8AsgTpgAmY7PhCfg==")}); v2Code(err) != "InvalidDigest" {
		t.Fatalf("wrong Content-MD5: %v", err)
	}
	// A body of unknown length goes out chunked.
	if _, err := c.PutObject(ctx, &v2.PutObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("chunked"),
		Body: io.MultiReader(strings.NewReader("chunk-"), strings.NewReader("body"))}); err != nil {
		t.Fatalf("chunked PutObject: %v", err)
	}
	if s, err := v2Get(ctx, c, bucket, "chunked"); err != nil || s != "chunk-body" {
		t.Fatalf("chunked object: %q %v", s, err)
	}

	// File download (CRC-64 checked by the SDK) and the downloader (ranged
	// GETs, ETag compared with its HEAD).
	dir := t.TempDir()
	if _, err := c.GetObjectToFile(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt")}, filepath.Join(dir, "a")); err != nil {
		t.Fatalf("GetObjectToFile: %v", err)
	}
	big := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB
	if err := v2Put(ctx, c, bucket, "big", big); err != nil {
		t.Fatal(err)
	}
	d := c.NewDownloader(func(o *v2.DownloaderOptions) { o.PartSize = 200 << 10; o.ParallelNum = 3 })
	if _, err := d.DownloadFile(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("big")}, filepath.Join(dir, "big")); err != nil {
		t.Fatalf("Downloader: %v", err)
	}

	// Append: CRC continued across appends, position errors.
	ar, err := c.AppendObject(ctx, &v2.AppendObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("log"),
		Position: v2.Ptr(int64(0)), Body: strings.NewReader("abc"), InitHashCRC64: v2.Ptr("0")})
	if err != nil || ar.NextPosition != 3 {
		t.Fatalf("append 1: %+v %v", ar, err)
	}
	ar, err = c.AppendObject(ctx, &v2.AppendObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("log"),
		Position: v2.Ptr(int64(3)), Body: strings.NewReader("def"), InitHashCRC64: ar.HashCRC64})
	if err != nil || ar.NextPosition != 6 || v2.ToString(ar.HashCRC64) != fmtCRC(crcOf("abcdef")) {
		t.Fatalf("append 2: %+v %v", ar, err)
	}
	if _, err := c.AppendObject(ctx, &v2.AppendObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("log"),
		Position: v2.Ptr(int64(1)), Body: strings.NewReader("x")}); v2Code(err) != "PositionNotEqualToLength" {
		t.Fatalf("append at wrong position: %v", err)
	}
	if _, err := c.AppendObject(ctx, &v2.AppendObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt"),
		Position: v2.Ptr(int64(43)), Body: strings.NewReader("x")}); v2Code(err) != "ObjectNotAppendable" {
		t.Fatalf("append to a Normal object: %v", err)
	}
	af, err := c.AppendFile(ctx, bucket, "log")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := af.Write([]byte("ghi")); err != nil {
		t.Fatalf("AppendFile: %v", err)
	}
	_ = af.Close()
	if s, _ := v2Get(ctx, c, bucket, "log"); s != "abcdefghi" {
		t.Fatalf("appended object %q", s)
	}

	// Copy: COPY keeps metadata, REPLACE replaces it, missing source.
	for _, key := range []string{"copy src", "a+b c"} {
		cr, err := c.CopyObject(ctx, &v2.CopyObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr(key),
			SourceBucket: v2.Ptr(bucket), SourceKey: v2.Ptr("doc.txt")})
		if err != nil || v2.ToString(cr.ETag) != v2.ToString(pr.ETag) || cr.LastModified == nil || v2.ToString(cr.HashCRC64) == "" {
			t.Fatalf("CopyObject %q: %+v %v", key, cr, err)
		}
		if _, err := c.CopyObject(ctx, &v2.CopyObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr(key + "2"),
			SourceBucket: v2.Ptr(bucket), SourceKey: v2.Ptr(key)}); err != nil {
			t.Fatalf("CopyObject from %q: %v", key, err)
		}
	}
	if _, err := c.CopyObject(ctx, &v2.CopyObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt"),
		SourceBucket: v2.Ptr(bucket), SourceKey: v2.Ptr("doc.txt"), MetadataDirective: v2.Ptr("REPLACE"),
		Metadata: map[string]string{"shape": "round"}}); err != nil {
		t.Fatalf("CopyObject REPLACE in place: %v", err)
	}
	hr, err = c.HeadObject(ctx, &v2.HeadObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt")})
	if err != nil || hr.Metadata["shape"] != "round" || hr.Metadata["color"] != "" {
		t.Fatalf("metadata after REPLACE: %+v %v", hr.Metadata, err)
	}
	if _, err := c.CopyObject(ctx, &v2.CopyObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("c"),
		SourceBucket: v2.Ptr(bucket), SourceKey: v2.Ptr("missing")}); v2Code(err) != "NoSuchKey" {
		t.Fatalf("copy from a missing source: %v", err)
	}

	// ACLs.
	if _, err := c.PutObjectAcl(ctx, &v2.PutObjectAclRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt"), Acl: v2.ObjectACLPublicRead}); err != nil {
		t.Fatalf("PutObjectAcl: %v", err)
	}
	if r, err := c.GetObjectAcl(ctx, &v2.GetObjectAclRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt")}); err != nil || v2.ToString(r.ACL) != "public-read" {
		t.Fatalf("GetObjectAcl: %+v %v", r, err)
	}
	if r, err := c.GetBucketAcl(ctx, &v2.GetBucketAclRequest{Bucket: v2.Ptr(bucket)}); err != nil || v2.ToString(r.ACL) != "private" {
		t.Fatalf("GetBucketAcl: %+v %v", r, err)
	}

	// Special keys through put, list (both versions, paged), get and
	// multi-delete.
	for _, k := range specialKeys {
		if err := v2Put(ctx, c, bucket, "sp/"+k, k); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
		if s, err := v2Get(ctx, c, bucket, "sp/"+k); err != nil || s != k {
			t.Fatalf("get %q: %q %v", k, s, err)
		}
	}
	var listed []string
	p := c.NewListObjectsV2Paginator(&v2.ListObjectsV2Request{Bucket: v2.Ptr(bucket), Prefix: v2.Ptr("sp/"), MaxKeys: 2})
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			listed = append(listed, strings.TrimPrefix(v2.ToString(o.Key), "sp/"))
		}
	}
	if len(listed) != len(specialKeys) {
		t.Fatalf("ListObjectsV2 paged: %q", listed)
	}
	var v1Listed []string
	p1 := c.NewListObjectsPaginator(&v2.ListObjectsRequest{Bucket: v2.Ptr(bucket), Prefix: v2.Ptr("sp/"), Delimiter: v2.Ptr("/"), MaxKeys: 3})
	for p1.HasNext() {
		page, err := p1.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			v1Listed = append(v1Listed, v2.ToString(o.Key))
		}
		for _, cp := range page.CommonPrefixes {
			v1Listed = append(v1Listed, v2.ToString(cp.Prefix))
		}
	}
	sort.Strings(v1Listed)
	if strings.Join(v1Listed, "|") != strings.Join(v1Expected(), "|") {
		t.Fatalf("ListObjects with delimiter: %q, want %q", v1Listed, v1Expected())
	}
	lo, err := c.ListObjects(ctx, &v2.ListObjectsRequest{Bucket: v2.Ptr(bucket)})
	if err != nil || lo.MaxKeys != 100 {
		t.Fatalf("default MaxKeys: %+v %v", lo, err)
	}
	var objs []v2.DeleteObject
	for _, k := range specialKeys {
		objs = append(objs, v2.DeleteObject{Key: v2.Ptr("sp/" + k)})
	}
	dr, err := c.DeleteMultipleObjects(ctx, &v2.DeleteMultipleObjectsRequest{Bucket: v2.Ptr(bucket), Objects: objs})
	if err != nil || len(dr.DeletedObjects) != len(specialKeys) {
		t.Fatalf("DeleteMultipleObjects: %+v %v", dr, err)
	}
	for i, d := range dr.DeletedObjects {
		if v2.ToString(d.Key) != "sp/"+specialKeys[i] {
			t.Errorf("deleted[%d] = %q", i, v2.ToString(d.Key))
		}
	}

	// Presigned URLs: GET and PUT.
	ps, err := c.Presign(ctx, &v2.GetObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("doc.txt")})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(ps.URL)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || string(got) != body {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, got)
	}
	ps, err = c.Presign(ctx, &v2.PutObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("presigned put")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(ps.Method, ps.URL, strings.NewReader("via url"))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d", resp.StatusCode)
	}

	// Deleting: objects, then the bucket.
	if _, err := c.DeleteBucket(ctx, &v2.DeleteBucketRequest{Bucket: v2.Ptr(bucket)}); v2Code(err) != "BucketNotEmpty" {
		t.Fatalf("DeleteBucket(non-empty): %v", err)
	}
	lp := c.NewListObjectsV2Paginator(&v2.ListObjectsV2Request{Bucket: v2.Ptr(bucket)})
	for lp.HasNext() {
		page, err := lp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			if _, err := c.DeleteObject(ctx, &v2.DeleteObjectRequest{Bucket: v2.Ptr(bucket), Key: o.Key}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := c.DeleteObject(ctx, &v2.DeleteObjectRequest{Bucket: v2.Ptr(bucket), Key: v2.Ptr("never")}); err != nil {
		t.Fatalf("DeleteObject(missing): %v", err)
	}
	dbr, err := c.DeleteBucket(ctx, &v2.DeleteBucketRequest{Bucket: v2.Ptr(bucket)})
	if err != nil || dbr.Status != "204 No Content" {
		t.Fatalf("DeleteBucket: %+v %v", dbr, err)
	}
	_, err = c.GetBucketInfo(ctx, &v2.GetBucketInfoRequest{Bucket: v2.Ptr(bucket)})
	if !errors.As(err, &se) || se.Code != "NoSuchBucket" || se.Message != "The specified bucket does not exist." || se.EC != "0015-00000101" {
		t.Fatalf("deleted bucket: %v", err)
	}
}

// v1Expected is the delimiter listing of specialKeys under "sp/".
func v1Expected() []string {
	return []string{"sp/a b+c", "sp/amp&<>\"'", "sp/ctl\x01\x1f", "sp/dir/", "sp/end/", "sp/plain.txt", "sp/tab\tkey", "sp/x%2Fy", "sp/日本/"}
}

func TestV1SDK(t *testing.T) {
	n := startTestNode(t, testConfig(t, t.TempDir()))
	for _, tc := range []struct {
		name string
		opts []v1.ClientOption
	}{
		{"V1", nil},
		{"V4", []v1.ClientOption{v1.AuthVersion(v1.AuthV4), v1.Region(testRegion)}},
		{"V2", []v1.ClientOption{v1.AuthVersion(v1.AuthV2)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v1.New(n.endpoint(), testRootID, testRootSecret, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			runV1Scenario(t, c, "v1-"+strings.ToLower(tc.name))
		})
	}
}

func v1Code(err error) string {
	var se v1.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	if err == nil {
		return "<nil>"
	}
	return "not a service error: " + err.Error()
}

func runV1Scenario(t *testing.T, c *v1.Client, bucketName string) {
	if err := c.CreateBucket(bucketName); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateBucket(bucketName+"-acl", v1.ACL("nonsense")); err == nil {
		t.Fatal("invalid x-oss-acl accepted")
	}
	if err := c.CreateBucket(bucketName+"-arch", v1.StorageClass(v1.StorageArchive)); err != nil {
		t.Fatalf("CreateBucket(Archive): %v", err)
	}
	if ok, err := c.IsBucketExist(bucketName); err != nil || !ok {
		t.Fatalf("IsBucketExist: %v %v", ok, err)
	}
	if _, err := c.IsBucketExist("BucketNameInvalid"); err == nil {
		t.Fatal("IsBucketExist with an invalid name succeeded")
	}
	info, err := c.GetBucketInfo(bucketName)
	if err != nil || info.BucketInfo.Name != bucketName || info.BucketInfo.Location != "oss-"+testRegion || info.BucketInfo.ACL != "private" {
		t.Fatalf("GetBucketInfo: %+v %v", info, err)
	}
	if loc, err := c.GetBucketLocation(bucketName); err != nil || loc != "oss-"+testRegion {
		t.Fatalf("GetBucketLocation: %q %v", loc, err)
	}
	if acl, err := c.GetBucketACL(bucketName); err != nil || acl.ACL != "private" {
		t.Fatalf("GetBucketACL: %+v %v", acl, err)
	}
	b, err := c.Bucket(bucketName)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ListMultipartUploads(); err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	if _, err := b.ListObjectVersions(); err != nil {
		t.Fatalf("ListObjectVersions: %v", err)
	}
	if _, err := b.ListLiveChannel(); err != nil {
		t.Fatalf("ListLiveChannel: %v", err)
	}

	body := "hello from the v1 sdk"
	if err := b.PutObject("a/b c+d.txt", strings.NewReader(body), v1.Meta("Owner", "me"), v1.ObjectACL(v1.ACLPublicRead)); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	hdr, err := b.GetObjectDetailedMeta("a/b c+d.txt")
	if err != nil || hdr.Get("X-Oss-Meta-Owner") != "me" || hdr.Get("Content-Length") != strconv.Itoa(len(body)) ||
		hdr.Get("X-Oss-Request-Id") == "" || hdr.Get("Etag") == "" {
		t.Fatalf("GetObjectDetailedMeta: %v %v", hdr, err)
	}
	if _, err := b.GetObjectDetailedMeta("missing"); v1Code(err) != "NoSuchKey" {
		t.Fatalf("HEAD missing: %v", err)
	}
	if ok, err := b.IsObjectExist("a/b c+d.txt"); err != nil || !ok {
		t.Fatalf("IsObjectExist: %v %v", ok, err)
	}
	if ok, err := b.IsObjectExist("missing"); err != nil || ok {
		t.Fatalf("IsObjectExist(missing): %v %v", ok, err)
	}
	rc, err := b.GetObject("a/b c+d.txt", v1.Range(6, 9))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	_ = rc.Close()
	if string(got) != "from" {
		t.Fatalf("range: %q", got)
	}
	rc, err = b.GetObject("a/b c+d.txt", v1.NormalizedRange("15-1000"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(rc)
	_ = rc.Close()
	if string(got) != body {
		t.Fatalf("out-of-bounds range must return the whole object: %q", got)
	}
	dir := t.TempDir()
	if err := b.GetObjectToFile("a/b c+d.txt", filepath.Join(dir, "f")); err != nil {
		t.Fatalf("GetObjectToFile: %v", err)
	}
	if err := b.PutObject("md5", strings.NewReader("x"), v1.ContentMD5("1B2M2Y8AsgTpgAmY7PhCfg==")); v1Code(err) != "InvalidDigest" {
		t.Fatalf("wrong Content-MD5: %v", err)
	}
	if err := b.PutObject("cond", strings.NewReader("x"), v1.IfMatch(`"x"`)); err == nil {
		t.Fatal("PutObject with If-Match succeeded")
	}

	// Append with CRC continuation.
	next, err := b.AppendObject("log", strings.NewReader("12345"), 0)
	if err != nil || next != 5 {
		t.Fatalf("AppendObject: %d %v", next, err)
	}
	res, err := b.DoAppendObject(&v1.AppendObjectRequest{ObjectKey: "log", Reader: strings.NewReader("678"), Position: 5}, []v1.Option{v1.InitCRC(crcOf("12345"))})
	if err != nil || res.NextPosition != 8 || res.CRC != crcOf("12345678") {
		t.Fatalf("DoAppendObject: %+v %v", res, err)
	}
	if _, err := b.AppendObject("log", strings.NewReader("x"), 3); v1Code(err) != "PositionNotEqualToLength" {
		t.Fatalf("wrong position: %v", err)
	}

	// Copy, SetObjectMeta (copy in place with REPLACE), cross bucket.
	if _, err := b.CopyObject("a/b c+d.txt", "copy of+it"); err != nil {
		t.Fatalf("CopyObject: %v", err)
	}
	if _, err := b.CopyObjectTo(bucketName+"-arch", "x y", "copy of+it"); err != nil {
		t.Fatalf("CopyObjectTo: %v", err)
	}
	if err := b.SetObjectMeta("copy of+it", v1.Meta("new", "v")); err != nil {
		t.Fatalf("SetObjectMeta: %v", err)
	}
	hdr, err = b.GetObjectDetailedMeta("copy of+it")
	if err != nil || hdr.Get("X-Oss-Meta-New") != "v" || hdr.Get("X-Oss-Meta-Owner") != "" {
		t.Fatalf("after SetObjectMeta: %v %v", hdr, err)
	}
	if _, err := b.CopyObject("missing", "x"); v1Code(err) != "NoSuchKey" {
		t.Fatalf("copy from missing: %v", err)
	}
	if acl, err := b.GetObjectACL("a/b c+d.txt"); err != nil || acl.ACL != "public-read" {
		t.Fatalf("GetObjectACL: %+v %v", acl, err)
	}

	// Listing and deleting special keys.
	for _, k := range specialKeys {
		if err := b.PutObject("sp/"+k, strings.NewReader(k)); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	var listed []string
	marker := ""
	for {
		lr, err := b.ListObjects(v1.Prefix("sp/"), v1.Delimiter("/"), v1.MaxKeys(2), v1.Marker(marker))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range lr.Objects {
			listed = append(listed, o.Key)
		}
		listed = append(listed, lr.CommonPrefixes...)
		if !lr.IsTruncated {
			break
		}
		marker = lr.NextMarker
	}
	if len(listed) != len(v1Expected()) {
		t.Fatalf("ListObjects paged: %q", listed)
	}
	var v2Listed []string
	token := ""
	for {
		opts := []v1.Option{v1.Prefix("sp/"), v1.MaxKeys(3)}
		if token != "" {
			opts = append(opts, v1.ContinuationToken(token))
		}
		lr, err := b.ListObjectsV2(opts...)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range lr.Objects {
			v2Listed = append(v2Listed, o.Key)
		}
		if !lr.IsTruncated {
			break
		}
		token = lr.NextContinuationToken
	}
	if len(v2Listed) != len(specialKeys) {
		t.Fatalf("ListObjectsV2 paged: %q", v2Listed)
	}
	var keys []string
	for _, k := range specialKeys {
		keys = append(keys, "sp/"+k)
	}
	dr, err := b.DeleteObjects(keys)
	if err != nil || len(dr.DeletedObjects) != len(keys) {
		t.Fatalf("DeleteObjects: %+v %v", dr, err)
	}
	if _, err := b.DeleteObjects(keys, v1.DeleteObjectsQuiet(true)); err != nil {
		t.Fatalf("DeleteObjects quiet: %v", err)
	}
	if _, err := b.DeleteObjects(nil); err == nil {
		t.Fatal("DeleteObjects with no keys succeeded")
	}

	// Presigned URLs (the v1 SDK escapes "/" in the path).
	u, err := b.SignURL("a/b c+d.txt", v1.HTTPGet, 60)
	if err != nil {
		t.Fatal(err)
	}
	rc, err = b.GetObjectWithURL(u)
	if err != nil {
		t.Fatalf("GetObjectWithURL: %v", err)
	}
	got, _ = io.ReadAll(rc)
	_ = rc.Close()
	if string(got) != body {
		t.Fatalf("presigned: %q", got)
	}
	u, err = b.SignURL("presigned/put", v1.HTTPPut, 60)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.PutObjectWithURL(u, strings.NewReader("put via url")); err != nil {
		t.Fatalf("PutObjectWithURL: %v", err)
	}

	if err := c.DeleteBucket(bucketName); v1Code(err) != "BucketNotEmpty" {
		t.Fatalf("DeleteBucket(non-empty): %v", err)
	}
	for {
		lr, err := b.ListObjects(v1.MaxKeys(1000))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range lr.Objects {
			if err := b.DeleteObject(o.Key); err != nil {
				t.Fatal(err)
			}
		}
		if !lr.IsTruncated {
			break
		}
	}
	if err := c.DeleteBucket(bucketName); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	if err := c.DeleteBucket(bucketName); v1Code(err) != "NoSuchBucket" {
		t.Fatalf("DeleteBucket(missing): %v", err)
	}
}

// TestRawProtocol checks details no SDK reveals.
func TestRawProtocol(t *testing.T) {
	n := startTestNode(t, testConfig(t, t.TempDir()))
	c := newV2Client(n.endpoint(), testRootID, testRootSecret, false)
	ctx := t.Context()
	if _, err := c.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("raw")}); err != nil {
		t.Fatal(err)
	}
	// Anonymous requests to a private bucket are refused with 403, never 401.
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPut} {
		req, _ := http.NewRequest(m, n.endpoint()+"/raw/k", bytes.NewReader(nil))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Oss-Request-Id") == "" {
			t.Fatalf("anonymous %s: %d", m, resp.StatusCode)
		}
		if m == http.MethodHead && resp.Header.Get("X-Oss-Err") == "" {
			t.Fatal("HEAD error without x-oss-err")
		}
	}
	// An expired presigned URL is AccessDenied "Request has expired.".
	req, _ := http.NewRequest(http.MethodGet, n.endpoint()+"/raw/k", nil)
	auth.PresignV1(req, "raw", "k", testRootID, testRootSecret, time.Now().Add(-time.Minute))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !bytes.Contains(b, []byte("<Message>Request has expired.</Message>")) {
		t.Fatalf("expired URL: %d %s", resp.StatusCode, b)
	}
	// A stale Date is RequestTimeTooSkewed; the same request signed now works.
	for _, tc := range []struct {
		at     time.Time
		status int
	}{{time.Now().Add(-time.Hour), http.StatusForbidden}, {time.Now(), http.StatusOK}} {
		req, _ := http.NewRequest(http.MethodGet, n.endpoint()+"/raw/?acl", nil)
		auth.SignRequestV1(req, "raw", "", testRootID, testRootSecret, tc.at)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != tc.status || (tc.status == 403 && !bytes.Contains(b, []byte("<Code>RequestTimeTooSkewed</Code>"))) {
			t.Fatalf("signed at %v: %d %s", tc.at, resp.StatusCode, b)
		}
	}
}

// TestVirtualHostStyle drives both SDKs in their default addressing for DNS
// endpoints: "<bucket>.<domain>". Every name resolves to the test node.
func TestVirtualHostStyle(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Domain = "oss.koss.test"
	n := startTestNode(t, cfg)
	_, port, _ := net.SplitHostPort(n.srv.Addr())
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	var mu sync.Mutex
	dialed := map[string]bool{}
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dialed[addr] = true
			mu.Unlock()
			return dialer.DialContext(ctx, network, n.srv.Addr())
		},
	}}
	endpoint := "http://oss.koss.test:" + port
	ctx := t.Context()

	c2 := v2.NewClient(v2.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(testRootID, testRootSecret)).
		WithRegion(testRegion).WithEndpoint(endpoint).WithHttpClient(hc).WithRetryMaxAttempts(1))
	if _, err := c2.PutBucket(ctx, &v2.PutBucketRequest{Bucket: v2.Ptr("vhost")}); err != nil {
		t.Fatalf("v2 PutBucket: %v", err)
	}
	if err := v2Put(ctx, c2, "vhost", "dir/a b", "virtual"); err != nil {
		t.Fatalf("v2 PutObject: %v", err)
	}
	if s, err := v2Get(ctx, c2, "vhost", "dir/a b"); err != nil || s != "virtual" {
		t.Fatalf("v2 GetObject: %q %v", s, err)
	}
	lb, err := c2.ListBuckets(ctx, &v2.ListBucketsRequest{})
	if err != nil || len(lb.Buckets) != 1 || v2.ToString(lb.Buckets[0].ExtranetEndpoint) != "oss.koss.test:"+port {
		t.Fatalf("v2 ListBuckets: %+v %v", lb, err)
	}

	c1, err := v1.New(endpoint, testRootID, testRootSecret, v1.HTTPClient(hc), v1.AuthVersion(v1.AuthV4), v1.Region(testRegion))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c1.Bucket("vhost")
	rc, err := b.GetObject("dir/a b")
	if err != nil {
		t.Fatalf("v1 GetObject: %v", err)
	}
	got, _ := io.ReadAll(rc)
	_ = rc.Close()
	if string(got) != "virtual" {
		t.Fatalf("v1 GetObject: %q", got)
	}
	lr, err := b.ListObjects()
	if err != nil || len(lr.Objects) != 1 {
		t.Fatalf("v1 ListObjects: %+v %v", lr, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !dialed["vhost.oss.koss.test:"+port] || !dialed["oss.koss.test:"+port] {
		t.Fatalf("the SDKs did not address the bucket by host: dialed %v", dialed)
	}
}
