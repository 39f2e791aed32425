package meta

import (
	"bytes"
	"errors"
	"hash/crc64"
	"reflect"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

func TestBuckets(t *testing.T) {
	h := newHarness(t)
	r := h.ok(&record.CreateBucket{Name: "alpha", Created: 10, ACL: "private", StorageClass: "Standard", Owner: "o1"})
	if r.Bucket == nil || r.Bucket.Name != "alpha" || r.Bucket.Created != 10 {
		t.Fatalf("result bucket = %+v", r.Bucket)
	}
	h.ok(&record.CreateBucket{Name: "alpha", Created: 20, Owner: "o1"}) // same owner: idempotent
	h.want(&record.CreateBucket{Name: "alpha", Created: 30, Owner: "o2"}, record.CodeBucketExists)
	h.want(&record.CreateBucket{Name: "", Created: 30}, record.CodeInvalidArgument)
	b, err := h.f.GetBucket("alpha")
	if err != nil || b.Created != 10 || b.Owner != "o1" || b.ACL != "private" {
		t.Fatalf("GetBucket = %+v, %v (re-create must not change it)", b, err)
	}
	if _, err := h.f.GetBucket("nope"); !errors.Is(err, record.ErrBucketNotFound) {
		t.Fatalf("GetBucket(missing) = %v", err)
	}
	for _, n := range []string{"beta", "alphabet", "gamma", "al"} {
		h.ok(&record.CreateBucket{Name: n})
	}
	tests := map[string]struct {
		prefix, marker string
		max            int
		want           []string
		truncated      bool
	}{
		"all":             {"", "", 100, []string{"al", "alpha", "alphabet", "beta", "gamma"}, false},
		"prefix":          {"alp", "", 100, []string{"alpha", "alphabet"}, false},
		"marker":          {"", "alpha", 100, []string{"alphabet", "beta", "gamma"}, false},
		"marker+prefix":   {"al", "alpha", 100, []string{"alphabet"}, false},
		"max":             {"", "", 2, []string{"al", "alpha"}, true},
		"max exactly":     {"", "beta", 1, []string{"gamma"}, false},
		"marker past all": {"", "zzz", 10, nil, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			bs, trunc, err := h.f.ListBuckets(tc.prefix, tc.marker, tc.max)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, b := range bs {
				names = append(names, b.Name)
			}
			if !reflect.DeepEqual(names, tc.want) || trunc != tc.truncated {
				t.Fatalf("ListBuckets = %v %v, want %v %v", names, trunc, tc.want, tc.truncated)
			}
		})
	}

	h.ok(&record.PutObject{Bucket: "beta", Key: "k", Object: inlineObject("x", 1)})
	h.want(&record.DeleteBucket{Name: "beta"}, record.CodeBucketNotEmpty)
	h.want(&record.DeleteBucket{Name: "nope"}, record.CodeBucketNotFound)
	h.ok(&record.DeleteObject{Bucket: "beta", Key: "k"})
	h.ok(&record.DeleteBucket{Name: "beta"})
	if _, err := h.f.GetBucket("beta"); !errors.Is(err, record.ErrBucketNotFound) {
		t.Fatalf("bucket still there: %v", err)
	}
	// A bucket whose name is a prefix of another's is empty even when the
	// other has objects.
	h.ok(&record.PutObject{Bucket: "alphabet", Key: "k", Object: inlineObject("x", 1)})
	h.ok(&record.DeleteBucket{Name: "alpha"})
}

