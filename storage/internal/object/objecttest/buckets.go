package objecttest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
)

func testBucketLifecycle(t *testing.T, l object.Layer) {
	before := time.Now().Add(-time.Minute)
	mustBucket(t, l, "bucket-1")
	info, err := l.GetBucket(ctx, "bucket-1")
	if err != nil || info.Name != "bucket-1" || info.Created.Before(before) || info.Created.After(time.Now().Add(time.Minute)) {
		t.Fatalf("GetBucket = %+v, %v", info, err)
	}
	// Re-creating with the same (empty) owner is fine and changes nothing.
	if err := l.CreateBucket(ctx, "bucket-1", object.BucketOptions{ACL: "public-read"}); err != nil {
		t.Fatalf("re-create: %v", err)
	}
	again, _ := l.GetBucket(ctx, "bucket-1")
	if !again.Created.Equal(info.Created) || again.ACL != info.ACL {
		t.Fatalf("re-create changed the bucket: %+v -> %+v", info, again)
	}
	wantErr(t, l.CreateBucket(ctx, "bucket-1", object.BucketOptions{Owner: "someone-else"}), object.ErrBucketAlreadyExists)

	mustPut(t, l, "bucket-1", "k", []byte("x"), object.PutOptions{})
	wantErr(t, l.DeleteBucket(ctx, "bucket-1"), object.ErrBucketNotEmpty)
	if err := l.DeleteObject(ctx, "bucket-1", "k"); err != nil {
		t.Fatal(err)
	}
	if err := l.DeleteBucket(ctx, "bucket-1"); err != nil {
		t.Fatalf("DeleteBucket: %v", err)
	}
	_, err = l.GetBucket(ctx, "bucket-1")
	wantErr(t, err, object.ErrBucketNotFound)
	wantErr(t, l.DeleteBucket(ctx, "bucket-1"), object.ErrBucketNotFound)

	// An owned bucket: same owner re-creates, others cannot.
	if err := l.CreateBucket(ctx, "owned", object.BucketOptions{Owner: "ns/b/uid"}); err != nil {
		t.Fatal(err)
	}
	if err := l.CreateBucket(ctx, "owned", object.BucketOptions{Owner: "ns/b/uid"}); err != nil {
		t.Fatalf("same owner re-create: %v", err)
	}
	wantErr(t, l.CreateBucket(ctx, "owned", object.BucketOptions{}), object.ErrBucketAlreadyExists)
	if info, _ := l.GetBucket(ctx, "owned"); info.Owner != "ns/b/uid" {
		t.Fatalf("Owner = %q", info.Owner)
	}
}

func testBucketNames(t *testing.T, l object.Layer) {
	bad := []string{"ab", strings.Repeat("a", 64), "Upper", "-lead", "trail-", "under_score", "dot.ted", ""}
	for _, name := range bad {
		wantErr(t, l.CreateBucket(ctx, name, object.BucketOptions{}), object.ErrInvalidBucketName)
		_, err := l.GetBucket(ctx, name)
		wantErr(t, err, object.ErrInvalidBucketName)
		_, err = l.PutObject(ctx, name, "k", strings.NewReader("x"), 1, object.PutOptions{})
		wantErr(t, err, object.ErrInvalidBucketName)
	}
	for _, name := range []string{"abc", strings.Repeat("z", 63), "0-9"} {
		mustBucket(t, l, name)
	}
	res, err := l.ListBuckets(ctx, object.ListBucketsOptions{MaxKeys: 1000})
	if err != nil || len(res.Buckets) != 3 {
		t.Fatalf("ListBuckets = %+v, %v: invalid names must create nothing", res, err)
	}
}

