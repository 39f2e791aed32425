package storage

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/koss-io/koss/test/kossdproc"
)

// TestListObjectVersions lists an unversioned bucket through its versions,
// as cleanup tools do before deleting it (ossutil rm --all-versions, the
// SDKs' version paginators): every object is there once, as version "null"
// and the latest, pages follow the key markers, and deleting what the
// listing named empties the bucket.
func TestListObjectVersions(t *testing.T) {
	ctx := context.Background()
	c := v2Client(oss.SignatureVersionV4, kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
	bucket := newBucketName(t)
	if _, err := c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(bucket)}); err != nil {
		t.Fatal(err)
	}
	keys := []string{"a", "b/1", "b/2", "c d+e", "ctl\x01key", "z"}
	etags := map[string]string{}
	for _, k := range keys {
		res, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(k), Body: strings.NewReader("v-" + k)})
		if err != nil {
			t.Fatal(err)
		}
		etags[k] = oss.ToString(res.ETag)
	}

	var listed []string
	pages := 0
	p := c.NewListObjectVersionsPaginator(&oss.ListObjectVersionsRequest{Bucket: oss.Ptr(bucket), MaxKeys: 4})
	for p.HasNext() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.ObjectDeleteMarkers) != 0 {
			t.Errorf("delete markers in an unversioned bucket: %d", len(page.ObjectDeleteMarkers))
		}
		for _, v := range page.ObjectVersions {
			k := oss.ToString(v.Key)
			listed = append(listed, k)
			if oss.ToString(v.VersionId) != "null" || !v.IsLatest || oss.ToString(v.ETag) != etags[k] || v.Size != int64(len("v-"+k)) {
				t.Errorf("%q: version %q latest %v etag %q size %d", k, oss.ToString(v.VersionId), v.IsLatest, oss.ToString(v.ETag), v.Size)
			}
		}
	}
	if !slices.Equal(listed, keys) || pages != 2 {
		t.Fatalf("listed %q in %d pages, want %q in 2", listed, pages, keys)
	}

	res, err := c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: oss.Ptr(bucket), Delimiter: oss.Ptr("/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.CommonPrefixes) != 1 || oss.ToString(res.CommonPrefixes[0].Prefix) != "b/" || len(res.ObjectVersions) != len(keys)-2 {
		t.Fatalf("with delimiter: %d versions, prefixes %+v", len(res.ObjectVersions), res.CommonPrefixes)
	}

	// Delete what the listing named, versions and all; the bucket can go.
	var objs []oss.DeleteObject
	for _, k := range listed {
		objs = append(objs, oss.DeleteObject{Key: oss.Ptr(k), VersionId: oss.Ptr("null")})
	}
	if _, err := c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: oss.Ptr(bucket), Objects: objs}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(bucket)}); err != nil {
		t.Fatalf("DeleteBucket after deleting every listed version: %v", err)
	}
}