func TestPutGetDeleteAndStats(t *testing.T) {
	h := newHarness(t)
	h.want(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("x", 1)}, record.CodeBucketNotFound)
	h.ok(&record.CreateBucket{Name: "b"})
	meta := record.Metadata{ContentType: "text/plain", User: map[string]string{"k": "v"}}
	o := inlineObject("hello", 100)
	o.Meta = meta
	r := h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: o})
	if r.Object == nil || r.Object.Size != 5 || r.Object.Segments[0].Data != nil {
		t.Fatalf("result object = %+v (must carry no inline data)", r.Object)
	}
	got, err := h.f.GetObject("b", "k")
	if err != nil || got.Bucket != "b" || got.Key != "k" || string(got.Segments[0].Data) != "hello" || !reflect.DeepEqual(got.Meta, meta) || got.MTime != 100 {
		t.Fatalf("GetObject = %+v, %v", got, err)
	}
	checkStats(t, h.f, "b", 1, 5)
	h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("hi", 101)})
	checkStats(t, h.f, "b", 1, 2)
	h.want(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("no", 102), ForbidOverwrite: true}, record.CodeObjectExists)
	h.ok(&record.PutObject{Bucket: "b", Key: "k2", Object: inlineObject("", 103), ForbidOverwrite: true})
	checkStats(t, h.f, "b", 2, 2)

	bad := map[string]record.Object{
		"size mismatch":     {Size: 3, Type: record.TypeNormal, Segments: []record.Segment{{Size: 2, Data: []byte("ab")}}},
		"inline size wrong": {Size: 3, Type: record.TypeNormal, Segments: []record.Segment{{Size: 3, Data: []byte("ab")}}},
		"negative size":     {Size: -1, Type: record.TypeNormal},
	}
	for name, o := range bad {
		t.Run(name, func(t *testing.T) {
			h.want(&record.PutObject{Bucket: "b", Key: "bad", Object: o}, record.CodeInvalidArgument)
		})
	}
	h.want(&record.PutObject{Bucket: "b", Key: "", Object: inlineObject("x", 1)}, record.CodeInvalidArgument)

	if _, err := h.f.GetObject("b", "missing"); !errors.Is(err, record.ErrObjectNotFound) {
		t.Fatalf("GetObject(missing) = %v", err)
	}
	if _, err := h.f.GetObject("nob", "k"); !errors.Is(err, record.ErrBucketNotFound) {
		t.Fatalf("GetObject(missing bucket) = %v", err)
	}
	h.ok(&record.DeleteObject{Bucket: "b", Key: "k"})
	h.ok(&record.DeleteObject{Bucket: "b", Key: "k"}) // missing key: fine
	h.want(&record.DeleteObject{Bucket: "nob", Key: "k"}, record.CodeBucketNotFound)
	checkStats(t, h.f, "b", 1, 0)
	for _, k := range []string{"a", "b", "c"} {
		h.ok(&record.PutObject{Bucket: "b", Key: k, Object: inlineObject(k, 1)})
	}
	h.ok(&record.DeleteObjects{Bucket: "b", Keys: []string{"a", "c", "zz", "k2"}})
	checkStats(t, h.f, "b", 1, 1)
	h.want(&record.DeleteObjects{Bucket: "nob", Keys: []string{"a"}}, record.CodeBucketNotFound)
}

func checkStats(t *testing.T, f *FSM, bucket string, objects, bytes int64) {
	t.Helper()
	b, err := f.GetBucket(bucket)
	if err != nil || b.Objects != objects || b.Bytes != bytes {
		t.Fatalf("GetBucket(%s) counts %d objects, %d bytes, %v; want %d, %d", bucket, b.Objects, b.Bytes, err, objects, bytes)
	}
}

func seg(data string) record.Segment {
	return record.Segment{Size: int64(len(data)), Data: []byte(data), CRC64: crc64.Checksum([]byte(data), ecma)}
}

