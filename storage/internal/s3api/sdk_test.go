package s3api

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/koss-io/koss/storage/internal/object"
)

// The aws-sdk-go-v2 tests run over plain HTTP (hex payload digests,
// checksum headers) and TLS (aws-chunked bodies with trailing checksums),
// path style and virtual-host style.
var sdkModes = []struct {
	name         string
	tls, virtual bool
}{
	{"http-path", false, false},
	{"http-vhost", false, true},
	{"tls-path", true, false},
	{"tls-vhost", true, true},
}

func TestSDKObjectRoundTrip(t *testing.T) {
	for _, m := range sdkModes {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t, m.tls)
			c := e.sdk(rootID, rootSecret, m.virtual)
			ctx := t.Context()
			must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
			// Re-creating one's own bucket fails with 409
			// BucketAlreadyOwnedByYou, as S3 outside us-east-1 and
			// MinIO answer (minio-go's suite checks it).
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")})
			wantCode(t, "CreateBucket again", err, "BucketAlreadyOwnedByYou", 409)
			hb := must[*s3.HeadBucketOutput](t, "HeadBucket")(c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("bkt")}))
			if aws.ToString(hb.BucketRegion) != "us-east-1" {
				t.Errorf("HeadBucket region %q", aws.ToString(hb.BucketRegion))
			}
			data := strings.Repeat("hello s3 ", 1000)
			put := must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{
				Bucket: aws.String("bkt"), Key: aws.String("dir/a b+c.txt"), Body: strings.NewReader(data),
				ContentType: aws.String("text/plain"), Metadata: map[string]string{"color": "blue"},
			}))
			sum := md5.Sum([]byte(data))
			wantETag := `"` + hex.EncodeToString(sum[:]) + `"`
			if aws.ToString(put.ETag) != wantETag {
				t.Errorf("PutObject ETag %s, want %s (lower-case hex)", aws.ToString(put.ETag), wantETag)
			}
			// The SDK sent a CRC32 by default; it was verified and is echoed.
			if put.ChecksumCRC32 == nil {
				t.Errorf("PutObject returned no CRC32: the default checksum was not taken")
			}
			got := must[*s3.GetObjectOutput](t, "GetObject")(c.GetObject(ctx, &s3.GetObjectInput{
				Bucket: aws.String("bkt"), Key: aws.String("dir/a b+c.txt"), ChecksumMode: types.ChecksumModeEnabled}))
			if body := readAll(t, got.Body); body != data {
				t.Fatalf("GetObject body %d bytes, want %d", len(body), len(data))
			}
			if aws.ToString(got.ContentType) != "text/plain" || got.Metadata["color"] != "blue" || aws.ToString(got.ETag) != wantETag {
				t.Errorf("GetObject headers: type %q meta %v etag %q", aws.ToString(got.ContentType), got.Metadata, aws.ToString(got.ETag))
			}
			head := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/a b+c.txt")}))
			if aws.ToInt64(head.ContentLength) != int64(len(data)) {
				t.Errorf("HeadObject length %d", aws.ToInt64(head.ContentLength))
			}
			// Range and response overrides.
			rg := must[*s3.GetObjectOutput](t, "ranged GetObject")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"),
				Key: aws.String("dir/a b+c.txt"), Range: aws.String("bytes=6-7"), ResponseContentType: aws.String("x/y"),
				ResponseContentDisposition: aws.String("attachment")}))
			if body := readAll(t, rg.Body); body != "s3" || aws.ToString(rg.ContentType) != "x/y" ||
				aws.ToString(rg.ContentDisposition) != "attachment" || aws.ToString(rg.ContentRange) != fmt.Sprintf("bytes 6-7/%d", len(data)) {
				t.Errorf("ranged get: %q %q %q %q", body, aws.ToString(rg.ContentType), aws.ToString(rg.ContentDisposition), aws.ToString(rg.ContentRange))
			}
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/a b+c.txt"), Range: aws.String("bytes=100000-")})
			wantCode(t, "unsatisfiable range", err, "InvalidRange", 416)
			// Listings, v1 and v2.
			for _, k := range []string{"dir/x", "dir/y", "top"} {
				must[*s3.PutObjectOutput](t, "PutObject "+k)(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(k), Body: strings.NewReader(k)}))
			}
			l2 := must[*s3.ListObjectsV2Output](t, "ListObjectsV2")(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), Delimiter: aws.String("/")}))
			if len(l2.Contents) != 1 || aws.ToString(l2.Contents[0].Key) != "top" || len(l2.CommonPrefixes) != 1 || aws.ToString(l2.CommonPrefixes[0].Prefix) != "dir/" {
				t.Errorf("ListObjectsV2 with delimiter: %+v %+v", l2.Contents, l2.CommonPrefixes)
			}
			var keys []string
			p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), MaxKeys: aws.Int32(1), FetchOwner: aws.Bool(true)})
			for p.HasMorePages() {
				page := must[*s3.ListObjectsV2Output](t, "ListObjectsV2 page")(p.NextPage(ctx))
				for _, o := range page.Contents {
					keys = append(keys, aws.ToString(o.Key))
					if o.Owner == nil || o.StorageClass != types.ObjectStorageClassStandard || !strings.HasPrefix(aws.ToString(o.ETag), `"`) {
						t.Errorf("entry %+v: want owner, STANDARD, quoted ETag", o)
					}
				}
			}
			if strings.Join(keys, ",") != "dir/a b+c.txt,dir/x,dir/y,top" {
				t.Errorf("paged ListObjectsV2: %v", keys)
			}
			sa := must[*s3.ListObjectsV2Output](t, "start-after")(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt"), StartAfter: aws.String("dir/y")}))
			if len(sa.Contents) != 1 || aws.ToString(sa.Contents[0].Key) != "top" {
				t.Errorf("start-after: %+v", sa.Contents)
			}
			l1 := must[*s3.ListObjectsOutput](t, "ListObjects")(c.ListObjects(ctx, &s3.ListObjectsInput{Bucket: aws.String("bkt"), Prefix: aws.String("dir/"), Marker: aws.String("dir/x"), EncodingType: types.EncodingTypeUrl}))
			if len(l1.Contents) != 1 || aws.ToString(l1.Contents[0].Key) != "dir/y" {
				t.Errorf("ListObjects v1 with marker: %+v", l1.Contents)
			}
			lv := must[*s3.ListObjectVersionsOutput](t, "ListObjectVersions")(c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("bkt")}))
			if len(lv.Versions) != 4 || aws.ToString(lv.Versions[0].VersionId) != "null" || !aws.ToBool(lv.Versions[0].IsLatest) {
				t.Errorf("ListObjectVersions: %+v", lv.Versions)
			}
			lb := must[*s3.ListBucketsOutput](t, "ListBuckets")(c.ListBuckets(ctx, &s3.ListBucketsInput{}))
			if len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "bkt" {
				t.Errorf("ListBuckets: %+v", lb.Buckets)
			}
			// Delete: DeleteBucket refuses a bucket with objects.
			_, err = c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("bkt")})
			wantCode(t, "DeleteBucket of a full bucket", err, "BucketNotEmpty", 409)
			// DeleteObjects as the SDK sends it now: a CRC32, no Content-MD5.
			do := must[*s3.DeleteObjectsOutput](t, "DeleteObjects")(c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"),
				Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("dir/x")}, {Key: aws.String("dir/y")}, {Key: aws.String("missing")}}}}))
			if len(do.Deleted) != 3 || len(do.Errors) != 0 {
				t.Errorf("DeleteObjects: %+v %+v", do.Deleted, do.Errors)
			}
			quiet := must[*s3.DeleteObjectsOutput](t, "quiet DeleteObjects")(c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("bkt"),
				Delete: &types.Delete{Quiet: aws.Bool(true), Objects: []types.ObjectIdentifier{{Key: aws.String("top")}}}}))
			if len(quiet.Deleted) != 0 {
				t.Errorf("quiet DeleteObjects listed %+v", quiet.Deleted)
			}
			if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/a b+c.txt")}); err != nil {
				t.Fatal(err)
			}
			_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/a b+c.txt")})
			if httpStatus(err) != 404 {
				t.Errorf("HeadObject after delete: %v, want 404", err)
			}
			_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/a b+c.txt")})
			wantCode(t, "GetObject after delete", err, "NoSuchKey", 404)
			must[*s3.DeleteBucketOutput](t, "DeleteBucket")(c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("bkt")}))
			_, err = c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("bkt")})
			if httpStatus(err) != 404 {
				t.Errorf("HeadBucket after delete: %v, want 404", err)
			}
			_, err = c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bkt")})
			wantCode(t, "list a deleted bucket", err, "NoSuchBucket", 404)
		})
	}
}

