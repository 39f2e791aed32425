package storage

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	v1 "github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/koss-io/koss/test/kossdproc"
)

// TestSymlinkV2SDK drives symlinks with the v2 SDK: PutSymlink stores a
// link (to a target that need not exist yet) with its own metadata;
// GetSymlink answers the target; GET and HEAD follow the link to the
// target's bytes and size, with x-oss-object-type Symlink; a dangling
// link and a link to a link read as 404 NoSuchKey; ListObjects lists the
// link as Type Symlink; DELETE removes the link only; an empty target is
// refused and stores nothing.
func TestSymlinkV2SDK(t *testing.T) {
	for name, version := range v2Versions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := v2Root(version)
			bucket := v2MakeBucket(t, c)
			if _, err := c.PutSymlink(ctx, &oss.PutSymlinkRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("link"),
				Target: oss.Ptr("dir/target"), Metadata: map[string]string{"who": "link"}}); err != nil {
				t.Fatal(err)
			}
			_, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("link")})
			requireV2Code(t, err, "NoSuchKey", 404)

			body := []byte("target content")
			v2Put(t, c, bucket, "dir/target", body)
			if got := v2Get(t, c, bucket, "link"); string(got) != string(body) {
				t.Fatalf("GET through the link = %q", got)
			}
			head, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("link")})
			if err != nil {
				t.Fatal(err)
			}
			if head.ContentLength != int64(len(body)) || oss.ToString(head.ObjectType) != "Symlink" || oss.ToString(head.ETag) != quotedMD5(body) {
				t.Fatalf("HEAD through the link: length %d type %q etag %q", head.ContentLength, oss.ToString(head.ObjectType), oss.ToString(head.ETag))
			}
			sl, err := c.GetSymlink(ctx, &oss.GetSymlinkRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("link")})
			if err != nil {
				t.Fatal(err)
			}
			if oss.ToString(sl.Target) != "dir/target" || sl.Metadata["who"] != "link" || oss.ToString(sl.ETag) == "" {
				t.Fatalf("GetSymlink = target %q metadata %v etag %q", oss.ToString(sl.Target), sl.Metadata, oss.ToString(sl.ETag))
			}
			_, err = c.GetSymlink(ctx, &oss.GetSymlinkRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("dir/target")})
			requireV2Code(t, err, "NotSymlink", 400)

			list, err := c.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr(bucket), Prefix: oss.Ptr("link")})
			if err != nil || len(list.Contents) != 1 || oss.ToString(list.Contents[0].Type) != "Symlink" {
				t.Fatalf("ListObjects = %+v, %v", list, err)
			}

			if _, err := c.PutSymlink(ctx, &oss.PutSymlinkRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("link2"), Target: oss.Ptr("link")}); err != nil {
				t.Fatal(err)
			}
			_, err = c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("link2")})
			requireV2Code(t, err, "NoSuchKey", 404)

			_, err = c.PutSymlink(ctx, &oss.PutSymlinkRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("empty"), Target: oss.Ptr("")})
			if err == nil {
				t.Fatal("PutSymlink with an empty target succeeded")
			}
			if code, _ := v2Err(err); code != "" && code != "InvalidArgument" {
				t.Fatalf("PutSymlink with an empty target = %v, want InvalidArgument", err)
			}
			_, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("empty")})
			requireV2Code(t, err, "NoSuchKey", 404)

			if _, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("link")}); err != nil {
				t.Fatal(err)
			}
			_, err = c.GetSymlink(ctx, &oss.GetSymlinkRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("link")})
			requireV2Code(t, err, "NoSuchKey", 404)
			if got := v2Get(t, c, bucket, "dir/target"); string(got) != string(body) {
				t.Fatalf("deleting the link changed the target: %q", got)
			}
		})
	}
}

// TestSymlinkV1SDK is the v1 SDK's own TestSymlink sequence: GetSymlink
// of a missing key fails, PutSymlink succeeds before and after the target
// exists, GetSymlink answers the target, ListObjects shows Type Symlink,
// GetObject reads the target, GetSymlink of the target fails, and a
// PutObject over the link replaces it.
func TestSymlinkV1SDK(t *testing.T) {
	for name, version := range v1Versions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := v1Client(t, version, kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
			b := v1MakeBucket(t, c)
			link, target := "obj link", "obj link+target"
			if _, err := b.GetSymlink(link); err == nil {
				t.Fatal("GetSymlink of a missing key succeeded")
			}
			if err := b.PutSymlink(link, target); err != nil {
				t.Fatal(err)
			}
			if err := b.PutObject(target, strings.NewReader("target")); err != nil {
				t.Fatal(err)
			}
			if err := b.PutSymlink(link, target); err != nil {
				t.Fatal(err)
			}
			meta, err := b.GetSymlink(link)
			if err != nil || meta.Get(v1.HTTPHeaderOssSymlinkTarget) != target {
				t.Fatalf("GetSymlink = %q, %v; want %q", meta.Get(v1.HTTPHeaderOssSymlinkTarget), err, target)
			}
			lor, err := b.ListObjects()
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, o := range lor.Objects {
				if o.Key == link {
					found = o.Type == "Symlink"
				}
			}
			if !found {
				t.Fatalf("ListObjects does not list %q as a Symlink: %+v", link, lor.Objects)
			}
			if got := v1Read(t, b, link); string(got) != "target" {
				t.Fatalf("GetObject through the link = %q", got)
			}
			if _, err := b.GetSymlink(target); err == nil {
				t.Fatal("GetSymlink of a plain object succeeded")
			}
			if err := b.PutObject(link, strings.NewReader("src")); err != nil {
				t.Fatal(err)
			}
			r, err := b.GetObject(link)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			r.Close()
			if string(got) != "src" {
				t.Fatalf("GetObject after overwriting the link = %q", got)
			}
		})
	}
}
