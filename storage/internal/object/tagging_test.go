package object

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"strings"
	"testing"
)

// TestTaggingThroughLayer: tags given to PutObject, CopyObject (kept by
// default, replaced on request), CreateUpload and the first append land on
// the objects; SetObjectTagging and SetBucketTagging replace them;
// invalid tags are ErrInvalidTag and change nothing; a missing object is
// ErrObjectNotFound; all of it survives a restart and a snapshot restore.
func TestTaggingThroughLayer(t *testing.T) {
	dir := t.TempDir()
	st := openStack(t, dir)
	ctx := t.Context()
	s := st.store
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{"project": "koss", "empty": ""}
	put := func(key string, opts PutOptions) {
		t.Helper()
		if _, err := s.PutObject(ctx, "bkt", key, strings.NewReader("data"), 4, opts); err != nil {
			t.Fatal(err)
		}
	}
	put("put", PutOptions{Tags: tags})
	if _, err := s.CopyObject(ctx, ObjectRef{Bucket: "bkt", Key: "put"}, ObjectRef{Bucket: "bkt", Key: "copy"}, CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CopyObject(ctx, ObjectRef{Bucket: "bkt", Key: "put"}, ObjectRef{Bucket: "bkt", Key: "replaced"},
		CopyOptions{ReplaceTags: true, Tags: map[string]string{"x": "y"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendObject(ctx, "bkt", "app", 0, strings.NewReader("a"), 1, PutOptions{Tags: tags}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendObject(ctx, "bkt", "app", 1, strings.NewReader("b"), 1, PutOptions{Tags: map[string]string{"later": "x"}}); err != nil {
		t.Fatal(err)
	}
	up, err := s.CreateUpload(ctx, "bkt", "mp", PutOptions{Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteUpload(ctx, "bkt", "mp", up.UploadID, nil, CompleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetBucketTagging(ctx, "bkt", map[string]string{"team": "storage"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{"put": tags, "copy": tags, "replaced": {"x": "y"}, "app": tags, "mp": tags}

	before, _ := s.HeadObject(ctx, "bkt", "put")
	if err := s.SetObjectTagging(ctx, "bkt", "put", map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	want["put"] = map[string]string{"k": "v"}
	after, _ := s.HeadObject(ctx, "bkt", "put")
	if after.ETag != before.ETag || !after.LastModified.Equal(before.LastModified) {
		t.Errorf("SetObjectTagging changed the object: %+v, was %+v", after, before)
	}
	if err := s.SetObjectTagging(ctx, "bkt", "copy", nil); err != nil {
		t.Fatal(err)
	}
	want["copy"] = nil

	eleven := map[string]string{}
	for i := range 11 {
		eleven[strings.Repeat("k", i+1)] = "v"
	}
	for _, bad := range []map[string]string{eleven, {strings.Repeat("k", 129): "v"}, {"a&b": "c"}, {"k☃": "v"}} {
		if err := s.SetObjectTagging(ctx, "bkt", "put", bad); !errors.Is(err, ErrInvalidTag) {
			t.Errorf("SetObjectTagging(%v) = %v, want ErrInvalidTag", bad, err)
		}
		if _, err := s.PutObject(ctx, "bkt", "bad", strings.NewReader("x"), 1, PutOptions{Tags: bad}); !errors.Is(err, ErrInvalidTag) {
			t.Errorf("PutObject with tags %v = %v, want ErrInvalidTag", bad, err)
		}
	}
	if _, err := s.HeadObject(ctx, "bkt", "bad"); !errors.Is(err, ErrObjectNotFound) {
		t.Errorf("a put with invalid tags stored an object: %v", err)
	}
	if err := s.SetObjectTagging(ctx, "bkt", "missing", tags); !errors.Is(err, ErrObjectNotFound) {
		t.Errorf("SetObjectTagging on a missing object = %v, want ErrObjectNotFound", err)
	}

	check := func(s *Store, when string) {
		t.Helper()
		for key, w := range want {
			info, err := s.HeadObject(ctx, "bkt", key)
			if err != nil || !maps.Equal(info.Tags, w) {
				t.Errorf("%s: %s tags = %v (%v), want %v", when, key, info.Tags, err, w)
			}
		}
		b, err := s.GetBucket(ctx, "bkt")
		if err != nil || !maps.Equal(b.Tags, map[string]string{"team": "storage"}) {
			t.Errorf("%s: bucket tags = %v (%v)", when, b.Tags, err)
		}
	}
	check(s, "live")
	var snap bytes.Buffer
	if err := st.fsm.WriteSnapshot(&snap); err != nil {
		t.Fatal(err)
	}
	st.close()
	st = openStack(t, dir)
	check(st.store, "after a restart")
	st2 := openStack(t, t.TempDir())
	if err := st2.fsm.Restore(io.NopCloser(bytes.NewReader(snap.Bytes()))); err != nil {
		t.Fatal(err)
	}
	check(st2.store, "after a restore")
}

// TestSymlinkThroughLayer: a read through a symlink returns the target's
// bytes and info marked as a symlink; a missing target, or one that is a
// symlink itself, is ErrSymlinkTargetNotFound (an ErrObjectNotFound);
// GetSymlink refuses a plain object; deleting the link leaves the target.
func TestSymlinkThroughLayer(t *testing.T) {
	st := openStack(t, t.TempDir())
	ctx := t.Context()
	s := st.store
	if err := s.CreateBucket(ctx, "bkt", BucketOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutSymlink(ctx, "bkt", "link", "target", PutOptions{Metadata: Metadata{User: map[string]string{"m": "1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.GetObjectFollow(ctx, "bkt", "link", nil); !errors.Is(err, ErrSymlinkTargetNotFound) || !errors.Is(err, ErrObjectNotFound) {
		t.Fatalf("GetObject through a dangling link = %v", err)
	}
	target, err := s.PutObject(ctx, "bkt", "target", strings.NewReader("target"), 6, PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	info, body, err := s.GetObjectFollow(ctx, "bkt", "link", nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(body)
	_ = body.Close()
	if string(data) != "target" || info.Type != TypeSymlink || info.ETag != target.ETag || info.Size != 6 || info.SymlinkTarget != "target" {
		t.Fatalf("GetObject through the link = %+v %q", info, data)
	}
	if stat, err := s.StatObject(ctx, "bkt", "link"); err != nil || stat.Size != 6 || stat.Type != TypeSymlink {
		t.Fatalf("StatObject = %+v, %v", stat, err)
	}
	// GetObject reads the link itself: no bytes, never the target's.
	raw, rawBody, err := s.GetObject(ctx, "bkt", "link", nil)
	if err != nil {
		t.Fatal(err)
	}
	rawData, _ := io.ReadAll(rawBody)
	_ = rawBody.Close()
	if len(rawData) != 0 || raw.Type != TypeSymlink || raw.Size != 0 {
		t.Fatalf("GetObject of the link = %+v %q, want the link's empty record", raw, rawData)
	}
	link, err := s.GetSymlink(ctx, "bkt", "link")
	if err != nil || link.SymlinkTarget != "target" || link.Size != 0 || link.Metadata.User["m"] != "1" {
		t.Fatalf("GetSymlink = %+v, %v", link, err)
	}
	if _, err := s.GetSymlink(ctx, "bkt", "target"); !errors.Is(err, ErrNotSymlink) {
		t.Fatalf("GetSymlink of a plain object = %v, want ErrNotSymlink", err)
	}
	if _, err := s.PutSymlink(ctx, "bkt", "link2", "link", PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StatObject(ctx, "bkt", "link2"); !errors.Is(err, ErrSymlinkTargetNotFound) {
		t.Fatalf("a link to a link was followed: %v", err)
	}
	if _, err := s.PutSymlink(ctx, "bkt", "bad", "", PutOptions{}); err == nil {
		t.Fatal("a symlink with an empty target was stored")
	}
	lr, err := s.ListObjects(ctx, "bkt", ListOptions{})
	if err != nil || len(lr.Objects) != 3 || lr.Objects[0].Type != TypeSymlink {
		t.Fatalf("ListObjects = %+v, %v", lr, err)
	}
	if err := s.DeleteObject(ctx, "bkt", "link"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HeadObject(ctx, "bkt", "target"); err != nil {
		t.Fatalf("deleting the link removed the target: %v", err)
	}
}