// What must never happen: a request with a wrong secret, an unknown key,
// or without a grant is served; a missing bucket looks like a refusal.
func TestSDKAuthorization(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("priv")}))
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("pub"), ACL: types.BucketCannedACLPublicRead}))
	must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("priv"), Key: aws.String("k"), Body: strings.NewReader("v")}))
	must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("pub"), Key: aws.String("k"), Body: strings.NewReader("v")}))

	_, err := e.sdk(rootID, "wrong-secret", false).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("priv"), Key: aws.String("k")})
	wantCode(t, "wrong secret", err, "SignatureDoesNotMatch", 403)
	_, err = e.sdk("NOSUCHKEY", "x", false).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("priv"), Key: aws.String("k")})
	wantCode(t, "unknown key", err, "InvalidAccessKeyId", 403)

	e.addKey("reader", map[string]object.Access{"priv": object.AccessRead})
	rd := e.sdk("reader", "reader-secret", false)
	out := must[*s3.GetObjectOutput](t, "reader GetObject")(rd.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("priv"), Key: aws.String("k")}))
	if readAll(t, out.Body) != "v" {
		t.Fatal("reader read the wrong bytes")
	}
	_, err = rd.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("priv"), Key: aws.String("k2"), Body: strings.NewReader("v")})
	wantCode(t, "reader PutObject", err, "AccessDenied", 403)
	if _, err := e.store.HeadObject(ctx, "priv", "k2"); err == nil {
		t.Fatal("a refused PutObject stored the object")
	}
	_, err = rd.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("priv")})
	wantCode(t, "reader DeleteBucket", err, "AccessDenied", 403)
	_, err = rd.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("newone")})
	wantCode(t, "reader CreateBucket", err, "AccessDenied", 403)
	lb := must[*s3.ListBucketsOutput](t, "reader ListBuckets")(rd.ListBuckets(ctx, &s3.ListBucketsInput{}))
	if len(lb.Buckets) != 1 || aws.ToString(lb.Buckets[0].Name) != "priv" {
		t.Errorf("reader sees buckets %+v, want only priv", lb.Buckets)
	}
	_, err = rd.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("nosuch"), Key: aws.String("k")})
	wantCode(t, "missing bucket", err, "NoSuchBucket", 404)

	// A writer re-creating a bucket it has a grant on hears
	// BucketAlreadyOwnedByYou (rclone and others accept it).
	e.addKey("writer", map[string]object.Access{"priv": object.AccessReadWrite})
	_, err = e.sdk("writer", "writer-secret", false).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("priv")})
	wantCode(t, "writer CreateBucket", err, "BucketAlreadyOwnedByYou", 409)
	// A bucket another owner made (the admin API) is BucketAlreadyExists
	// even for root, and stays as it was.
	if err := e.store.CreateBucket(ctx, "admin-made", object.BucketOptions{Owner: "ns/b/uid"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("admin-made")})
	wantCode(t, "root CreateBucket of another owner's bucket", err, "BucketAlreadyExists", 409)
	if info, err := e.store.GetBucket(ctx, "admin-made"); err != nil || info.Owner != "ns/b/uid" {
		t.Errorf("admin-made after CreateBucket: %+v, %v", info, err)
	}

	// Anonymous: public-read buckets may be read, nothing else.
	anon := func(method, path string) *http.Response {
		req, _ := http.NewRequestWithContext(ctx, method, e.srv.URL+path, nil)
		req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
		res, err := e.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		return res
	}
	if res := anon("GET", "/pub/k"); res.StatusCode != 200 {
		t.Errorf("anonymous GET of a public-read object: %d", res.StatusCode)
	}
	if res := anon("GET", "/priv/k"); res.StatusCode != 403 {
		t.Errorf("anonymous GET of a private object: %d, want 403", res.StatusCode)
	}
	if res := anon("DELETE", "/pub/k"); res.StatusCode != 403 {
		t.Errorf("anonymous DELETE in a public-read bucket: %d, want 403", res.StatusCode)
	}
	if res := anon("GET", "/"); res.StatusCode != 403 {
		t.Errorf("anonymous ListBuckets: %d, want 403", res.StatusCode)
	}
	acl := must[*s3.GetBucketAclOutput](t, "GetBucketAcl")(c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String("pub")}))
	if len(acl.Grants) != 2 || acl.Grants[1].Permission != types.PermissionRead || acl.Grants[1].Grantee.Type != types.TypeGroup {
		t.Errorf("GetBucketAcl of a public-read bucket: %+v", acl.Grants)
	}
	// PutObjectAcl makes one private object public.
	must[*s3.PutObjectAclOutput](t, "PutObjectAcl")(c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: aws.String("priv"), Key: aws.String("k"), ACL: types.ObjectCannedACLPublicRead}))
	if res := anon("GET", "/priv/k"); res.StatusCode != 200 {
		t.Errorf("anonymous GET after PutObjectAcl public-read: %d", res.StatusCode)
	}
	oacl := must[*s3.GetObjectAclOutput](t, "GetObjectAcl")(c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String("priv"), Key: aws.String("k")}))
	if len(oacl.Grants) != 2 {
		t.Errorf("GetObjectAcl: %+v", oacl.Grants)
	}
	must[*s3.PutBucketAclOutput](t, "PutBucketAcl same")(c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("pub"), ACL: types.BucketCannedACLPublicRead}))
	// Changing it takes effect for anonymous requests at once (more in
	// bucketacl_test.go).
	must[*s3.PutBucketAclOutput](t, "PutBucketAcl private")(c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("pub"), ACL: types.BucketCannedACLPrivate}))
	if res := anon("GET", "/pub/k"); res.StatusCode != 403 {
		t.Errorf("anonymous GET after PutBucketAcl private: %d, want 403", res.StatusCode)
	}
}

