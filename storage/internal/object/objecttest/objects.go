package objecttest

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"hash/crc64"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
)

var fullMeta = object.Metadata{
	ContentType:        "text/plain; charset=utf-8",
	CacheControl:       "max-age=60",
	ContentDisposition: `attachment; filename="a.txt"`,
	ContentEncoding:    "identity",
	ContentLanguage:    "de",
	Expires:            "Thu, 01 Dec 1994 16:00:00 GMT",
	ACL:                "public-read",
	StorageClass:       "IA",
	User:               map[string]string{"color": "blue", "empty": "", "utf8": "ünï"},
}

func checkInfo(t *testing.T, info object.ObjectInfo, bucket, key string, data []byte) {
	t.Helper()
	sum := md5.Sum(data)
	if info.Bucket != bucket || info.Key != key || info.Size != int64(len(data)) || info.Type != object.TypeNormal ||
		info.ETag != etagOf(data) || !bytes.Equal(info.MD5, sum[:]) || info.CRC64 != crc64.Checksum(data, crcTable) {
		t.Fatalf("info = {%s %s %d %s %x %d %s}, want {%s %s %d %s %x %d Normal}", info.Bucket, info.Key, info.Size, info.ETag, info.MD5, info.CRC64, info.Type,
			bucket, key, len(data), etagOf(data), sum, crc64.Checksum(data, crcTable))
	}
	if d := time.Since(info.LastModified); d < -time.Minute || d > time.Hour {
		t.Fatalf("LastModified = %v", info.LastModified)
	}
}

func testPutGet(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	for _, n := range sizes {
		data := Data(uint64(n), n)
		key := fmt.Sprintf("dir/obj-%d", n)
		info := mustPut(t, l, "bkt", key, data, object.PutOptions{Metadata: fullMeta})
		checkInfo(t, info, "bkt", key, data)
		if n == 0 && info.ETag != `"D41D8CD98F00B204E9800998ECF8427E"` {
			t.Fatalf("empty object ETag = %s", info.ETag)
		}
		got, ginfo := mustGet(t, l, "bkt", key, nil)
		if !bytes.Equal(got, data) {
			t.Fatalf("size %d: content differs", n)
		}
		checkInfo(t, ginfo, "bkt", key, data)
		if !reflect.DeepEqual(ginfo.Metadata, fullMeta) {
			t.Fatalf("metadata = %+v", ginfo.Metadata)
		}
		hinfo, err := l.HeadObject(ctx, "bkt", key)
		if err != nil || !reflect.DeepEqual(hinfo, ginfo) {
			t.Fatalf("HeadObject = %+v, %v; GetObject said %+v", hinfo, err, ginfo)
		}
	}
	// Keys at the edges of validity.
	for _, key := range []string{strings.Repeat("k", 1023), "a\x01b", "日本/語", "sp ace+plus%"} {
		mustPut(t, l, "bkt", key, []byte(key), object.PutOptions{})
		if got, _ := mustGet(t, l, "bkt", key, nil); string(got) != key {
			t.Fatalf("key %q: content differs", key)
		}
	}
}