func testBucketOptions(t *testing.T, l object.Layer) {
	mustBucket(t, l, "defaults")
	info, _ := l.GetBucket(ctx, "defaults")
	if info.ACL != "private" || info.StorageClass != "Standard" {
		t.Fatalf("defaults = %+v", info)
	}
	for _, class := range []string{"Standard", "IA", "Archive", "ColdArchive", "DeepColdArchive"} {
		name := "c-" + strings.ToLower(class)
		if err := l.CreateBucket(ctx, name, object.BucketOptions{ACL: "public-read-write", StorageClass: class}); err != nil {
			t.Fatalf("class %s: %v", class, err)
		}
		info, _ := l.GetBucket(ctx, name)
		if info.StorageClass != class || info.ACL != "public-read-write" {
			t.Fatalf("bucket %s = %+v", name, info)
		}
	}
	wantErr(t, l.CreateBucket(ctx, "bad-acl", object.BucketOptions{ACL: "everyone"}), object.ErrInvalidArgument)
	wantErr(t, l.CreateBucket(ctx, "bad-class", object.BucketOptions{StorageClass: "Glacier"}), object.ErrInvalidArgument)
}

func testListBuckets(t *testing.T, l object.Layer) {
	var names []string
	for i := range 25 {
		n := fmt.Sprintf("b-%02d", i)
		names = append(names, n)
		mustBucket(t, l, n)
	}
	mustBucket(t, l, "other")
	tests := map[string]struct {
		opts      object.ListBucketsOptions
		want      []string
		truncated bool
	}{
		"default page":  {object.ListBucketsOptions{}, append(slices.Clone(names), "other"), false},
		"prefix":        {object.ListBucketsOptions{Prefix: "b-1", MaxKeys: 100}, names[10:20], false},
		"marker":        {object.ListBucketsOptions{Marker: "b-23", MaxKeys: 100}, []string{"b-24", "other"}, false},
		"page of three": {object.ListBucketsOptions{Prefix: "b-", MaxKeys: 3}, names[:3], true},
		"marker+prefix": {object.ListBucketsOptions{Prefix: "b-", Marker: "b-22", MaxKeys: 3}, names[23:25], false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := l.ListBuckets(ctx, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range res.Buckets {
				got = append(got, b.Name)
			}
			if !slices.Equal(got, tc.want) || res.IsTruncated != tc.truncated {
				t.Fatalf("got %v truncated=%v, want %v %v", got, res.IsTruncated, tc.want, tc.truncated)
			}
			if tc.truncated && res.NextMarker != got[len(got)-1] {
				t.Fatalf("NextMarker = %q", res.NextMarker)
			}
			if !tc.truncated && res.NextMarker != "" {
				t.Fatalf("NextMarker = %q on the last page", res.NextMarker)
			}
		})
	}
	for _, n := range []int{-1, 1001} {
		_, err := l.ListBuckets(ctx, object.ListBucketsOptions{MaxKeys: n})
		wantErr(t, err, object.ErrInvalidArgument)
	}
}

func testBucketStats(t *testing.T, l object.Layer) {
	mustBucket(t, l, "stats")
	mustBucket(t, l, "stats-2")
	checkStats(t, l, "stats", 0, 0)
	mustPut(t, l, "stats", "a", Data(1, 100), object.PutOptions{})
	mustPut(t, l, "stats", "b", Data(2, 200<<10), object.PutOptions{})
	checkStats(t, l, "stats", 2, 100+200<<10)
	mustPut(t, l, "stats", "a", Data(3, 10), object.PutOptions{}) // overwrite
	checkStats(t, l, "stats", 2, 10+200<<10)
	if _, err := l.AppendObject(ctx, "stats", "c", 0, strings.NewReader("12345"), 5, object.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	checkStats(t, l, "stats", 3, 15+200<<10)
	if _, err := l.CopyObject(ctx, object.ObjectRef{Bucket: "stats", Key: "b"}, object.ObjectRef{Bucket: "stats-2", Key: "b"}, object.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	checkStats(t, l, "stats-2", 1, 200<<10)
	if err := l.DeleteObject(ctx, "stats", "b"); err != nil {
		t.Fatal(err)
	}
	checkStats(t, l, "stats", 2, 15)
	if _, err := l.DeleteObjects(ctx, "stats", []string{"a", "c", "missing"}); err != nil {
		t.Fatal(err)
	}
	checkStats(t, l, "stats", 0, 0)
}