// Unsupported operations answer 501 NotImplemented in S3's form; the
// versioning state tools read is an empty configuration.
func TestSDKUnsupported(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}}))
	v := must[*s3.GetBucketVersioningOutput](t, "GetBucketVersioning")(c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("bkt")}))
	if v.Status != "" {
		t.Errorf("versioning status %q", v.Status)
	}
	loc := must[*s3.GetBucketLocationOutput](t, "GetBucketLocation")(c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("bkt")}))
	if loc.LocationConstraint != "" {
		t.Errorf("location %q, want us-east-1 as empty", loc.LocationConstraint)
	}
	// CORS is implemented (cors_test.go): a bucket without rules is 404.
	_, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String("bkt")})
	wantCode(t, "GetBucketCors", err, "NoSuchCORSConfiguration", 404)
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String("bkt"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	wantCode(t, "PutBucketVersioning", err, "NotImplemented", 501)
	// Lifecycle is implemented (lifecycle_test.go): a bucket without rules is 404.
	_, err = c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("bkt")})
	wantCode(t, "GetBucketLifecycle", err, "NoSuchLifecycleConfiguration", 404)
	// Tagging is implemented (tagging_test.go): a missing object is 404.
	_, err = c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}}})
	wantCode(t, "PutObjectTagging", err, "NoSuchKey", 404)
}

