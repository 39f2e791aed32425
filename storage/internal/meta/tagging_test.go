package meta

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// TestObjectTagging: tags ride on puts, first appends, copies (kept by
// default, replaced on request) and multipart uploads; SetObjectTagging
// changes the tags of an existing object and nothing else; invalid tags
// and a missing object are refused without a trace; all of it survives a
// snapshot restore.
func TestObjectTagging(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b", ACL: "private"})
	tags := map[string]string{"k1": "v1", "k2": ""}
	o := inlineObject("abc", 5)
	o.Tags = tags
	h.ok(&record.PutObject{Bucket: "b", Key: "put", Object: o})
	h.ok(&record.AppendObject{Bucket: "b", Key: "app", Segment: record.Segment{Size: 1, CRC64: 1, Data: []byte("a")}, Tags: tags})
	// A later append's tags are ignored: the creating append's stay.
	h.ok(&record.AppendObject{Bucket: "b", Key: "app", Position: 1, Segment: record.Segment{Size: 1, CRC64: 1, Data: []byte("b")},
		Tags: map[string]string{"other": "x"}})
	h.ok(&record.CopyObject{SrcBucket: "b", SrcKey: "put", DstBucket: "b", DstKey: "copy", MTime: 6})
	h.ok(&record.CopyObject{SrcBucket: "b", SrcKey: "put", DstBucket: "b", DstKey: "replaced", MTime: 6,
		ReplaceTags: true, Tags: map[string]string{"new": "1"}})
	h.ok(&record.CopyObject{SrcBucket: "b", SrcKey: "put", DstBucket: "b", DstKey: "cleared", MTime: 6, ReplaceTags: true})
	h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: "mp", ID: "u1", Initiated: 1, Tags: tags}})
	h.ok(&record.CompleteUpload{Bucket: "b", Key: "mp", UploadID: "u1", All: true, MTime: 7})

	want := map[string]map[string]string{
		"put": tags, "app": tags, "copy": tags, "replaced": {"new": "1"}, "cleared": nil, "mp": tags,
	}
	check := func(f *FSM, when string) {
		t.Helper()
		for key, w := range want {
			got, err := f.GetObject("b", key)
			if err != nil || !reflect.DeepEqual(got.Tags, w) {
				t.Errorf("%s: %s tags = %v (%v), want %v", when, key, got.Tags, err, w)
			}
		}
	}
	check(h.f, "after the writes")

	before, _ := h.f.GetObject("b", "put")
	bucketBefore, _ := h.f.GetBucket("b")
	r := h.ok(&record.SetObjectTagging{Bucket: "b", Key: "put", Tags: map[string]string{"a": "b"}})
	if r.Object == nil || !reflect.DeepEqual(r.Object.Tags, map[string]string{"a": "b"}) {
		t.Fatalf("result object = %+v", r.Object)
	}
	want["put"] = map[string]string{"a": "b"}
	after, _ := h.f.GetObject("b", "put")
	after.Tags, before.Tags = nil, nil
	if !reflect.DeepEqual(after, before) {
		t.Errorf("SetObjectTagging changed more than the tags:\n got %+v\nwant %+v", after, before)
	}
	if b, _ := h.f.GetBucket("b"); !reflect.DeepEqual(b, bucketBefore) {
		t.Errorf("SetObjectTagging changed the bucket: %+v, was %+v", b, bucketBefore)
	}
	h.ok(&record.SetObjectTagging{Bucket: "b", Key: "app"})
	want["app"] = nil

	eleven := map[string]string{}
	for i := range 11 {
		eleven[strings.Repeat("k", i+1)] = "v"
	}
	bad := []map[string]string{eleven, {strings.Repeat("k", 129): "v"}, {"k": strings.Repeat("v", 257)}, {"a&b": "v"}, {"": "v"}}
	for _, tg := range bad {
		h.want(&record.SetObjectTagging{Bucket: "b", Key: "put", Tags: tg}, record.CodeInvalidArgument)
		bo := inlineObject("x", 1)
		bo.Tags = tg
		h.want(&record.PutObject{Bucket: "b", Key: "bad", Object: bo}, record.CodeInvalidArgument)
		h.want(&record.CopyObject{SrcBucket: "b", SrcKey: "put", DstBucket: "b", DstKey: "bad", ReplaceTags: true, Tags: tg},
			record.CodeInvalidArgument)
	}
	h.want(&record.SetObjectTagging{Bucket: "b", Key: "missing", Tags: tags}, record.CodeObjectNotFound)
	h.want(&record.SetObjectTagging{Bucket: "nobucket", Key: "k", Tags: tags}, record.CodeBucketNotFound)
	if _, err := h.f.GetObject("b", "missing"); err == nil {
		t.Fatal("SetObjectTagging created an object")
	}
	if _, err := h.f.GetObject("b", "bad"); err == nil {
		t.Fatal("a write with invalid tags created an object")
	}
	check(h.f, "after SetObjectTagging")

	c := newFSM(t)
	if err := c.Restore(io.NopCloser(bytes.NewReader(snapshotBytes(t, h.f)))); err != nil {
		t.Fatal(err)
	}
	check(c, "after a restore")
}