func testPutReplaces(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	for i, n := range []int{10, 300 << 10, 0, 70 << 10, 5} {
		data := Data(uint64(i+100), n)
		md := object.Metadata{ContentType: fmt.Sprint("type/", i)}
		mustPut(t, l, "bkt", "k", data, object.PutOptions{Metadata: md})
		got, info := mustGet(t, l, "bkt", "k", nil)
		if !bytes.Equal(got, data) || info.Metadata.ContentType != md.ContentType {
			t.Fatalf("version %d not what was put", i)
		}
	}
	checkStats(t, l, "bkt", 1, 5)
	// A Normal PUT replaces an Appendable object too.
	if _, err := l.AppendObject(ctx, "bkt", "app", 0, strings.NewReader("abc"), 3, object.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	info := mustPut(t, l, "bkt", "app", []byte("normal"), object.PutOptions{})
	if info.Type != object.TypeNormal {
		t.Fatalf("Type = %s", info.Type)
	}
}

func testPutContentMD5(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	for _, n := range []int{0, 100, 300 << 10} {
		data := Data(uint64(n), n)
		sum := md5.Sum(data)
		key := fmt.Sprint("k", n)
		old := []byte("old version")
		mustPut(t, l, "bkt", key, old, object.PutOptions{})
		bad := sum
		bad[3] ^= 1
		_, err := l.PutObject(ctx, "bkt", key, bytes.NewReader(data), int64(n), object.PutOptions{ContentMD5: bad[:]})
		wantErr(t, err, object.ErrBadDigest)
		if got, _ := mustGet(t, l, "bkt", key, nil); !bytes.Equal(got, old) {
			t.Fatal("a bad digest replaced the object")
		}
		_, err = l.PutObject(ctx, "bkt", "new-"+key, bytes.NewReader(data), int64(n), object.PutOptions{ContentMD5: bad[:]})
		wantErr(t, err, object.ErrBadDigest)
		checkAbsent(t, l, "bkt", "new-"+key)
		mustPut(t, l, "bkt", key, data, object.PutOptions{ContentMD5: sum[:]})
	}
	_, err := l.PutObject(ctx, "bkt", "k", strings.NewReader("x"), 1, object.PutOptions{ContentMD5: []byte{1, 2, 3}})
	wantErr(t, err, object.ErrBadDigest)
}

func testPutShortBody(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	mustPut(t, l, "bkt", "k", []byte("old"), object.PutOptions{})
	for _, n := range []int{1, 100, 300 << 10} {
		data := Data(1, n-1)
		_, err := l.PutObject(ctx, "bkt", "k", bytes.NewReader(data), int64(n), object.PutOptions{})
		wantErr(t, err, object.ErrIncompleteBody)
		_, err = l.PutObject(ctx, "bkt", "fresh", bytes.NewReader(data), int64(n), object.PutOptions{})
		wantErr(t, err, object.ErrIncompleteBody)
		checkAbsent(t, l, "bkt", "fresh")
	}
	if got, _ := mustGet(t, l, "bkt", "k", nil); string(got) != "old" {
		t.Fatal("a short body replaced the object")
	}
	// A body that fails mid-way is not stored either.
	errBoom := errors.New("connection reset")
	_, err := l.PutObject(ctx, "bkt", "fresh", io.MultiReader(bytes.NewReader(Data(2, 200<<10)), errReader{errBoom}), 400<<10, object.PutOptions{})
	wantErr(t, err, errBoom)
	checkAbsent(t, l, "bkt", "fresh")
	checkStats(t, l, "bkt", 1, 3)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func testPutExactSize(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	for _, n := range []int{10, 300 << 10} {
		data := Data(5, n+50)
		r := bytes.NewReader(data)
		info, err := l.PutObject(ctx, "bkt", "k", r, int64(n), object.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != int64(n) || r.Len() != 50 {
			t.Fatalf("stored %d bytes, left %d unread; want %d and 50", info.Size, r.Len(), n)
		}
		if got, _ := mustGet(t, l, "bkt", "k", nil); !bytes.Equal(got, data[:n]) {
			t.Fatal("content differs")
		}
	}
}

func testPutArgumentErrors(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	put := func(bucket, key string, size int64, opts object.PutOptions) error {
		_, err := l.PutObject(ctx, bucket, key, strings.NewReader("x"), size, opts)
		return err
	}
	wantErr(t, put("missing", "k", 1, object.PutOptions{}), object.ErrBucketNotFound)
	for _, key := range []string{"", strings.Repeat("k", 1024), "/lead", `\lead`, "bad\xffutf8"} {
		wantErr(t, put("bkt", key, 1, object.PutOptions{}), object.ErrInvalidObjectName)
	}
	wantErr(t, put("bkt", "k", -1, object.PutOptions{}), object.ErrInvalidArgument)
	// Too large is refused before the body is read.
	wantErr(t, put("bkt", "k", object.MaxObjectSize+1, object.PutOptions{}), object.ErrEntityTooLarge)
	big := object.Metadata{User: map[string]string{"big": strings.Repeat("v", object.MaxUserMetadataSize)}}
	wantErr(t, put("bkt", "k", 1, object.PutOptions{Metadata: big}), object.ErrMetadataTooLarge)
	checkStats(t, l, "bkt", 0, 0)
	fits := object.Metadata{User: map[string]string{"a": strings.Repeat("v", object.MaxUserMetadataSize-1)}}
	if err := put("bkt", "k", 1, object.PutOptions{Metadata: fits}); err != nil {
		t.Fatalf("metadata of exactly the limit: %v", err)
	}
}

func testPutForbidOverwrite(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	for _, n := range []int{3, 300 << 10} {
		key := fmt.Sprint("k", n)
		mustPut(t, l, "bkt", key, Data(1, n), object.PutOptions{ForbidOverwrite: true})
		_, err := l.PutObject(ctx, "bkt", key, bytes.NewReader(Data(2, n)), int64(n), object.PutOptions{ForbidOverwrite: true})
		wantErr(t, err, object.ErrObjectAlreadyExists)
		if got, _ := mustGet(t, l, "bkt", key, nil); !bytes.Equal(got, Data(1, n)) {
			t.Fatal("ForbidOverwrite did not protect the object")
		}
	}
}

func testGetRanges(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	for _, n := range []int{10, 64 << 10, 200<<10 + 7} {
		data := Data(uint64(n), n)
		key := fmt.Sprint("k", n)
		mustPut(t, l, "bkt", key, data, object.PutOptions{})
		ranges := [][2]int{{0, 1}, {0, n}, {n - 1, 1}, {n, 0}, {0, 0}, {1, n - 2}}
		if n > 70<<10 {
			b := 64 << 10
			ranges = append(ranges, [2]int{b - 1, 2}, [2]int{b, b}, [2]int{b - 3, b + 6}, [2]int{3 * b, n - 3*b})
		}
		for _, r := range ranges {
			got, info := mustGet(t, l, "bkt", key, &object.Range{Start: int64(r[0]), Length: int64(r[1])})
			if !bytes.Equal(got, data[r[0]:r[0]+r[1]]) {
				t.Fatalf("size %d range %v: content differs", n, r)
			}
			if info.Size != int64(n) {
				t.Fatalf("info.Size = %d for a range", info.Size)
			}
		}
		for _, r := range [][2]int64{{-1, 1}, {0, int64(n) + 1}, {int64(n), 1}, {int64(n) + 1, 0}, {0, -1}} {
			info, rc, err := l.GetObject(ctx, "bkt", key, object.Fixed(&object.Range{Start: r[0], Length: r[1]}))
			wantErr(t, err, object.ErrInvalidArgument)
			if rc != nil || info.Key != "" {
				t.Fatal("GetObject returned a reader or info with an error")
			}
		}
	}
}

func testGetErrors(t *testing.T, l object.Layer) {
	mustBucket(t, l, "bkt")
	check := func(err error, rc io.ReadCloser, target error) {
		t.Helper()
		wantErr(t, err, target)
		if rc != nil {
			t.Fatal("GetObject returned a ReadCloser with an error")
		}
	}
	_, rc, err := l.GetObject(ctx, "bkt", "missing", nil)
	check(err, rc, object.ErrObjectNotFound)
	_, rc, err = l.GetObject(ctx, "nobucket", "k", nil)
	check(err, rc, object.ErrBucketNotFound)
	_, rc, err = l.GetObject(ctx, "bkt", "", nil)
	check(err, rc, object.ErrInvalidObjectName)
	_, err = l.HeadObject(ctx, "bkt", "missing")
	wantErr(t, err, object.ErrObjectNotFound)
	_, err = l.HeadObject(ctx, "nobucket", "k")
	wantErr(t, err, object.ErrBucketNotFound)
}
