package objecttest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"hash/crc64"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/koss-io/koss/storage/internal/object"
)

// Run runs the Layer conformance suite. newLayer must return a Layer with no
// buckets that lives for the duration of t.
func Run(t *testing.T, newLayer func(t *testing.T) object.Layer) {
	t.Helper()
	tests := map[string]func(t *testing.T, l object.Layer){
		"bucket lifecycle":                   testBucketLifecycle,
		"bucket names":                       testBucketNames,
		"bucket options":                     testBucketOptions,
		"list buckets":                       testListBuckets,
		"bucket stats":                       testBucketStats,
		"put and get round trip":             testPutGet,
		"put replaces atomically":            testPutReplaces,
		"put checks content-md5":             testPutContentMD5,
		"put with a short body":              testPutShortBody,
		"put reads exactly size bytes":       testPutExactSize,
		"put argument errors":                testPutArgumentErrors,
		"put forbid overwrite":               testPutForbidOverwrite,
		"get ranges":                         testGetRanges,
		"get and head errors":                testGetErrors,
		"append":                             testAppend,
		"append errors":                      testAppendErrors,
		"append ranges across segments":      testAppendRanges,
		"copy":                               testCopy,
		"copy onto itself":                   testCopySelf,
		"copy errors":                        testCopyErrors,
		"copy conditions":                    testCopyConditions,
		"copy shares data with its source":   testCopySharesData,
		"delete object":                      testDeleteObject,
		"delete objects":                     testDeleteObjects,
		"list objects":                       testListObjects,
		"list objects paging":                testListPaging,
		"list objects errors":                testListErrors,
		"concurrent appends at one position": testConcurrentAppends,
		"concurrent puts":                    testConcurrentPuts,
	}
	for _, name := range slices.Sorted(maps.Keys(tests)) {
		t.Run(name, func(t *testing.T) { tests[name](t, newLayer(t)) })
	}
}

var ctx = context.Background()

var crcTable = crc64.MakeTable(crc64.ECMA)

// Data returns n deterministic pseudo-random bytes.
func Data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x6f626a))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Sizes cover empty, inline and blob objects around the usual 64 KiB
// threshold and the 64 KiB blob block size.
var sizes = []int{0, 1, 4 << 10, 64<<10 - 1, 64 << 10, 64<<10 + 1, 200 << 10, 1<<20 + 3}

func etagOf(data []byte) string {
	sum := md5.Sum(data)
	return `"` + strings.ToUpper(hex.EncodeToString(sum[:])) + `"`
}

func mustBucket(t *testing.T, l object.Layer, name string) {
	t.Helper()
	if err := l.CreateBucket(ctx, name, object.BucketOptions{}); err != nil {
		t.Fatalf("CreateBucket(%s): %v", name, err)
	}
}

func mustPut(t *testing.T, l object.Layer, bucket, key string, data []byte, opts object.PutOptions) object.ObjectInfo {
	t.Helper()
	info, err := l.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatalf("PutObject(%s/%s, %d bytes): %v", bucket, key, len(data), err)
	}
	return info
}

// mustGet reads an object (a range of it) twice: through Read, and through
// io.Copy, which takes the reader's WriteTo when it has one. Both must give
// the same bytes.
func mustGet(t *testing.T, l object.Layer, bucket, key string, rng *object.Range) ([]byte, object.ObjectInfo) {
	t.Helper()
	read := func(viaCopy bool) ([]byte, object.ObjectInfo) {
		info, rc, err := l.GetObject(ctx, bucket, key, object.Fixed(rng))
		if err != nil {
			t.Fatalf("GetObject(%s/%s): %v", bucket, key, err)
		}
		defer func() { _ = rc.Close() }()
		var b []byte
		if viaCopy {
			var buf bytes.Buffer
			_, err = io.Copy(&buf, rc)
			b = buf.Bytes()
		} else {
			b, err = io.ReadAll(rc)
		}
		if err != nil {
			t.Fatalf("reading %s/%s (io.Copy %v): %v", bucket, key, viaCopy, err)
		}
		return b, info
	}
	b, info := read(false)
	if c, _ := read(true); !bytes.Equal(b, c) {
		t.Fatalf("%s/%s: io.Copy of the reader gives %d bytes, Read %d, or other bytes", bucket, key, len(c), len(b))
	}
	return b, info
}

func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want %v", err, target)
	}
}

func checkAbsent(t *testing.T, l object.Layer, bucket, key string) {
	t.Helper()
	_, err := l.HeadObject(ctx, bucket, key)
	wantErr(t, err, object.ErrObjectNotFound)
}

func checkStats(t *testing.T, l object.Layer, bucket string, objects, bytes int64) {
	t.Helper()
	b, err := l.GetBucket(ctx, bucket)
	if err != nil || b.Objects != objects || b.Bytes != bytes {
		t.Fatalf("GetBucket(%s) = %d objects, %d bytes, %v; want %d, %d", bucket, b.Objects, b.Bytes, err, objects, bytes)
	}
}
