package objecttest

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"hash/crc64"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
)

func appendBytes(t *testing.T, l object.Layer, bucket, key string, pos int64, data []byte, opts object.PutOptions) object.ObjectInfo {
	t.Helper()
	info, err := l.AppendObject(ctx, bucket, key, pos, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatalf("AppendObject(%s/%s @%d, %d bytes): %v", bucket, key, pos, len(data), err)
	}
	return info
}

func wantPosition(t *testing.T, err error, length int64) {
	t.Helper()
	var pe *object.PositionError
	if !errors.Is(err, object.ErrPositionNotEqual) || !errors.As(err, &pe) || pe.Length != length {
		t.Fatalf("error = %v, want PositionError{Length: %d}", err, length)
	}
}

func testAppend(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	md := object.Metadata{ContentType: "text/log", User: map[string]string{"a": "b"}}
	// Sizes cross the inline threshold and the blob block size.
	chunks := [][]byte{Data(1, 10), Data(2, 30<<10), Data(3, 40<<10), Data(4, 1), Data(5, 200<<10), Data(6, 7)}
	var all []byte
	etags := map[string]bool{}
	for i, c := range chunks {
		opts := object.PutOptions{}
		if i == 0 {
			opts.Metadata = md
		} else {
			opts.Metadata = object.Metadata{ContentType: "ignored/after-create"}
		}
		info := appendBytes(t, l, "bkt", "log", int64(len(all)), c, opts)
		all = append(all, c...)
		if info.Type != object.TypeAppendable || info.Size != int64(len(all)) || info.CRC64 != crc64.Checksum(all, crcTable) {
			t.Fatalf("append %d: info %+v, want size %d crc %d", i, info, len(all), crc64.Checksum(all, crcTable))
		}
		if etags[info.ETag] || info.ETag == "" {
			t.Fatalf("append %d: ETag %s repeats", i, info.ETag)
		}
		etags[info.ETag] = true
		got, ginfo := mustGet(t, l, "bkt", "log", nil)
		if !bytes.Equal(got, all) {
			t.Fatalf("after append %d: content differs", i)
		}
		if ginfo.ETag != info.ETag || ginfo.CRC64 != info.CRC64 || !reflect.DeepEqual(ginfo.Metadata, md) {
			t.Fatalf("after append %d: GetObject info %+v", i, ginfo)
		}
	}
	checkStats(t, l, "bkt", 1, int64(len(all)))
	// A Content-MD5 on an append is checked.
	c := Data(7, 100)
	bad := md5.Sum(c)
	bad[0] ^= 1
	_, err := l.AppendObject(ctx, "bkt", "log", int64(len(all)), bytes.NewReader(c), 100, object.PutOptions{ContentMD5: bad[:]})
	wantErr(t, err, object.ErrBadDigest)
	good := md5.Sum(c)
	appendBytes(t, l, "bkt", "log", int64(len(all)), c, object.PutOptions{ContentMD5: good[:]})
	// An empty appendable object.
	info := appendBytes(t, l, "bkt", "empty", 0, nil, object.PutOptions{})
	if info.Size != 0 || info.Type != object.TypeAppendable || info.CRC64 != 0 {
		t.Fatalf("empty append = %+v", info)
	}
	// A deleted appendable object can be started again at 0.
	if err := l.DeleteObject(ctx, "bkt", "log"); err != nil {
		t.Fatal(err)
	}
	appendBytes(t, l, "bkt", "log", 0, []byte("again"), object.PutOptions{})
}

