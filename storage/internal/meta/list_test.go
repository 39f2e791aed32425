package meta

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

func putKeys(t *testing.T, f *FSM, bucket string, keys []string) {
	t.Helper()
	logs := []*raft.Log{{Index: f.AppliedIndex() + 1, Type: raft.LogCommand, Data: record.Encode(&record.CreateBucket{Name: bucket})}}
	for _, k := range keys {
		logs = append(logs, &raft.Log{Index: logs[len(logs)-1].Index + 1, Type: raft.LogCommand,
			Data: record.Encode(&record.PutObject{Bucket: bucket, Key: k, Object: inlineObject("v", 1)})})
	}
	for _, r := range f.ApplyBatch(logs) {
		if r.(*record.Result).Code != record.CodeOK {
			t.Fatalf("put: %v", r.(*record.Result).Err())
		}
	}
}

// naiveList is the specification of ListObjects, written the slow way.
func naiveList(keys []string, o ListOptions) ListResult {
	var res ListResult
	keys = slices.Clone(keys)
	slices.Sort(keys)
	seen := map[string]bool{}
	count := 0
	for _, k := range keys {
		if !strings.HasPrefix(k, o.Prefix) || k <= o.Marker {
			continue
		}
		entry, isPrefix := k, false
		if o.Delimiter != "" {
			if i := strings.Index(k[len(o.Prefix):], o.Delimiter); i >= 0 {
				entry, isPrefix = k[:len(o.Prefix)+i+len(o.Delimiter)], true
				if seen[entry] || entry <= o.Marker {
					continue
				}
			}
		}
		if count == o.MaxKeys {
			res.IsTruncated = true
			break
		}
		if isPrefix {
			seen[entry] = true
			res.CommonPrefixes = append(res.CommonPrefixes, entry)
		} else {
			res.Objects = append(res.Objects, record.Object{Key: k})
		}
		res.NextMarker = entry
		count++
	}
	if !res.IsTruncated {
		res.NextMarker = ""
	}
	return res
}

func keysOf(r ListResult) []string {
	var out []string
	for _, o := range r.Objects {
		out = append(out, o.Key)
	}
	return out
}

func TestListObjects(t *testing.T) {
	f := newFSM(t)
	keys := []string{"a", "a/1", "a/2", "a/b/1", "b", "b/1", "c/", "c/x", "d\xff", "d\xff/1", "e", "ee/f/g"}
	putKeys(t, f, "bkt", keys)
	putKeys(t, f, "bkt-other", []string{"a", "zzz"}) // must not leak into "bkt"
	tests := map[string]ListOptions{
		"all":                         {MaxKeys: 100},
		"delimiter":                   {Delimiter: "/", MaxKeys: 100},
		"prefix and delimiter":        {Prefix: "a/", Delimiter: "/", MaxKeys: 100},
		"marker inside common prefix": {Marker: "a/1", Delimiter: "/", MaxKeys: 100},
		"marker is a common prefix":   {Marker: "a/", Delimiter: "/", MaxKeys: 100},
		"truncated on a prefix":       {Delimiter: "/", MaxKeys: 2},
		"truncated on a key":          {Delimiter: "/", MaxKeys: 1},
		"multi-byte delimiter":        {Delimiter: "/1", MaxKeys: 100},
		"key equal to prefix":         {Prefix: "c/", Delimiter: "/", MaxKeys: 100},
		"0xff keys":                   {Prefix: "d", Delimiter: "/", MaxKeys: 100},
		"no match":                    {Prefix: "q", MaxKeys: 100},
		"delimiter not found":         {Delimiter: "#", MaxKeys: 3},
	}
	for name, o := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := f.ListObjects("bkt", o)
			if err != nil {
				t.Fatal(err)
			}
			want := naiveList(keys, o)
			if !reflect.DeepEqual(keysOf(got), keysOf(want)) || !reflect.DeepEqual(got.CommonPrefixes, want.CommonPrefixes) ||
				got.IsTruncated != want.IsTruncated || got.NextMarker != want.NextMarker {
				t.Fatalf("ListObjects(%+v)\n got %v %v %v %q\nwant %v %v %v %q", o,
					keysOf(got), got.CommonPrefixes, got.IsTruncated, got.NextMarker,
					keysOf(want), want.CommonPrefixes, want.IsTruncated, want.NextMarker)
			}
		})
	}
	if _, err := f.ListObjects("nope", ListOptions{MaxKeys: 1}); !errors.Is(err, record.ErrBucketNotFound) {
		t.Fatalf("missing bucket: %v", err)
	}
	got, _ := f.ListObjects("bkt", ListOptions{Prefix: "a/2", MaxKeys: 10})
	if len(got.Objects) != 1 || got.Objects[0].Size != 1 || got.Objects[0].ETag != `"E"` || got.Objects[0].Segments != nil {
		t.Fatalf("listed object = %+v", got.Objects)
	}
}

// TestListObjectsRandomPaging pages through random key sets with random
// options and checks every page against the naive specification and that the
// pages together are the full listing.
func TestListObjectsRandomPaging(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 7))
	alphabet := []string{"a", "b", "/", "-", "\xff", "é"}
	for round := range 30 {
		f := newFSM(t)
		seen := map[string]bool{}
		var keys []string
		for range 60 {
			var sb strings.Builder
			for range 1 + r.IntN(6) {
				sb.WriteString(alphabet[r.IntN(len(alphabet))])
			}
			if k := sb.String(); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		bucket := fmt.Sprintf("b%d", round)
		putKeys(t, f, bucket, keys)
		for range 20 {
			o := ListOptions{MaxKeys: 1 + r.IntN(7)}
			if r.IntN(2) == 0 {
				o.Delimiter = alphabet[r.IntN(len(alphabet))]
			}
			if r.IntN(3) == 0 {
				o.Prefix = alphabet[r.IntN(len(alphabet))]
			}
			full := naiveList(keys, ListOptions{Prefix: o.Prefix, Delimiter: o.Delimiter, MaxKeys: 1 << 30})
			var all []string
			var allPrefixes []string
			for page := 0; ; page++ {
				got, err := f.ListObjects(bucket, o)
				if err != nil {
					t.Fatal(err)
				}
				want := naiveList(keys, o)
				if !reflect.DeepEqual(keysOf(got), keysOf(want)) || !reflect.DeepEqual(got.CommonPrefixes, want.CommonPrefixes) ||
					got.IsTruncated != want.IsTruncated || got.NextMarker != want.NextMarker {
					t.Fatalf("keys %q opts %+v: got %v %v %v %q, want %v %v %v %q", keys, o,
						keysOf(got), got.CommonPrefixes, got.IsTruncated, got.NextMarker,
						keysOf(want), want.CommonPrefixes, want.IsTruncated, want.NextMarker)
				}
				all = append(all, keysOf(got)...)
				allPrefixes = append(allPrefixes, got.CommonPrefixes...)
				if !got.IsTruncated {
					break
				}
				if page > 100 {
					t.Fatal("paging does not terminate")
				}
				o.Marker = got.NextMarker
			}
			if !reflect.DeepEqual(all, keysOf(full)) || !reflect.DeepEqual(allPrefixes, full.CommonPrefixes) {
				t.Fatalf("pages %v %v != full listing %v %v", all, allPrefixes, keysOf(full), full.CommonPrefixes)
			}
		}
	}
}