func TestAppend(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	h.want(&record.AppendObject{Bucket: "nob", Key: "k", Segment: seg("x")}, record.CodeBucketNotFound)
	r := h.want(&record.AppendObject{Bucket: "b", Key: "k", Position: 3, Segment: seg("x")}, record.CodePositionNotEqual)
	if r.Length != 0 {
		t.Fatalf("Length = %d for an absent object", r.Length)
	}
	meta := record.Metadata{ContentType: "a/b"}
	r = h.ok(&record.AppendObject{Bucket: "b", Key: "k", Position: 0, Segment: seg("abc"), MTime: 1, Meta: meta})
	etag1 := r.Object.ETag
	if r.Object.Type != record.TypeAppendable || r.Object.Size != 3 || r.Object.MD5 != nil {
		t.Fatalf("after first append: %+v", r.Object)
	}
	r = h.want(&record.AppendObject{Bucket: "b", Key: "k", Position: 0, Segment: seg("x")}, record.CodePositionNotEqual)
	if r.Length != 3 {
		t.Fatalf("Length = %d, want 3", r.Length)
	}
	r = h.ok(&record.AppendObject{Bucket: "b", Key: "k", Position: 3, Segment: seg("defg"), MTime: 2, Meta: record.Metadata{ContentType: "ignored"}})
	if r.Object.ETag == etag1 {
		t.Fatal("ETag did not change on append")
	}
	h.ok(&record.AppendObject{Bucket: "b", Key: "k", Position: 7, Segment: record.Segment{Blob: "blob1", Size: 5, CRC64: crc64.Checksum([]byte("hijkl"), ecma)}, MTime: 3})
	r = h.ok(&record.AppendObject{Bucket: "b", Key: "k", Position: 12, Segment: seg("mn"), MTime: 4})
	want := "abcdefghijklmn"
	if r.Object.Size != int64(len(want)) || r.Object.CRC64 != crc64.Checksum([]byte(want), ecma) {
		t.Fatalf("size %d crc %x, want %d %x", r.Object.Size, r.Object.CRC64, len(want), crc64.Checksum([]byte(want), ecma))
	}
	got, err := h.f.GetObject("b", "k")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Segments) != 3 || string(got.Segments[0].Data) != "abcdefg" || got.Segments[1].Blob != "blob1" || string(got.Segments[2].Data) != "mn" {
		t.Fatalf("segments = %+v (adjacent inline segments must merge)", got.Segments)
	}
	if got.Segments[0].CRC64 != crc64.Checksum([]byte("abcdefg"), ecma) {
		t.Fatal("merged segment CRC wrong")
	}
	if got.Meta.ContentType != "a/b" || got.MTime != 4 {
		t.Fatalf("meta %+v mtime %d: metadata comes from the creating append only", got.Meta, got.MTime)
	}
	checkStats(t, h.f, "b", 1, 14)
	refs, _ := h.f.RefCounts([]string{"blob1"})
	if refs[0] != 1 {
		t.Fatalf("refs = %v", refs)
	}
	// Zero-byte append: position checked, nothing added.
	r = h.ok(&record.AppendObject{Bucket: "b", Key: "k", Position: 14, Segment: record.Segment{}, MTime: 5})
	if r.Object.Size != 14 {
		t.Fatal("zero-byte append changed the size")
	}

	h.ok(&record.PutObject{Bucket: "b", Key: "n", Object: inlineObject("normal", 1)})
	h.want(&record.AppendObject{Bucket: "b", Key: "n", Position: 6, Segment: seg("x")}, record.CodeNotAppendable)
	h.want(&record.AppendObject{Bucket: "b", Key: "n", Position: 0, Segment: seg("x")}, record.CodeNotAppendable)
	// PUT replaces an appendable object (and drops its blob reference).
	h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("x", 9)})
	if g, _ := h.f.Garbage(10); !reflect.DeepEqual(g, []string{"blob1"}) {
		t.Fatalf("garbage = %v", g)
	}
}