// TestBucketTagging: SetBucketTagging changes only an existing bucket's
// tags (counters kept), refuses invalid ones, never creates a bucket, and
// the tags survive a snapshot restore.
func TestBucketTagging(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b", Created: 3, ACL: "public-read", StorageClass: "IA"})
	h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("abc", 1)})
	tags := map[string]string{"owner": "team", "env": ""}
	h.ok(&record.SetBucketTagging{Name: "b", Tags: tags})
	want := record.Bucket{Name: "b", Created: 3, ACL: "public-read", StorageClass: "IA", Objects: 1, Bytes: 3, Tags: tags}
	twentyOne := map[string]string{}
	for i := range 21 {
		twentyOne[strings.Repeat("k", i+1)] = "v"
	}
	for _, bad := range []map[string]string{twentyOne, {"Aliyun:x": "v"}, {strings.Repeat("k", 65): "v"}} {
		h.want(&record.SetBucketTagging{Name: "b", Tags: bad}, record.CodeInvalidArgument)
	}
	h.want(&record.SetBucketTagging{Name: "missing", Tags: tags}, record.CodeBucketNotFound)
	if _, err := h.f.GetBucket("missing"); err == nil {
		t.Fatal("SetBucketTagging created a bucket")
	}
	if got, err := h.f.GetBucket("b"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("GetBucket = %+v, %v; want %+v", got, err, want)
	}
	c := newFSM(t)
	if err := c.Restore(io.NopCloser(bytes.NewReader(snapshotBytes(t, h.f)))); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetBucket("b"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("restored GetBucket = %+v, %v; want %+v", got, err, want)
	}
	h.ok(&record.SetBucketTagging{Name: "b"})
	want.Tags = nil
	if got, err := h.f.GetBucket("b"); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after delete GetBucket = %+v, %v; want %+v", got, err, want)
	}
}

// TestSymlinkRecord: a symlink is stored as a content-less object with a
// target, listed with its type, deleted like any object; malformed ones
// (a target on another type, content on a symlink, no target) are refused.
func TestSymlinkRecord(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b", ACL: "private"})
	link := record.Object{Type: record.TypeSymlink, ETag: `"S"`, MTime: 3, SymlinkTarget: "dir/target",
		Meta: record.Metadata{ACL: "public-read", User: map[string]string{"m": "1"}}}
	h.ok(&record.PutObject{Bucket: "b", Key: "link", Object: link})
	got, err := h.f.GetObject("b", "link")
	if err != nil || got.Type != record.TypeSymlink || got.SymlinkTarget != "dir/target" || got.Meta.User["m"] != "1" {
		t.Fatalf("GetObject = %+v, %v", got, err)
	}
	lr, err := h.f.ListObjects("b", ListOptions{MaxKeys: 10})
	if err != nil || len(lr.Objects) != 1 || lr.Objects[0].Type != record.TypeSymlink {
		t.Fatalf("ListObjects = %+v, %v", lr, err)
	}
	noTarget := link
	noTarget.SymlinkTarget = ""
	withData := link
	withData.Size, withData.Segments = 1, []record.Segment{{Size: 1, Data: []byte("x")}}
	targetOnNormal := inlineObject("x", 1)
	targetOnNormal.SymlinkTarget = "t"
	for name, o := range map[string]record.Object{"no target": noTarget, "with data": withData, "target on normal": targetOnNormal} {
		r := h.apply(&record.PutObject{Bucket: "b", Key: "bad", Object: o})
		if r.Code != record.CodeInvalidArgument {
			t.Errorf("%s: code %v, want InvalidArgument", name, r.Code)
		}
	}
	h.ok(&record.DeleteObject{Bucket: "b", Key: "link"})
	if b, _ := h.f.GetBucket("b"); b.Objects != 0 {
		t.Fatalf("bucket counts %d objects after the link's delete", b.Objects)
	}
}