func testAppendErrors(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	app := func(key string, pos int64, data string) error {
		_, err := l.AppendObject(ctx, "bkt", key, pos, strings.NewReader(data), int64(len(data)), object.PutOptions{})
		return err
	}
	wantPosition(t, app("new", 5, "x"), 0)
	checkAbsent(t, l, "bkt", "new")
	appendBytes(t, l, "bkt", "a", 0, []byte("hello"), object.PutOptions{})
	wantPosition(t, app("a", 0, "x"), 5)
	wantPosition(t, app("a", 4, "x"), 5)
	wantPosition(t, app("a", 6, "x"), 5)
	for _, n := range []int{3, 300 << 10} {
		wantPosition(t, app("a", 0, string(Data(1, n))), 5)
	}
	if got, _ := mustGet(t, l, "bkt", "a", nil); string(got) != "hello" {
		t.Fatal("a rejected append changed the object")
	}
	mustPut(t, l, "bkt", "normal", []byte("abc"), object.PutOptions{})
	wantErr(t, app("normal", 3, "x"), object.ErrObjectNotAppendable)
	wantErr(t, app("normal", 0, "x"), object.ErrObjectNotAppendable)
	_, err := l.AppendObject(ctx, "missing", "k", 0, strings.NewReader("x"), 1, object.PutOptions{})
	wantErr(t, err, object.ErrBucketNotFound)
	wantErr(t, app("", 0, "x"), object.ErrInvalidObjectName)
	wantErr(t, app("a", -1, "x"), object.ErrInvalidArgument)
	_, err = l.AppendObject(ctx, "bkt", "a", 5, strings.NewReader("x"), object.MaxObjectSize, object.PutOptions{})
	wantErr(t, err, object.ErrEntityTooLarge)
	_, err = l.AppendObject(ctx, "bkt", "a", 5, strings.NewReader("x"), 2, object.PutOptions{})
	wantErr(t, err, object.ErrIncompleteBody)
	if got, _ := mustGet(t, l, "bkt", "a", nil); string(got) != "hello" {
		t.Fatal("a failed append changed the object")
	}
}

func testAppendRanges(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	var all []byte
	for i, n := range []int{5, 20 << 10, 100 << 10, 3, 70 << 10} {
		c := Data(uint64(i), n)
		appendBytes(t, l, "bkt", "k", int64(len(all)), c, object.PutOptions{})
		all = append(all, c...)
	}
	n := len(all)
	for _, r := range [][2]int{{0, n}, {4, 2}, {5, 20 << 10}, {20<<10 + 4, 3}, {100, 150 << 10}, {n - 1, 1}, {n - (70 << 10) - 2, 4}} {
		got, _ := mustGet(t, l, "bkt", "k", &object.Range{Start: int64(r[0]), Length: int64(r[1])})
		if !bytes.Equal(got, all[r[0]:r[0]+r[1]]) {
			t.Fatalf("range %v differs", r)
		}
	}
}

