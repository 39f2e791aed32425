package meta

import (
	"bytes"
	"errors"
	"hash/crc64"
	"reflect"
	"testing"

	"github.com/hashicorp/raft"
)

func TestBuckets(t *testing.T) {
	h := newHarness(t)
	r := h.ok(&CreateBucket{Name: "alpha", Created: 10, ACL: "private", StorageClass: "Standard", Owner: "o1"})
	if r.Bucket == nil || r.Bucket.Name != "alpha" || r.Bucket.Created != 10 {
		t.Fatalf("result bucket = %+v", r.Bucket)
	}
	h.ok(&CreateBucket{Name: "alpha", Created: 20, Owner: "o1"}) // same owner: idempotent
	h.want(&CreateBucket{Name: "alpha", Created: 30, Owner: "o2"}, CodeBucketExists)
	h.want(&CreateBucket{Name: "", Created: 30}, CodeInvalidArgument)
	b, err := h.f.GetBucket("alpha")
	if err != nil || b.Created != 10 || b.Owner != "o1" || b.ACL != "private" {
		t.Fatalf("GetBucket = %+v, %v (re-create must not change it)", b, err)
	}
	if _, err := h.f.GetBucket("nope"); !errors.Is(err, ErrBucketNotFound) {
		t.Fatalf("GetBucket(missing) = %v", err)
	}
	for _, n := range []string{"beta", "alphabet", "gamma", "al"} {
		h.ok(&CreateBucket{Name: n})
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

	h.ok(&PutObject{Bucket: "beta", Key: "k", Object: inlineObject("x", 1)})
	h.want(&DeleteBucket{Name: "beta"}, CodeBucketNotEmpty)
	h.want(&DeleteBucket{Name: "nope"}, CodeBucketNotFound)
	h.ok(&DeleteObject{Bucket: "beta", Key: "k"})
	h.ok(&DeleteBucket{Name: "beta"})
	if _, err := h.f.GetBucket("beta"); !errors.Is(err, ErrBucketNotFound) {
		t.Fatalf("bucket still there: %v", err)
	}
	// A bucket whose name is a prefix of another's is empty even when the
	// other has objects.
	h.ok(&PutObject{Bucket: "alphabet", Key: "k", Object: inlineObject("x", 1)})
	h.ok(&DeleteBucket{Name: "alpha"})
}

func TestPutGetDeleteAndStats(t *testing.T) {
	h := newHarness(t)
	h.want(&PutObject{Bucket: "b", Key: "k", Object: inlineObject("x", 1)}, CodeBucketNotFound)
	h.ok(&CreateBucket{Name: "b"})
	meta := Metadata{ContentType: "text/plain", User: map[string]string{"k": "v"}}
	o := inlineObject("hello", 100)
	o.Meta = meta
	r := h.ok(&PutObject{Bucket: "b", Key: "k", Object: o})
	if r.Object == nil || r.Object.Size != 5 || r.Object.Segments[0].Data != nil {
		t.Fatalf("result object = %+v (must carry no inline data)", r.Object)
	}
	got, err := h.f.GetObject("b", "k")
	if err != nil || got.Bucket != "b" || got.Key != "k" || string(got.Segments[0].Data) != "hello" || !reflect.DeepEqual(got.Meta, meta) || got.MTime != 100 {
		t.Fatalf("GetObject = %+v, %v", got, err)
	}
	checkStats(t, h.f, "b", 1, 5)
	h.ok(&PutObject{Bucket: "b", Key: "k", Object: inlineObject("hi", 101)})
	checkStats(t, h.f, "b", 1, 2)
	h.want(&PutObject{Bucket: "b", Key: "k", Object: inlineObject("no", 102), ForbidOverwrite: true}, CodeObjectExists)
	h.ok(&PutObject{Bucket: "b", Key: "k2", Object: inlineObject("", 103), ForbidOverwrite: true})
	checkStats(t, h.f, "b", 2, 2)

	bad := map[string]Object{
		"size mismatch":     {Size: 3, Type: TypeNormal, Segments: []Segment{{Size: 2, Data: []byte("ab")}}},
		"inline size wrong": {Size: 3, Type: TypeNormal, Segments: []Segment{{Size: 3, Data: []byte("ab")}}},
		"negative size":     {Size: -1, Type: TypeNormal},
	}
	for name, o := range bad {
		t.Run(name, func(t *testing.T) {
			h.want(&PutObject{Bucket: "b", Key: "bad", Object: o}, CodeInvalidArgument)
		})
	}
	h.want(&PutObject{Bucket: "b", Key: "", Object: inlineObject("x", 1)}, CodeInvalidArgument)

	if _, err := h.f.GetObject("b", "missing"); !errors.Is(err, ErrObjectNotFound) {
		t.Fatalf("GetObject(missing) = %v", err)
	}
	if _, err := h.f.GetObject("nob", "k"); !errors.Is(err, ErrBucketNotFound) {
		t.Fatalf("GetObject(missing bucket) = %v", err)
	}
	h.ok(&DeleteObject{Bucket: "b", Key: "k"})
	h.ok(&DeleteObject{Bucket: "b", Key: "k"}) // missing key: fine
	h.want(&DeleteObject{Bucket: "nob", Key: "k"}, CodeBucketNotFound)
	checkStats(t, h.f, "b", 1, 0)
	for _, k := range []string{"a", "b", "c"} {
		h.ok(&PutObject{Bucket: "b", Key: k, Object: inlineObject(k, 1)})
	}
	h.ok(&DeleteObjects{Bucket: "b", Keys: []string{"a", "c", "zz", "k2"}})
	checkStats(t, h.f, "b", 1, 1)
	h.want(&DeleteObjects{Bucket: "nob", Keys: []string{"a"}}, CodeBucketNotFound)
}

func checkStats(t *testing.T, f *FSM, bucket string, objects, bytes int64) {
	t.Helper()
	b, err := f.GetBucket(bucket)
	if err != nil || b.Objects != objects || b.Bytes != bytes {
		t.Fatalf("GetBucket(%s) counts %d objects, %d bytes, %v; want %d, %d", bucket, b.Objects, b.Bytes, err, objects, bytes)
	}
}

func seg(data string) Segment {
	return Segment{Size: int64(len(data)), Data: []byte(data), CRC64: crc64.Checksum([]byte(data), ecma)}
}

func TestAppend(t *testing.T) {
	h := newHarness(t)
	h.ok(&CreateBucket{Name: "b"})
	h.want(&AppendObject{Bucket: "nob", Key: "k", Segment: seg("x")}, CodeBucketNotFound)
	r := h.want(&AppendObject{Bucket: "b", Key: "k", Position: 3, Segment: seg("x")}, CodePositionNotEqual)
	if r.Length != 0 {
		t.Fatalf("Length = %d for an absent object", r.Length)
	}
	meta := Metadata{ContentType: "a/b"}
	r = h.ok(&AppendObject{Bucket: "b", Key: "k", Position: 0, Segment: seg("abc"), MTime: 1, Meta: meta})
	etag1 := r.Object.ETag
	if r.Object.Type != TypeAppendable || r.Object.Size != 3 || r.Object.MD5 != nil {
		t.Fatalf("after first append: %+v", r.Object)
	}
	r = h.want(&AppendObject{Bucket: "b", Key: "k", Position: 0, Segment: seg("x")}, CodePositionNotEqual)
	if r.Length != 3 {
		t.Fatalf("Length = %d, want 3", r.Length)
	}
	r = h.ok(&AppendObject{Bucket: "b", Key: "k", Position: 3, Segment: seg("defg"), MTime: 2, Meta: Metadata{ContentType: "ignored"}})
	if r.Object.ETag == etag1 {
		t.Fatal("ETag did not change on append")
	}
	h.ok(&AppendObject{Bucket: "b", Key: "k", Position: 7, Segment: Segment{Blob: "blob1", Size: 5, CRC64: crc64.Checksum([]byte("hijkl"), ecma)}, MTime: 3})
	r = h.ok(&AppendObject{Bucket: "b", Key: "k", Position: 12, Segment: seg("mn"), MTime: 4})
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
	r = h.ok(&AppendObject{Bucket: "b", Key: "k", Position: 14, Segment: Segment{}, MTime: 5})
	if r.Object.Size != 14 {
		t.Fatal("zero-byte append changed the size")
	}

	h.ok(&PutObject{Bucket: "b", Key: "n", Object: inlineObject("normal", 1)})
	h.want(&AppendObject{Bucket: "b", Key: "n", Position: 6, Segment: seg("x")}, CodeNotAppendable)
	h.want(&AppendObject{Bucket: "b", Key: "n", Position: 0, Segment: seg("x")}, CodeNotAppendable)
	// PUT replaces an appendable object (and drops its blob reference).
	h.ok(&PutObject{Bucket: "b", Key: "k", Object: inlineObject("x", 9)})
	if g, _ := h.f.Garbage(10); !reflect.DeepEqual(g, []string{"blob1"}) {
		t.Fatalf("garbage = %v", g)
	}
}

func TestCopy(t *testing.T) {
	h := newHarness(t)
	h.ok(&CreateBucket{Name: "s"})
	h.ok(&CreateBucket{Name: "d"})
	src := blobObject("blobA", 10)
	src.MTime = 5_000_000_000 // 5 s
	src.ETag = `"ABCDEF"`
	src.Meta = Metadata{ContentType: "text/a", User: map[string]string{"x": "1"}}
	h.ok(&PutObject{Bucket: "s", Key: "k", Object: src})

	h.want(&CopyObject{SrcBucket: "nob", SrcKey: "k", DstBucket: "d", DstKey: "k"}, CodeBucketNotFound)
	h.want(&CopyObject{SrcBucket: "s", SrcKey: "k", DstBucket: "nob", DstKey: "k"}, CodeBucketNotFound)
	h.want(&CopyObject{SrcBucket: "s", SrcKey: "missing", DstBucket: "d", DstKey: "k"}, CodeObjectNotFound)

	r := h.ok(&CopyObject{SrcBucket: "s", SrcKey: "k", DstBucket: "d", DstKey: "c", MTime: 9, Meta: Metadata{ContentType: "ignored"}})
	if r.Object.ETag != src.ETag || r.Object.Meta.ContentType != "text/a" || r.Object.MTime != 9 || r.Object.Bucket != "d" {
		t.Fatalf("COPY result = %+v", r.Object)
	}
	if n, _ := h.f.RefCounts([]string{"blobA"}); n[0] != 2 {
		t.Fatalf("refs after copy = %v", n)
	}
	checkStats(t, h.f, "d", 1, 10)
	h.want(&CopyObject{SrcBucket: "s", SrcKey: "k", DstBucket: "d", DstKey: "c", ForbidOverwrite: true}, CodeObjectExists)

	// Self-copy with REPLACE changes metadata only (and ignores ForbidOverwrite).
	newMeta := Metadata{ContentType: "text/b"}
	h.ok(&CopyObject{SrcBucket: "s", SrcKey: "k", DstBucket: "s", DstKey: "k", ReplaceMeta: true, Meta: newMeta, MTime: 11, ForbidOverwrite: true})
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
	h.ok(&DeleteObject{Bucket: "s", Key: "k"})
	if g, _ := h.f.Garbage(10); len(g) != 0 {
		t.Fatalf("garbage while a copy remains: %v", g)
	}
	h.ok(&DeleteObject{Bucket: "d", Key: "c"})
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
	h.ok(&CreateBucket{Name: "b"})
	o := inlineObject("data", 5_500_000_000) // 5.5 s: compared as 5 s
	o.ETag = `"ABCDEF"`
	h.ok(&PutObject{Bucket: "b", Key: "src", Object: o})
	tests := map[string]struct {
		cond Condition
		ok   bool
	}{
		"none":                             {Condition{}, true},
		"if-match equal":                   {Condition{IfMatch: `"ABCDEF"`}, true},
		"if-match unquoted lower":          {Condition{IfMatch: `abcdef`}, true},
		"if-match star":                    {Condition{IfMatch: `*`}, true},
		"if-match list":                    {Condition{IfMatch: `"X", "ABCDEF"`}, true},
		"if-match other":                   {Condition{IfMatch: `"X"`}, false},
		"if-none-match equal":              {Condition{IfNoneMatch: `"ABCDEF"`}, false},
		"if-none-match other":              {Condition{IfNoneMatch: `"X"`}, true},
		"if-modified-since before":         {Condition{IfModifiedSince: ptr(int64(4))}, true},
		"if-modified-since same sec":       {Condition{IfModifiedSince: ptr(int64(5))}, false},
		"if-unmodified-since same sec":     {Condition{IfUnmodifiedSince: ptr(int64(5))}, true},
		"if-unmodified-since before":       {Condition{IfUnmodifiedSince: ptr(int64(4))}, false},
		"if-match wins over unmodified":    {Condition{IfMatch: `"ABCDEF"`, IfUnmodifiedSince: ptr(int64(1))}, true},
		"if-none-match wins over modified": {Condition{IfNoneMatch: `"X"`, IfModifiedSince: ptr(int64(9))}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			want := CodePreconditionFailed
			if tc.ok {
				want = CodeOK
			}
			h.want(&CopyObject{SrcBucket: "b", SrcKey: "src", DstBucket: "b", DstKey: "dst", Cond: tc.cond}, want)
		})
	}
}

