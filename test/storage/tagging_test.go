package storage

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	v1 "github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/koss-io/koss/test/kossdproc"
)

// v2TagMap turns the v2 SDK's tags into a map.
func v2TagMap(tags []oss.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[oss.ToString(t.Key)] = oss.ToString(t.Value)
	}
	return m
}

func v2Tagging(pairs ...string) *oss.Tagging {
	t := &oss.Tagging{TagSet: &oss.TagSet{}}
	for i := 0; i+1 < len(pairs); i += 2 {
		t.TagSet.Tags = append(t.TagSet.Tags, oss.Tag{Key: oss.Ptr(pairs[i]), Value: oss.Ptr(pairs[i+1])})
	}
	return t
}

func v2ObjectTags(t *testing.T, c *oss.Client, bucket, key string) map[string]string {
	t.Helper()
	res, err := c.GetObjectTagging(context.Background(), &oss.GetObjectTaggingRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("GetObjectTagging %s: %v", key, err)
	}
	return v2TagMap(res.Tags)
}

func v2TaggingCount(t *testing.T, c *oss.Client, bucket, key string) int32 {
	t.Helper()
	res, err := c.HeadObject(context.Background(), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("HeadObject %s: %v", key, err)
	}
	return res.TaggingCount
}

// TestTaggingV2SDK drives object and bucket tagging with the v2 SDK:
// tags given with PutObject, InitiateMultipartUpload and the first append
// land on the objects and are counted in x-oss-tagging-count on GET and
// HEAD; CopyObject keeps them by default and takes the request's with
// TaggingDirective Replace; Put/Get/DeleteObjectTagging and
// Put/Get/DeleteBucketTags do what OSS does. Bad input (11 tags, a
// duplicate key, a 129-char key, a missing object) must never change a
// thing.
func TestTaggingV2SDK(t *testing.T) {
	for name, version := range v2Versions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := v2Root(version)
			bucket := v2MakeBucket(t, c)
			tags := map[string]string{"project": "koss", "team name": "storage+ops", "empty": ""}
			if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("obj"),
				Body: strings.NewReader("data"), Tagging: oss.Ptr("project=koss&team%20name=storage%2Bops&empty=")}); err != nil {
				t.Fatal(err)
			}
			if got := v2ObjectTags(t, c, bucket, "obj"); !maps.Equal(got, tags) {
				t.Fatalf("tags after PutObject = %v, want %v", got, tags)
			}
			if n := v2TaggingCount(t, c, bucket, "obj"); n != 3 {
				t.Fatalf("HEAD x-oss-tagging-count = %d, want 3", n)
			}
			get, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("obj")})
			if err != nil {
				t.Fatal(err)
			}
			get.Body.Close()
			if get.TaggingCount != 3 {
				t.Fatalf("GET x-oss-tagging-count = %d, want 3", get.TaggingCount)
			}

			// Copy: the source's tags by default, the request's with Replace.
			if _, err := c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("copy"),
				SourceKey: oss.Ptr("obj")}); err != nil {
				t.Fatal(err)
			}
			if got := v2ObjectTags(t, c, bucket, "copy"); !maps.Equal(got, tags) {
				t.Fatalf("tags after a default copy = %v, want the source's %v", got, tags)
			}
			if _, err := c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("replaced"),
				SourceKey: oss.Ptr("obj"), TaggingDirective: oss.Ptr("Replace"), Tagging: oss.Ptr("new=1")}); err != nil {
				t.Fatal(err)
			}
			if got := v2ObjectTags(t, c, bucket, "replaced"); !maps.Equal(got, map[string]string{"new": "1"}) {
				t.Fatalf("tags after a Replace copy = %v", got)
			}

			// Put/Get/DeleteObjectTagging.
			if _, err := c.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("obj"),
				Tagging: v2Tagging("k1", "v1", "k2", "v2")}); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"k1": "v1", "k2": "v2"}
			if got := v2ObjectTags(t, c, bucket, "obj"); !maps.Equal(got, want) {
				t.Fatalf("tags after PutObjectTagging = %v, want %v", got, want)
			}
			if b := v2Get(t, c, bucket, "obj"); string(b) != "data" {
				t.Fatalf("PutObjectTagging changed the content: %q", b)
			}
			del, err := c.DeleteObjectTagging(ctx, &oss.DeleteObjectTaggingRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("copy")})
			if err != nil || del.StatusCode != 204 {
				t.Fatalf("DeleteObjectTagging = %v, %v", del, err)
			}
			if got := v2ObjectTags(t, c, bucket, "copy"); len(got) != 0 {
				t.Fatalf("tags after DeleteObjectTagging = %v", got)
			}
			if n := v2TaggingCount(t, c, bucket, "copy"); n != 0 {
				t.Fatalf("x-oss-tagging-count of an untagged object = %d", n)
			}

			// Bad input changes nothing.
			var eleven []string
			for i := range 11 {
				eleven = append(eleven, "k"+strconv.Itoa(i), "v")
			}
			for name, tg := range map[string]*oss.Tagging{
				"11 tags":       v2Tagging(eleven...),
				"duplicate key": v2Tagging("k", "1", "k", "2"),
				"129-char key":  v2Tagging(strings.Repeat("k", 129), "v"),
			} {
				_, err := c.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("obj"), Tagging: tg})
				if code, status := v2Err(err); code != "InvalidTag" || status != 400 {
					t.Errorf("%s: PutObjectTagging = %v, want 400 InvalidTag", name, err)
				}
			}
			_, err = c.PutObjectTagging(ctx, &oss.PutObjectTaggingRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("missing"), Tagging: v2Tagging("k", "v")})
			requireV2Code(t, err, "NoSuchKey", 404)
			_, err = c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("bad"),
				Body: strings.NewReader("x"), Tagging: oss.Ptr(strings.Repeat("k", 129) + "=v")})
			requireV2Code(t, err, "InvalidTag", 400)
			if got := v2ObjectTags(t, c, bucket, "obj"); !maps.Equal(got, want) {
				t.Fatalf("a refused tagging changed the tags: %v, want %v", got, want)
			}
			if _, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("missing")}); err == nil {
				t.Fatal("PutObjectTagging on a missing object created it")
			}
			if _, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("bad")}); err == nil {
				t.Fatal("a PutObject with an invalid tag stored the object")
			}

			// Multipart: the initiation's tags are the completed object's.
			up, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("mp"),
				Tagging: oss.Ptr("mp=yes")})
			if err != nil {
				t.Fatal(err)
			}
			part, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("mp"), UploadId: up.UploadId,
				PartNumber: 1, Body: bytes.NewReader([]byte("part"))})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("mp"),
				UploadId: up.UploadId, CompleteMultipartUpload: &oss.CompleteMultipartUpload{
					Parts: []oss.UploadPart{{PartNumber: 1, ETag: part.ETag}}}}); err != nil {
				t.Fatal(err)
			}
			if got := v2ObjectTags(t, c, bucket, "mp"); !maps.Equal(got, map[string]string{"mp": "yes"}) {
				t.Fatalf("tags of the completed upload = %v", got)
			}
			// Append: the first append's tags.
			if _, err := c.AppendObject(ctx, &oss.AppendObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("log"), Position: oss.Ptr(int64(0)),
				Body: strings.NewReader("a"), Tagging: oss.Ptr("log=1")}); err != nil {
				t.Fatal(err)
			}
			if got := v2ObjectTags(t, c, bucket, "log"); !maps.Equal(got, map[string]string{"log": "1"}) {
				t.Fatalf("tags of the appended object = %v", got)
			}

			// Bucket tags.
			if _, err := c.PutBucketTags(ctx, &oss.PutBucketTagsRequest{Bucket: oss.Ptr(bucket),
				Tagging: v2Tagging("owner", "team", "env", "prod", "cost", "1")}); err != nil {
				t.Fatal(err)
			}
			bucketTags := func() map[string]string {
				t.Helper()
				res, err := c.GetBucketTags(ctx, &oss.GetBucketTagsRequest{Bucket: oss.Ptr(bucket)})
				if err != nil {
					t.Fatal(err)
				}
				if res.Tagging == nil || res.Tagging.TagSet == nil {
					return map[string]string{}
				}
				return v2TagMap(res.Tagging.TagSet.Tags)
			}
			if got := bucketTags(); !maps.Equal(got, map[string]string{"owner": "team", "env": "prod", "cost": "1"}) {
				t.Fatalf("GetBucketTags = %v", got)
			}
			var many []string
			for i := range 21 {
				many = append(many, "k"+strconv.Itoa(i), "v")
			}
			_, err = c.PutBucketTags(ctx, &oss.PutBucketTagsRequest{Bucket: oss.Ptr(bucket), Tagging: v2Tagging(many...)})
			requireV2Code(t, err, "InvalidTag", 400)
			if _, err := c.DeleteBucketTags(ctx, &oss.DeleteBucketTagsRequest{Bucket: oss.Ptr(bucket), Tagging: oss.Ptr("cost,env")}); err != nil {
				t.Fatal(err)
			}
			if got := bucketTags(); !maps.Equal(got, map[string]string{"owner": "team"}) {
				t.Fatalf("GetBucketTags after deleting two keys = %v", got)
			}
			if _, err := c.DeleteBucketTags(ctx, &oss.DeleteBucketTagsRequest{Bucket: oss.Ptr(bucket)}); err != nil {
				t.Fatal(err)
			}
			if got := bucketTags(); len(got) != 0 {
				t.Fatalf("GetBucketTags after DeleteBucketTags = %v", got)
			}
		})
	}
}