func TestCopy(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "s"})
	h.ok(&record.CreateBucket{Name: "d"})
	src := blobObject("blobA", 10)
	src.MTime = 5_000_000_000 // 5 s
	src.ETag = `"ABCDEF"`
	src.Meta = record.Metadata{ContentType: "text/a", User: map[string]string{"x": "1"}}
	h.ok(&record.PutObject{Bucket: "s", Key: "k", Object: src})

	h.want(&record.CopyObject{SrcBucket: "nob", SrcKey: "k", DstBucket: "d", DstKey: "k"}, record.CodeBucketNotFound)
	h.want(&record.CopyObject{SrcBucket: "s", SrcKey: "k", DstBucket: "nob", DstKey: "k"}, record.CodeBucketNotFound)
	h.want(&record.CopyObject{SrcBucket: "s", SrcKey: "missing", DstBucket: "d", DstKey: "k"}, record.CodeObjectNotFound)

	r := h.ok(&record.CopyObject{SrcBucket: "s", SrcKey: "k", DstBucket: "d", DstKey: "c", MTime: 9, Meta: record.Metadata{ContentType: "ignored"}})
	if r.Object.ETag != src.ETag || r.Object.Meta.ContentType != "text/a" || r.Object.MTime != 9 || r.Object.Bucket != "d" {
		t.Fatalf("COPY result = %+v", r.Object)
	}
	if n, _ := h.f.RefCounts([]string{"blobA"}); n[0] != 2 {
		t.Fatalf("refs after copy = %v", n)
	}
	checkStats(t, h.f, "d", 1, 10)
	h.want(&record.CopyObject{SrcBucket: "s", SrcKey: "k", DstBucket: "d", DstKey: "c", ForbidOverwrite: true}, record.CodeObjectExists)

	// Self-copy with REPLACE changes metadata only (and ignores ForbidOverwrite).
	newMeta := record.Metadata{ContentType: "text/b"}
	h.ok(&record.CopyObject{SrcBucket: "s", SrcKey: "k", DstBucket: "s", DstKey: "k", ReplaceMeta: true, Meta: newMeta, MTime: 11, ForbidOverwrite: true})
	got, _ := h.f.GetObject("s", "k")
	if !reflect.DeepEqual(got.Meta, newMeta) || got.ETag != src.ETag || got.Segments[0].Blob != "blobA" {
		t.Fatalf("after self-copy: %+v", got)
	}
	if n, _ := h.f.RefCounts([]string{"blobA"}); n[0] != 2 {
		t.Fatalf("refs after self-copy = %v", n)
	}
	if g, _ := h.f.Garbage(10); len(g) != 0 {
		t.Fatalf("self-copy produced garbage %v", g)
	}
	checkStats(t, h.f, "s", 1, 10)

	// Deleting both copies sends the blob to garbage exactly when the last goes.
	h.ok(&record.DeleteObject{Bucket: "s", Key: "k"})
	if g, _ := h.f.Garbage(10); len(g) != 0 {
		t.Fatalf("garbage while a copy remains: %v", g)
	}
	h.ok(&record.DeleteObject{Bucket: "d", Key: "c"})
	if g, _ := h.f.Garbage(10); !reflect.DeepEqual(g, []string{"blobA"}) {
		t.Fatalf("garbage = %v", g)
	}
	if err := h.f.ForgetGarbage([]string{"blobA"}); err != nil {
		t.Fatal(err)
	}
	if g, _ := h.f.Garbage(10); len(g) != 0 {
		t.Fatalf("garbage after forget = %v", g)
	}
}

func TestCopyConditions(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	o := inlineObject("data", 5_500_000_000) // 5.5 s: compared as 5 s
	o.ETag = `"ABCDEF"`
	h.ok(&record.PutObject{Bucket: "b", Key: "src", Object: o})
	tests := map[string]struct {
		cond record.Condition
		ok   bool
	}{
		"none":                             {record.Condition{}, true},
		"if-match equal":                   {record.Condition{IfMatch: `"ABCDEF"`}, true},
		"if-match unquoted lower":          {record.Condition{IfMatch: `abcdef`}, true},
		"if-match star":                    {record.Condition{IfMatch: `*`}, true},
		"if-match list":                    {record.Condition{IfMatch: `"X", "ABCDEF"`}, true},
		"if-match other":                   {record.Condition{IfMatch: `"X"`}, false},
		"if-none-match equal":              {record.Condition{IfNoneMatch: `"ABCDEF"`}, false},
		"if-none-match other":              {record.Condition{IfNoneMatch: `"X"`}, true},
		"if-modified-since before":         {record.Condition{IfModifiedSince: ptr(int64(4))}, true},
		"if-modified-since same sec":       {record.Condition{IfModifiedSince: ptr(int64(5))}, false},
		"if-unmodified-since same sec":     {record.Condition{IfUnmodifiedSince: ptr(int64(5))}, true},
		"if-unmodified-since before":       {record.Condition{IfUnmodifiedSince: ptr(int64(4))}, false},
		"if-match wins over unmodified":    {record.Condition{IfMatch: `"ABCDEF"`, IfUnmodifiedSince: ptr(int64(1))}, true},
		"if-none-match wins over modified": {record.Condition{IfNoneMatch: `"X"`, IfModifiedSince: ptr(int64(9))}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			want := record.CodePreconditionFailed
			if tc.ok {
				want = record.CodeOK
			}
			h.want(&record.CopyObject{SrcBucket: "b", SrcKey: "src", DstBucket: "b", DstKey: "dst", Cond: tc.cond}, want)
		})
	}
}