func testCopy(t *testing.T, l object.Layer) {
	mustBucket(t, l, "src")
	mustBucket(t, l, "dst")
	for _, n := range []int{0, 10, 300 << 10} {
		data := Data(uint64(n), n)
		key := fmt.Sprint("k", n)
		mustPut(t, l, "src", key, data, object.PutOptions{Metadata: fullMeta})
		// COPY keeps the source's metadata and ignores the request's.
		info, err := l.CopyObject(ctx, object.ObjectRef{Bucket: "src", Key: key}, object.ObjectRef{Bucket: "dst", Key: "c/" + key},
			object.CopyOptions{Metadata: object.Metadata{ContentType: "ignored"}})
		if err != nil {
			t.Fatal(err)
		}
		checkInfo(t, info, "dst", "c/"+key, data)
		got, ginfo := mustGet(t, l, "dst", "c/"+key, nil)
		if !bytes.Equal(got, data) || !reflect.DeepEqual(ginfo.Metadata, fullMeta) {
			t.Fatalf("copy of %d bytes: content or metadata differs (%+v)", n, ginfo.Metadata)
		}
		// REPLACE takes the request's metadata.
		repl := object.Metadata{ContentType: "image/png", User: map[string]string{"new": "1"}}
		info, err = l.CopyObject(ctx, object.ObjectRef{Bucket: "src", Key: key}, object.ObjectRef{Bucket: "src", Key: "r/" + key},
			object.CopyOptions{ReplaceMetadata: true, Metadata: repl})
		if err != nil || info.ETag != etagOf(data) || !reflect.DeepEqual(info.Metadata, repl) {
			t.Fatalf("REPLACE copy = %+v, %v", info, err)
		}
	}
	// Copy of an appendable object keeps its content and CRC.
	appendBytes(t, l, "src", "app", 0, []byte("abc"), object.PutOptions{})
	appendBytes(t, l, "src", "app", 3, Data(9, 100<<10), object.PutOptions{})
	info, err := l.CopyObject(ctx, object.ObjectRef{Bucket: "src", Key: "app"}, object.ObjectRef{Bucket: "dst", Key: "app"}, object.CopyOptions{})
	if err != nil || info.Size != 3+100<<10 {
		t.Fatalf("copy of appendable = %+v, %v", info, err)
	}
	want := append([]byte("abc"), Data(9, 100<<10)...)
	if got, _ := mustGet(t, l, "dst", "app", nil); !bytes.Equal(got, want) {
		t.Fatal("copy of appendable differs")
	}
	// Overwriting an existing destination.
	mustPut(t, l, "dst", "over", []byte("old"), object.PutOptions{})
	if _, err := l.CopyObject(ctx, object.ObjectRef{Bucket: "src", Key: "k10"}, object.ObjectRef{Bucket: "dst", Key: "over"}, object.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := mustGet(t, l, "dst", "over", nil); !bytes.Equal(got, Data(10, 10)) {
		t.Fatal("copy did not replace the destination")
	}
	_, err = l.CopyObject(ctx, object.ObjectRef{Bucket: "src", Key: "k0"}, object.ObjectRef{Bucket: "dst", Key: "over"}, object.CopyOptions{ForbidOverwrite: true})
	wantErr(t, err, object.ErrObjectAlreadyExists)
}

func testCopySelf(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	for _, n := range []int{10, 300 << 10} {
		data := Data(uint64(n), n)
		key := fmt.Sprint("k", n)
		orig := mustPut(t, l, "bkt", key, data, object.PutOptions{Metadata: fullMeta})
		repl := object.Metadata{ContentType: "application/json", User: map[string]string{"v": "2"}}
		ref := object.ObjectRef{Bucket: "bkt", Key: key}
		info, err := l.CopyObject(ctx, ref, ref, object.CopyOptions{ReplaceMetadata: true, Metadata: repl})
		if err != nil {
			t.Fatal(err)
		}
		if info.ETag != orig.ETag || info.CRC64 != orig.CRC64 || info.Size != orig.Size || !reflect.DeepEqual(info.Metadata, repl) {
			t.Fatalf("self-copy = %+v", info)
		}
		got, ginfo := mustGet(t, l, "bkt", key, nil)
		if !bytes.Equal(got, data) || !reflect.DeepEqual(ginfo.Metadata, repl) {
			t.Fatal("self-copy changed data or lost metadata")
		}
	}
	checkStats(t, l, "bkt", 2, 10+300<<10)
}

func testCopyErrors(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	mustPut(t, l, "bkt", "k", []byte("x"), object.PutOptions{})
	cp := func(sb, sk, db, dk string) error {
		_, err := l.CopyObject(ctx, object.ObjectRef{Bucket: sb, Key: sk}, object.ObjectRef{Bucket: db, Key: dk}, object.CopyOptions{})
		return err
	}
	wantErr(t, cp("bkt", "missing", "bkt", "d"), object.ErrObjectNotFound)
	wantErr(t, cp("nobucket", "k", "bkt", "d"), object.ErrBucketNotFound)
	wantErr(t, cp("bkt", "k", "nobucket", "d"), object.ErrBucketNotFound)
	wantErr(t, cp("bkt", "", "bkt", "d"), object.ErrInvalidObjectName)
	wantErr(t, cp("bkt", "k", "bkt", "/d"), object.ErrInvalidObjectName)
	wantErr(t, cp("BAD", "k", "bkt", "d"), object.ErrInvalidBucketName)
	big := object.Metadata{User: map[string]string{"big": strings.Repeat("v", object.MaxUserMetadataSize+1)}}
	_, err := l.CopyObject(ctx, object.ObjectRef{Bucket: "bkt", Key: "k"}, object.ObjectRef{Bucket: "bkt", Key: "d"}, object.CopyOptions{ReplaceMetadata: true, Metadata: big})
	wantErr(t, err, object.ErrMetadataTooLarge)
	checkAbsent(t, l, "bkt", "d")
}

func testCopyConditions(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	src := mustPut(t, l, "bkt", "src", []byte("data"), object.PutOptions{})
	mod := src.LastModified
	past, future := mod.Add(-time.Hour), mod.Add(time.Hour)
	tests := map[string]struct {
		cond object.Condition
		ok   bool
	}{
		"if-match":                      {object.Condition{IfMatch: src.ETag}, true},
		"if-match unquoted":             {object.Condition{IfMatch: strings.Trim(src.ETag, `"`)}, true},
		"if-match other":                {object.Condition{IfMatch: `"0000"`}, false},
		"if-none-match same":            {object.Condition{IfNoneMatch: src.ETag}, false},
		"if-none-match other":           {object.Condition{IfNoneMatch: `"0000"`}, true},
		"if-modified-since past":        {object.Condition{IfModifiedSince: &past}, true},
		"if-modified-since future":      {object.Condition{IfModifiedSince: &future}, false},
		"if-unmodified-since future":    {object.Condition{IfUnmodifiedSince: &future}, true},
		"if-unmodified-since past":      {object.Condition{IfUnmodifiedSince: &past}, false},
		"if-unmodified-since the mtime": {object.Condition{IfUnmodifiedSince: &mod}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dst := "dst-" + strings.ReplaceAll(name, " ", "-")
			_, err := l.CopyObject(ctx, object.ObjectRef{Bucket: "bkt", Key: "src"}, object.ObjectRef{Bucket: "bkt", Key: dst}, object.CopyOptions{Condition: tc.cond})
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantErr(t, err, object.ErrPreconditionFailed)
			checkAbsent(t, l, "bkt", dst)
		})
	}
}