// Conditional reads and writes. What must never happen: a write whose
// precondition fails changes the object.
func TestSDKConditions(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	put := must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
		Body: strings.NewReader("one"), IfNoneMatch: aws.String("*")}))
	etag := aws.ToString(put.ETag)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("two"), IfNoneMatch: aws.String("*")})
	wantCode(t, "If-None-Match: * on an existing key", err, "PreconditionFailed", 412)
	if got := e.get(t, "bkt", "k"); got != "one" {
		t.Fatalf("a failed conditional write changed the object to %q", got)
	}
	// Reads: ETags compare case-insensitively.
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfMatch: aws.String(strings.ToUpper(etag))})
	if err != nil {
		t.Errorf("If-Match with the upper-case ETag: %v", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfMatch: aws.String(`"0000"`)})
	wantCode(t, "If-Match other", err, "PreconditionFailed", 412)
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfNoneMatch: aws.String(etag)})
	if httpStatus(err) != 304 {
		t.Errorf("If-None-Match same ETag: %v, want 304", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfModifiedSince: aws.Time(time.Now().Add(time.Hour))})
	if httpStatus(err) != 304 {
		t.Errorf("If-Modified-Since the future: %v, want 304", err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), IfUnmodifiedSince: aws.Time(time.Now().Add(-time.Hour))})
	if httpStatus(err) != 412 {
		t.Errorf("HEAD If-Unmodified-Since the past: %v, want 412", err)
	}
}

// get reads an object straight from the store.
func (e *env) get(t *testing.T, bucket, key string) string {
	t.Helper()
	_, body, err := e.store.GetObject(t.Context(), bucket, key, nil)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return readAll(t, body)
}