func TestKeys(t *testing.T) {
	h := newHarness(t)
	r := h.ok(&record.CreateKey{ID: "k1", Secret: "s1", Grants: map[string]string{"b": "read"}, Created: 5})
	if r.Key == nil || r.Key.ID != "k1" {
		t.Fatalf("result key = %+v", r.Key)
	}
	h.ok(&record.CreateKey{ID: "k1", Secret: "s1", Grants: map[string]string{"c": "write"}, Created: 9})
	k, err := h.f.GetKey("k1")
	if err != nil || k.Created != 5 || !reflect.DeepEqual(k.Grants, map[string]string{"c": "write"}) {
		t.Fatalf("after idempotent create: %+v, %v", k, err)
	}
	h.want(&record.CreateKey{ID: "k1", Secret: "other"}, record.CodeKeyConflict)
	h.want(&record.CreateKey{ID: "", Secret: "x"}, record.CodeInvalidArgument)
	h.want(&record.CreateKey{ID: "x", Secret: ""}, record.CodeInvalidArgument)
	h.want(&record.SetGrants{ID: "nope"}, record.CodeKeyNotFound)
	h.ok(&record.SetGrants{ID: "k1", Grants: nil})
	h.ok(&record.CreateKey{ID: "a0", Secret: "s"})
	keys, err := h.f.ListKeys()
	if err != nil || len(keys) != 2 || keys[0].ID != "a0" || keys[1].ID != "k1" || keys[1].Grants != nil {
		t.Fatalf("ListKeys = %+v, %v", keys, err)
	}
	h.ok(&record.DeleteKey{ID: "k1"})
	h.ok(&record.DeleteKey{ID: "k1"})
	if _, err := h.f.GetKey("k1"); !errors.Is(err, record.ErrKeyNotFound) {
		t.Fatalf("GetKey after delete = %v", err)
	}
}

func TestApplyPanicsOnUndecodableEntry(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b"})
	before := snapshotBytes(t, h.f)
	for name, data := range map[string][]byte{
		"unknown type": {0xEE, 1},
		"truncated":    record.Encode(&record.CreateBucket{Name: "c"})[:3],
		"empty":        nil,
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("Apply did not panic")
				}
			}()
			h.f.Apply(&raft.Log{Index: h.idx + 1, Type: raft.LogCommand, Data: data})
		})
	}
	if !bytes.Equal(before, snapshotBytes(t, h.f)) || h.f.AppliedIndex() != h.idx {
		t.Fatal("a panicking apply changed the state")
	}
	h.ok(&record.CreateBucket{Name: "c"}) // still usable
}

func TestRestartKeepsAppliedIndexAndSkipsReplays(t *testing.T) {
	path := t.TempDir() + "/meta.db"
	open := func() *FSM {
		cfg := DefaultConfig()
		cfg.Path = path
		f, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := open()
	h := &harness{t: t, f: f}
	h.ok(&record.CreateBucket{Name: "b"})
	h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("one", 1)})
	h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("two", 2)})
	// Non-command entries advance the index too.
	f.ApplyBatch([]*raft.Log{{Index: 4, Type: raft.LogConfiguration}})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.GetBucket("b"); !errors.Is(err, ErrClosed) {
		t.Fatalf("read after Close = %v", err)
	}

	f = open()
	defer f.Close()
	if f.AppliedIndex() != 4 {
		t.Fatalf("AppliedIndex after restart = %d, want 4", f.AppliedIndex())
	}
	before := snapshotBytes(t, f)
	// Replaying entry 2 (the first put) must not undo entry 3.
	res := f.ApplyBatch([]*raft.Log{
		{Index: 2, Type: raft.LogCommand, Data: record.Encode(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("one", 1)})},
		{Index: 3, Type: raft.LogCommand, Data: record.Encode(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("two", 2)})},
	})
	for _, r := range res {
		if r.(*record.Result).Code != record.CodeSkipped {
			t.Fatalf("replayed entry result = %+v", r)
		}
	}
	if !bytes.Equal(before, snapshotBytes(t, f)) {
		t.Fatal("replay changed the state")
	}
	h = &harness{t: t, f: f, idx: 4}
	h.ok(&record.DeleteObject{Bucket: "b", Key: "k"})
	if f.AppliedIndex() != 5 {
		t.Fatalf("AppliedIndex = %d", f.AppliedIndex())
	}
}