// TestTaggingV1SDK is the v1 SDK's own TestPutObjectTagging sequence
// (SetTagging on PutObject, x-oss-tagging-count after a default copy,
// Put/Get/DeleteObjectTagging, the invalid tags it expects refused) and
// its bucket tagging calls.
func TestTaggingV1SDK(t *testing.T) {
	for name, version := range v1Versions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := v1Client(t, version, kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret)
			b := v1MakeBucket(t, c)
			tagging := v1.Tagging{Tags: []v1.Tag{{Key: "key1", Value: "value1"}, {Key: "key2", Value: "value 2"}}}
			if err := b.PutObject("obj", strings.NewReader("data"), v1.SetTagging(tagging)); err != nil {
				t.Fatal(err)
			}
			count := func(key string) string {
				t.Helper()
				h, err := b.GetObjectDetailedMeta(key)
				if err != nil {
					t.Fatal(err)
				}
				return h.Get("X-Oss-Tagging-Count")
			}
			if n := count("obj"); n != "2" {
				t.Fatalf("x-oss-tagging-count = %q, want 2", n)
			}
			if _, err := b.CopyObject("obj", "copy"); err != nil {
				t.Fatal(err)
			}
			if n := count("copy"); n != "2" {
				t.Fatalf("x-oss-tagging-count of a default copy = %q, want 2", n)
			}
			if err := b.DeleteObjectTagging("obj"); err != nil {
				t.Fatal(err)
			}
			res, err := b.GetObjectTagging("obj")
			if err != nil || len(res.Tags) != 0 {
				t.Fatalf("GetObjectTagging after delete = %+v, %v", res, err)
			}
			one := v1.Tagging{Tags: []v1.Tag{{Key: "k", Value: "v"}}}
			if err := b.PutObjectTagging("obj", one); err != nil {
				t.Fatal(err)
			}
			res, err = b.GetObjectTagging("obj")
			if err != nil || len(res.Tags) != 1 || res.Tags[0].Key != "k" || res.Tags[0].Value != "v" {
				t.Fatalf("GetObjectTagging = %+v, %v", res, err)
			}
			var eleven []v1.Tag
			for i := range 11 {
				eleven = append(eleven, v1.Tag{Key: "k" + strconv.Itoa(i), Value: "v"})
			}
			for name, bad := range map[string][]v1.Tag{
				"129-char key":   {{Key: strings.Repeat("k", 129), Value: "v"}},
				"257-char value": {{Key: "k", Value: strings.Repeat("v", 257)}},
				"11 tags":        eleven,
				"& in key":       {{Key: "k&", Value: "v"}},
				"& in value":     {{Key: "k", Value: "v&"}},
				"repeated keys":  {{Key: "r", Value: "1"}, {Key: "r", Value: "2"}},
			} {
				if err := b.PutObjectTagging("obj", v1.Tagging{Tags: bad}); err == nil {
					t.Errorf("%s: PutObjectTagging accepted it", name)
				}
			}
			res, err = b.GetObjectTagging("obj")
			if err != nil || len(res.Tags) != 1 || res.Tags[0].Key != "k" {
				t.Fatalf("a refused tagging changed the tags: %+v, %v", res, err)
			}

			if err := c.SetBucketTagging(b.BucketName, v1.Tagging{Tags: []v1.Tag{{Key: "owner", Value: "team"}}}); err != nil {
				t.Fatal(err)
			}
			bt, err := c.GetBucketTagging(b.BucketName)
			if err != nil || len(bt.Tags) != 1 || bt.Tags[0].Key != "owner" || bt.Tags[0].Value != "team" {
				t.Fatalf("GetBucketTagging = %+v, %v", bt, err)
			}
			if err := c.DeleteBucketTagging(b.BucketName); err != nil {
				t.Fatal(err)
			}
			bt, err = c.GetBucketTagging(b.BucketName)
			if err != nil || len(bt.Tags) != 0 {
				t.Fatalf("GetBucketTagging after delete = %+v, %v", bt, err)
			}
		})
	}
}