func TestSDKCopyObject(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("src")}))
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("dst")}))
	put := must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("src"), Key: aws.String("a b/ü+.txt"),
		Body: strings.NewReader("payload"), Metadata: map[string]string{"m": "1"}, ContentType: aws.String("text/x")}))
	for i, source := range []string{"src/a%20b/%C3%BC%2B.txt", "/src/a%20b/%C3%BC%2B.txt", "src/a%20b/%C3%BC%2B.txt?versionId=null"} {
		key := fmt.Sprintf("copy%d", i)
		out := must[*s3.CopyObjectOutput](t, "CopyObject "+source)(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String(key), CopySource: aws.String(source)}))
		if aws.ToString(out.CopyObjectResult.ETag) != aws.ToString(put.ETag) {
			t.Errorf("CopyObject ETag %s, want %s", aws.ToString(out.CopyObjectResult.ETag), aws.ToString(put.ETag))
		}
		h := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String(key)}))
		if h.Metadata["m"] != "1" || aws.ToString(h.ContentType) != "text/x" {
			t.Errorf("COPY directive lost the metadata: %v %q", h.Metadata, aws.ToString(h.ContentType))
		}
	}
	must[*s3.CopyObjectOutput](t, "CopyObject REPLACE")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("r"),
		CopySource: aws.String("src/a%20b/%C3%BC%2B.txt"), MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"n": "2"}}))
	h := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("dst"), Key: aws.String("r")}))
	if h.Metadata["n"] != "2" || h.Metadata["m"] != "" {
		t.Errorf("REPLACE directive: %v", h.Metadata)
	}
	_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("x"), CopySource: aws.String("src/a%20b/%C3%BC%2B.txt"), CopySourceIfMatch: aws.String(`"0000"`)})
	wantCode(t, "copy-source-if-match other", err, "PreconditionFailed", 412)
	if got := e.get(t, "dst", "x"); !strings.HasPrefix(got, "<") {
		t.Fatalf("a failed conditional copy stored %q", got)
	}
	must[*s3.CopyObjectOutput](t, "copy-source-if-match same")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("x"),
		CopySource: aws.String("src/a%20b/%C3%BC%2B.txt"), CopySourceIfMatch: put.ETag}))
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("x"), CopySource: aws.String("src/missing")})
	wantCode(t, "copy of a missing key", err, "NoSuchKey", 404)
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("x"), CopySource: aws.String("dst/x")})
	wantCode(t, "copy onto itself", err, "InvalidRequest", 400)
	// A key that may read dst but not src cannot copy from src.
	e.addKey("dw", map[string]object.Access{"dst": object.AccessReadWrite})
	_, err = e.sdk("dw", "dw-secret", false).CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("y"), CopySource: aws.String("src/a%20b/%C3%BC%2B.txt")})
	wantCode(t, "copy without read on the source", err, "AccessDenied", 403)
}

// What must never happen: a body whose checksum does not match is stored.
func TestSDKWrongChecksum(t *testing.T) {
	for _, m := range sdkModes[:3:3] {
		t.Run(m.name, func(t *testing.T) {
			e := newEnv(t, m.tls)
			ctx := t.Context()
			c := e.sdk(rootID, rootSecret, false)
			must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
			// A CRC32 of other bytes, given by the caller: the SDK sends it as is.
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader([]byte("the body")),
				ChecksumCRC32: aws.String("AAAAAA==")})
			wantCode(t, "wrong CRC32", err, "BadDigest", 400)
			if got := e.get(t, "bkt", "k"); !strings.HasPrefix(got, "<") {
				t.Fatalf("an object with a wrong checksum was stored: %q", got)
			}
			_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: bytes.NewReader([]byte("the body")),
				ChecksumSHA256: aws.String("n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=")})
			wantCode(t, "wrong SHA256", err, "BadDigest", 400)
			if got := e.get(t, "bkt", "k"); !strings.HasPrefix(got, "<") {
				t.Fatalf("an object with a wrong checksum was stored: %q", got)
			}
		})
	}
}

// Names the store cannot hold are refused with S3's codes.
func TestSDKNameErrors(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String(strings.Repeat("k", 1024)), Body: strings.NewReader("x")})
	wantCode(t, "1024-byte key", err, "KeyTooLongError", 400)
	_, err = c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bad_name")})
	wantCode(t, "bucket name with '_'", err, "InvalidBucketName", 400)
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), VersionId: aws.String("v1")})
	wantCode(t, "a version other than null", err, "NoSuchVersion", 404)
}