func TestKeys(t *testing.T) {
	h := newHarness(t)
	r := h.ok(&CreateKey{ID: "k1", Secret: "s1", Grants: map[string]string{"b": "read"}, Created: 5})
	if r.Key == nil || r.Key.ID != "k1" {
		t.Fatalf("result key = %+v", r.Key)
	}
	h.ok(&CreateKey{ID: "k1", Secret: "s1", Grants: map[string]string{"c": "write"}, Created: 9})
	k, err := h.f.GetKey("k1")
	if err != nil || k.Created != 5 || !reflect.DeepEqual(k.Grants, map[string]string{"c": "write"}) {
		t.Fatalf("after idempotent create: %+v, %v", k, err)
	}
	h.want(&CreateKey{ID: "k1", Secret: "other"}, CodeKeyConflict)
	h.want(&CreateKey{ID: "", Secret: "x"}, CodeInvalidArgument)
	h.want(&CreateKey{ID: "x", Secret: ""}, CodeInvalidArgument)
	h.want(&SetGrants{ID: "nope"}, CodeKeyNotFound)
	h.ok(&SetGrants{ID: "k1", Grants: nil})
	h.ok(&CreateKey{ID: "a0", Secret: "s"})
	keys, err := h.f.ListKeys()
	if err != nil || len(keys) != 2 || keys[0].ID != "a0" || keys[1].ID != "k1" || keys[1].Grants != nil {
		t.Fatalf("ListKeys = %+v, %v", keys, err)
	}
	h.ok(&DeleteKey{ID: "k1"})
	h.ok(&DeleteKey{ID: "k1"})
	if _, err := h.f.GetKey("k1"); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("GetKey after delete = %v", err)
	}
}