// TestTaggingSurvivesRestart: object and bucket tags are part of the
// records: a restarted node must still report them.
func TestTaggingSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p, err := kossdproc.Start(ctx, kossdproc.Options{Binary: kossdBin, DataDir: filepath.Join(dir, "data"),
		LogPath: filepath.Join(dir, "kossd.log")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	cfg := oss.LoadDefaultConfig().WithCredentialsProvider(rootCreds()).WithRegion(kossdproc.Region).
		WithEndpoint(p.Endpoint()).WithUsePathStyle(true).WithRetryMaxAttempts(1)
	c := oss.NewClient(cfg)
	bucket := v2MakeBucket(t, c)
	if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("obj"),
		Body: strings.NewReader("data"), Tagging: oss.Ptr("a=1&b=2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketTags(ctx, &oss.PutBucketTagsRequest{Bucket: oss.Ptr(bucket), Tagging: v2Tagging("owner", "team")}); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	if err := p.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if got := v2ObjectTags(t, c, bucket, "obj"); !maps.Equal(got, map[string]string{"a": "1", "b": "2"}) {
		t.Fatalf("object tags after a restart = %v", got)
	}
	res, err := c.GetBucketTags(ctx, &oss.GetBucketTagsRequest{Bucket: oss.Ptr(bucket)})
	if err != nil || res.Tagging == nil || res.Tagging.TagSet == nil || !maps.Equal(v2TagMap(res.Tagging.TagSet.Tags), map[string]string{"owner": "team"}) {
		t.Fatalf("bucket tags after a restart = %+v, %v", res, err)
	}
}

// TestBucketInfoEndpoints starts nodes with --intranet-endpoint (a flag)
// and KOSS_EXTRANET_ENDPOINT (the environment): GetBucketInfo must report
// each setting in its own element, through both SDKs, and a node without
// them must report the endpoint the client addressed in both, as before.
// With KOSS_TEST_NODES=N (N > 1) the nodes are a Region of N, each asked
// in turn.
func TestBucketInfoEndpoints(t *testing.T) {
	ctx := context.Background()
	start := func(t *testing.T, args, env []string) []*kossdproc.Process {
		t.Helper()
		dir := t.TempDir()
		opts := kossdproc.Options{Binary: kossdBin, DataDir: dir, Args: args, Env: env}
		var nodes []*kossdproc.Process
		var err error
		if n, _ := strconv.Atoi(os.Getenv("KOSS_TEST_NODES")); n > 1 {
			nodes, err = kossdproc.StartRegion(ctx, n, opts)
		} else {
			opts.DataDir, opts.LogPath = filepath.Join(dir, "data"), filepath.Join(dir, "kossd.log")
			var p *kossdproc.Process
			p, err = kossdproc.Start(ctx, opts)
			nodes = []*kossdproc.Process{p}
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			for _, p := range nodes {
				p.Stop()
			}
		})
		return nodes
	}
	check := func(t *testing.T, p *kossdproc.Process, intranet, extranet string) {
		t.Helper()
		cfg := oss.LoadDefaultConfig().WithCredentialsProvider(rootCreds()).WithRegion(kossdproc.Region).
			WithEndpoint(p.Endpoint()).WithUsePathStyle(true).WithRetryMaxAttempts(1)
		c := oss.NewClient(cfg)
		bucket := v2MakeBucket(t, c)
		info, err := c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(bucket)})
		if err != nil {
			t.Fatal(err)
		}
		if got := oss.ToString(info.BucketInfo.IntranetEndpoint); got != intranet {
			t.Errorf("v2 IntranetEndpoint = %q, want %q", got, intranet)
		}
		if got := oss.ToString(info.BucketInfo.ExtranetEndpoint); got != extranet {
			t.Errorf("v2 ExtranetEndpoint = %q, want %q", got, extranet)
		}
		c1, err := v1.New(p.Endpoint(), kossdproc.RootAccessKeyID, kossdproc.RootAccessKeySecret,
			v1.AuthVersion(v1.AuthV4), v1.Region(kossdproc.Region))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c1.GetBucketInfo(bucket)
		if err != nil {
			t.Fatal(err)
		}
		if res.BucketInfo.IntranetEndpoint != intranet || res.BucketInfo.ExtranetEndpoint != extranet {
			t.Errorf("v1 endpoints = %q, %q; want %q, %q", res.BucketInfo.IntranetEndpoint, res.BucketInfo.ExtranetEndpoint, intranet, extranet)
		}
	}
	t.Run("configured", func(t *testing.T) {
		for _, p := range start(t, []string{"--intranet-endpoint", "oss.koss-system.svc:9000"}, []string{"KOSS_EXTRANET_ENDPOINT=oss.example.com"}) {
			check(t, p, "oss.koss-system.svc:9000", "oss.example.com")
		}
	})
	t.Run("unset", func(t *testing.T) {
		for _, p := range start(t, nil, nil) {
			check(t, p, p.Addr(), p.Addr())
		}
	})
}
