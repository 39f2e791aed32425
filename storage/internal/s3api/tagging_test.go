package s3api

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
)

func s3Tags(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// TestSDKTagging drives S3 tagging with aws-sdk-go-v2: x-amz-tagging on
// PutObject and CreateMultipartUpload, x-amz-tagging-count on GET, CopyObject's COPY (default) and REPLACE directives,
// Put/Get/DeleteObjectTagging and Put/Get/DeleteBucketTagging (404
// NoSuchTagSet when none). What must never happen: a refused tagging
// (11 tags, a duplicate key, a missing object) changes anything.
func TestSDKTagging(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.root()
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("bkt")}))
	must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
		Body: strings.NewReader("data"), Tagging: aws.String("a=1&b=two%20words")}))
	tags := func(key string) map[string]string {
		t.Helper()
		out := must[*s3.GetObjectTaggingOutput](t, "GetObjectTagging")(c.GetObjectTagging(ctx,
			&s3.GetObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String(key)}))
		return s3Tags(out.TagSet)
	}
	want := map[string]string{"a": "1", "b": "two words"}
	if got := tags("k"); !maps.Equal(got, want) {
		t.Fatalf("tags = %v, want %v", got, want)
	}
	get := must[*s3.GetObjectOutput](t, "GetObject")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}))
	get.Body.Close()
	if aws.ToInt32(get.TagCount) != 2 {
		t.Fatalf("GET x-amz-tagging-count = %d, want 2", aws.ToInt32(get.TagCount))
	}

	must[*s3.CopyObjectOutput](t, "CopyObject")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("copy"),
		CopySource: aws.String("bkt/k")}))
	if got := tags("copy"); !maps.Equal(got, want) {
		t.Fatalf("a default copy has tags %v, want the source's %v", got, want)
	}
	must[*s3.CopyObjectOutput](t, "CopyObject REPLACE")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("repl"),
		CopySource: aws.String("bkt/k"), TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String("n=1")}))
	if got := tags("repl"); !maps.Equal(got, map[string]string{"n": "1"}) {
		t.Fatalf("a REPLACE copy has tags %v", got)
	}

	must[*s3.PutObjectTaggingOutput](t, "PutObjectTagging")(c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("x"), Value: aws.String("y")}}}}))
	want = map[string]string{"x": "y"}
	var eleven []types.Tag
	for i := range 11 {
		eleven = append(eleven, types.Tag{Key: aws.String(strings.Repeat("k", i+1)), Value: aws.String("v")})
	}
	_, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: eleven}})
	wantCode(t, "11 tags", err, "InvalidTag", 400)
	_, err = c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("d"), Value: aws.String("1")}, {Key: aws.String("d"), Value: aws.String("2")}}}})
	wantCode(t, "duplicate key", err, "InvalidTag", 400)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("bad"), Body: strings.NewReader("x"), Tagging: aws.String("k=1&k=2")})
	wantCode(t, "duplicate header key", err, "InvalidArgument", 400)
	if got := tags("k"); !maps.Equal(got, want) {
		t.Fatalf("a refused tagging changed the tags to %v", got)
	}
	must[*s3.DeleteObjectTaggingOutput](t, "DeleteObjectTagging")(c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k")}))
	if got := tags("k"); len(got) != 0 {
		t.Fatalf("tags after DeleteObjectTagging = %v", got)
	}

	up := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket: aws.String("bkt"), Key: aws.String("mp"), Tagging: aws.String("mp=yes")}))
	part := must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("bkt"), Key: aws.String("mp"),
		UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")}))
	must[*s3.CompleteMultipartUploadOutput](t, "CompleteMultipartUpload")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String("bkt"), Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}}))
	if got := tags("mp"); !maps.Equal(got, map[string]string{"mp": "yes"}) {
		t.Fatalf("tags of the completed upload = %v", got)
	}

	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("bkt")})
	wantCode(t, "GetBucketTagging of an untagged bucket", err, "NoSuchTagSet", 404)
	must[*s3.PutBucketTaggingOutput](t, "PutBucketTagging")(c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: aws.String("bkt"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("owner"), Value: aws.String("team")}}}}))
	bt := must[*s3.GetBucketTaggingOutput](t, "GetBucketTagging")(c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("bkt")}))
	if got := s3Tags(bt.TagSet); !maps.Equal(got, map[string]string{"owner": "team"}) {
		t.Fatalf("bucket tags = %v", got)
	}
	must[*s3.DeleteBucketTaggingOutput](t, "DeleteBucketTagging")(c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: aws.String("bkt")}))
	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("bkt")})
	wantCode(t, "GetBucketTagging after delete", err, "NoSuchTagSet", 404)
}

// TestPostObjectTagging: a POST form's tagging field (a Tagging document,
// as minio-go's SetTagging signs it) lands on the stored object.
func TestPostObjectTagging(t *testing.T) {
	e := newEnv(t, false)
	ctx := t.Context()
	c := e.minio(rootID, rootSecret)
	if err := c.MakeBucket(ctx, "pbkt", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	p := minio.NewPostPolicy()
	_ = p.SetBucket("pbkt")
	_ = p.SetKey("tagged")
	_ = p.SetExpires(time.Now().Add(10 * time.Minute))
	if err := p.SetTagging("<Tagging><TagSet><Tag><Key>form</Key><Value>yes</Value></Tag></TagSet></Tagging>"); err != nil {
		t.Fatal(err)
	}
	u, fields, err := c.PresignedPostPolicy(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	res := e.postForm(t, u.String(), fields, []byte("form bytes"))
	if body := readAll(t, res.Body); res.StatusCode/100 != 2 {
		t.Fatalf("POST Object with tagging: %d %s", res.StatusCode, body)
	}
	out := must[*s3.GetObjectTaggingOutput](t, "GetObjectTagging")(e.root().GetObjectTagging(ctx,
		&s3.GetObjectTaggingInput{Bucket: aws.String("pbkt"), Key: aws.String("tagged")}))
	if got := s3Tags(out.TagSet); !maps.Equal(got, map[string]string{"form": "yes"}) {
		t.Fatalf("tags of the posted object = %v", got)
	}
}