func testCopySharesData(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	data := Data(1, 500<<10)
	mustPut(t, l, "bkt", "orig", data, object.PutOptions{})
	for i := range 3 {
		if _, err := l.CopyObject(ctx, object.ObjectRef{Bucket: "bkt", Key: "orig"}, object.ObjectRef{Bucket: "bkt", Key: fmt.Sprint("copy", i)}, object.CopyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Deleting or overwriting the source does not affect the copies.
	if err := l.DeleteObject(ctx, "bkt", "orig"); err != nil {
		t.Fatal(err)
	}
	mustPut(t, l, "bkt", "copy0", []byte("replaced"), object.PutOptions{})
	for _, k := range []string{"copy1", "copy2"} {
		if got, _ := mustGet(t, l, "bkt", k, nil); !bytes.Equal(got, data) {
			t.Fatalf("%s lost its data", k)
		}
	}
}

func testDeleteObject(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	for _, n := range []int{0, 10, 300 << 10} {
		key := fmt.Sprint("k", n)
		mustPut(t, l, "bkt", key, Data(1, n), object.PutOptions{})
		if err := l.DeleteObject(ctx, "bkt", key); err != nil {
			t.Fatal(err)
		}
		checkAbsent(t, l, "bkt", key)
	}
	if err := l.DeleteObject(ctx, "bkt", "never-existed"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
	wantErr(t, l.DeleteObject(ctx, "nobucket", "k"), object.ErrBucketNotFound)
	wantErr(t, l.DeleteObject(ctx, "bkt", ""), object.ErrInvalidObjectName)
	checkStats(t, l, "bkt", 0, 0)
}

func testDeleteObjects(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	for i := range 10 {
		mustPut(t, l, "bkt", fmt.Sprint("k", i), Data(uint64(i), i*40<<10), object.PutOptions{})
	}
	keys := []string{"k1", "k3", "missing", "", "k9", "k1"}
	res, err := l.DeleteObjects(ctx, "bkt", keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(keys) {
		t.Fatalf("%d results for %d keys", len(res), len(keys))
	}
	for i, r := range res {
		if r.Key != keys[i] {
			t.Fatalf("result %d is for %q, want %q", i, r.Key, keys[i])
		}
		if keys[i] == "" {
			wantErr(t, r.Err, object.ErrInvalidObjectName)
		} else if r.Err != nil {
			t.Fatalf("key %q: %v", r.Key, r.Err)
		}
	}
	for _, k := range []string{"k1", "k3", "k9"} {
		checkAbsent(t, l, "bkt", k)
	}
	checkStats(t, l, "bkt", 7, (0+2+4+5+6+7+8)*40<<10)
	_, err = l.DeleteObjects(ctx, "nobucket", []string{"a"})
	wantErr(t, err, object.ErrBucketNotFound)
	tooMany := make([]string, object.MaxDeleteObjects+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprint("k", i)
	}
	_, err = l.DeleteObjects(ctx, "bkt", tooMany)
	wantErr(t, err, object.ErrTooManyObjectsDelete)
	checkStats(t, l, "bkt", 7, (0+2+4+5+6+7+8)*40<<10)
	if _, err := l.DeleteObjects(ctx, "bkt", tooMany[:object.MaxDeleteObjects]); err != nil {
		t.Fatalf("deleting %d keys: %v", object.MaxDeleteObjects, err)
	}
	checkStats(t, l, "bkt", 0, 0)
}

func listNames(r object.ListResult) []string {
	var out []string
	for _, o := range r.Objects {
		out = append(out, o.Key)
	}
	return out
}

// listKeys in UTF-8 byte order (' ' < '+' < 'z' < 'é').
var listKeys = []string{"a", "a/1", "a/2", "a/b/c", "b", "b/", "b/x", "c d", "c+d", "z/z/z", "é"}

func testListObjects(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	mustBucket(t, l, "bkt-2")
	for _, k := range listKeys {
		mustPut(t, l, "bkt", k, []byte(k), object.PutOptions{Metadata: object.Metadata{ContentType: "x/y"}})
	}
	mustPut(t, l, "bkt-2", "a/zz", nil, object.PutOptions{})
	tests := map[string]struct {
		opts      object.ListOptions
		objects   []string
		prefixes  []string
		truncated bool
		next      string
	}{
		"everything":      {object.ListOptions{}, listKeys, nil, false, ""},
		"delimiter":       {object.ListOptions{Delimiter: "/"}, []string{"a", "b", "c d", "c+d", "é"}, []string{"a/", "b/", "z/"}, false, ""},
		"prefix":          {object.ListOptions{Prefix: "a/"}, []string{"a/1", "a/2", "a/b/c"}, nil, false, ""},
		"prefix+delim":    {object.ListOptions{Prefix: "a/", Delimiter: "/"}, []string{"a/1", "a/2"}, []string{"a/b/"}, false, ""},
		"marker":          {object.ListOptions{Marker: "b/"}, []string{"b/x", "c d", "c+d", "z/z/z", "é"}, nil, false, ""},
		"marker=prefix":   {object.ListOptions{Marker: "a/", Delimiter: "/"}, []string{"b", "c d", "c+d", "é"}, []string{"b/", "z/"}, false, ""},
		"max counts both": {object.ListOptions{Delimiter: "/", MaxKeys: 3}, []string{"a", "b"}, []string{"a/"}, true, "b"},
		"ends on prefix":  {object.ListOptions{Delimiter: "/", MaxKeys: 2}, []string{"a"}, []string{"a/"}, true, "a/"},
		"exact fit":       {object.ListOptions{Prefix: "a/", MaxKeys: 3}, []string{"a/1", "a/2", "a/b/c"}, nil, false, ""},
		"no match":        {object.ListOptions{Prefix: "nothing"}, nil, nil, false, ""},
		"key is prefix":   {object.ListOptions{Prefix: "b/", Delimiter: "/"}, []string{"b/", "b/x"}, nil, false, ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := l.ListObjects(ctx, "bkt", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(listNames(res), tc.objects) || !slices.Equal(res.CommonPrefixes, tc.prefixes) ||
				res.IsTruncated != tc.truncated || res.NextMarker != tc.next {
				t.Fatalf("got %q %q %v %q, want %q %q %v %q", listNames(res), res.CommonPrefixes, res.IsTruncated, res.NextMarker,
					tc.objects, tc.prefixes, tc.truncated, tc.next)
			}
		})
	}
	res, _ := l.ListObjects(ctx, "bkt", object.ListOptions{Prefix: "c+d"})
	o := res.Objects[0]
	if o.Bucket != "bkt" || o.Size != 3 || o.ETag != etagOf([]byte("c+d")) || o.Type != object.TypeNormal || o.LastModified.IsZero() {
		t.Fatalf("listed object = %+v", o)
	}
}

func testListPaging(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	var keys []string
	for i := range 60 {
		k := fmt.Sprintf("d%d/f%02d", i%4, i)
		if i%5 == 0 {
			k = fmt.Sprintf("top%02d", i)
		}
		keys = append(keys, k)
		mustPut(t, l, "bkt", k, nil, object.PutOptions{})
	}
	slices.Sort(keys)
	for _, delim := range []string{"", "/"} {
		for _, max := range []int{1, 2, 7, 1000} {
			var objs, prefixes []string
			marker := ""
			for pages := 0; ; pages++ {
				res, err := l.ListObjects(ctx, "bkt", object.ListOptions{Delimiter: delim, Marker: marker, MaxKeys: max})
				if err != nil {
					t.Fatal(err)
				}
				if n := len(res.Objects) + len(res.CommonPrefixes); n > max || (res.IsTruncated && n != max) {
					t.Fatalf("page of %d entries with MaxKeys %d (truncated %v)", n, max, res.IsTruncated)
				}
				objs = append(objs, listNames(res)...)
				prefixes = append(prefixes, res.CommonPrefixes...)
				if !res.IsTruncated {
					break
				}
				if pages > 100 {
					t.Fatal("paging does not end")
				}
				marker = res.NextMarker
			}
			var wantObjs, wantPrefixes []string
			for _, k := range keys {
				if i := strings.Index(k, "/"); delim != "" && i >= 0 {
					if !slices.Contains(wantPrefixes, k[:i+1]) {
						wantPrefixes = append(wantPrefixes, k[:i+1])
					}
					continue
				}
				wantObjs = append(wantObjs, k)
			}
			if !slices.Equal(objs, wantObjs) || !slices.Equal(prefixes, wantPrefixes) {
				t.Fatalf("delim %q max %d: paged %v %v, want %v %v", delim, max, objs, prefixes, wantObjs, wantPrefixes)
			}
		}
	}
}

func testListErrors(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	_, err := l.ListObjects(ctx, "nobucket", object.ListOptions{})
	wantErr(t, err, object.ErrBucketNotFound)
	for _, n := range []int{-1, 1001, 1 << 30} {
		_, err = l.ListObjects(ctx, "bkt", object.ListOptions{MaxKeys: n})
		wantErr(t, err, object.ErrInvalidArgument)
	}
	_, err = l.ListObjects(ctx, "B", object.ListOptions{})
	wantErr(t, err, object.ErrInvalidBucketName)
}

func testConcurrentAppends(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	for round, n := range []int{100, 200 << 10} {
		key := fmt.Sprint("k", round)
		appendBytes(t, l, "bkt", key, 0, []byte("start"), object.PutOptions{})
		const appenders = 2
		var wg sync.WaitGroup
		errs := make([]error, appenders)
		start := make(chan struct{})
		for i := range appenders {
			wg.Go(func() {
				<-start
				_, errs[i] = l.AppendObject(ctx, "bkt", key, 5, bytes.NewReader(Data(uint64(i), n)), int64(n), object.PutOptions{})
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			if err == nil {
				if winner >= 0 {
					t.Fatal("both appends at one position succeeded")
				}
				winner = i
				continue
			}
			wantPosition(t, err, int64(5+n))
		}
		if winner < 0 {
			t.Fatal("no append succeeded")
		}
		got, _ := mustGet(t, l, "bkt", key, nil)
		if !bytes.Equal(got, append([]byte("start"), Data(uint64(winner), n)...)) {
			t.Fatal("content is not the winner's")
		}
	}
}

func testConcurrentPuts(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			size := 1000 + i*(200<<10)/n
			data := Data(uint64(i), size)
			info, err := l.PutObject(ctx, "bkt", fmt.Sprintf("obj/%03d", i), bytes.NewReader(data), int64(size), object.PutOptions{})
			if err == nil && info.ETag != etagOf(data) {
				err = fmt.Errorf("object %d: ETag %s", i, info.ETag)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var total int64
	for i := range n {
		size := 1000 + i*(200<<10)/n
		total += int64(size)
		got, _ := mustGet(t, l, "bkt", fmt.Sprintf("obj/%03d", i), nil)
		if !bytes.Equal(got, Data(uint64(i), size)) {
			t.Fatalf("object %d differs", i)
		}
	}
	res, err := l.ListObjects(ctx, "bkt", object.ListOptions{MaxKeys: 1000})
	if err != nil || len(res.Objects) != n {
		t.Fatalf("listing has %d objects, %v", len(res.Objects), err)
	}
	checkStats(t, l, "bkt", n, total)
}