func TestApplyPanicsOnUndecodableEntry(t *testing.T) {
	h := newHarness(t)
	h.ok(&CreateBucket{Name: "b"})
	before := snapshotBytes(t, h.f)
	for name, data := range map[string][]byte{
		"unknown type": {0xEE, 1},
		"truncated":    Encode(&CreateBucket{Name: "c"})[:3],
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
	h.ok(&CreateBucket{Name: "c"}) // still usable
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
	h.ok(&CreateBucket{Name: "b"})
	h.ok(&PutObject{Bucket: "b", Key: "k", Object: inlineObject("one", 1)})
	h.ok(&PutObject{Bucket: "b", Key: "k", Object: inlineObject("two", 2)})
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
		{Index: 2, Type: raft.LogCommand, Data: Encode(&PutObject{Bucket: "b", Key: "k", Object: inlineObject("one", 1)})},
		{Index: 3, Type: raft.LogCommand, Data: Encode(&PutObject{Bucket: "b", Key: "k", Object: inlineObject("two", 2)})},
	})
	for _, r := range res {
		if r.(*Result).Code != CodeSkipped {
			t.Fatalf("replayed entry result = %+v", r)
		}
	}
	if !bytes.Equal(before, snapshotBytes(t, f)) {
		t.Fatal("replay changed the state")
	}
	h = &harness{t: t, f: f, idx: 4}
	h.ok(&DeleteObject{Bucket: "b", Key: "k"})
	if f.AppliedIndex() != 5 {
		t.Fatalf("AppliedIndex = %d", f.AppliedIndex())
	}
}
