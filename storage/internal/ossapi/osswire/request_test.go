package osswire

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/koss-io/koss/storage/internal/object"
)

func TestParseCopySource(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want object.ObjectRef
		code string
	}{
		{v: "/b-1/a+b%2Bc", want: object.ObjectRef{Bucket: "b-1", Key: "a b+c"}},   // v1 SDK: QueryEscape
		{v: "/b-1/a%20b%2Bc", want: object.ObjectRef{Bucket: "b-1", Key: "a b+c"}}, // v2 SDK: RFC 3986
		{v: "/b-1/dir%2Fk", want: object.ObjectRef{Bucket: "b-1", Key: "dir/k"}},
		{v: "/b-1/dir/k?versionId=null", want: object.ObjectRef{Bucket: "b-1", Key: "dir/k"}},
		{v: "b-1/k", code: "InvalidArgument"},
		{v: "/b-1", code: "InvalidArgument"},
		{v: "/b-1/", code: "InvalidArgument"},
		{v: "/b-1/%ZZ", code: "InvalidArgument"},
		{v: "/b-1/k?%zz", code: "InvalidArgument"},
		{v: "/Bad/k", code: "InvalidBucketName"},
		{v: "/b-1//k", code: "InvalidObjectName"},
	} {
		got, ae := ParseCopySource(tc.v)
		switch {
		case tc.code != "":
			if ae == nil || ae.Code != tc.code {
				t.Errorf("%q: %+v, %v; want %s", tc.v, got, ae, tc.code)
			}
		case ae != nil || got != tc.want:
			t.Errorf("%q: %+v, %v; want %+v", tc.v, got, ae, tc.want)
		}
	}
}

func TestParseMetadata(t *testing.T) {
	h := http.Header{}
	h.Set("Cache-Control", "no-cache")
	h.Set("x-oss-meta-Color", "Blue")
	h.Add("x-oss-meta-two-words", "a")
	h.Add("x-oss-meta-two-words", "b")
	h.Set("x-oss-storage-class", "coldarchive")
	h.Set("x-oss-object-acl", "public-read")
	md, ae := ParseMetadata(h)
	if ae != nil {
		t.Fatal(ae)
	}
	if md.ContentType != "application/octet-stream" || md.CacheControl != "no-cache" || md.StorageClass != "ColdArchive" ||
		md.ACL != "public-read" || len(md.User) != 2 || md.User["color"] != "Blue" || md.User["two-words"] != "a,b" {
		t.Fatalf("metadata %+v", md)
	}
	for name, h := range map[string]http.Header{
		"x-oss-object-acl":    {"X-Oss-Object-Acl": {"secret"}},
		"x-oss-storage-class": {"X-Oss-Storage-Class": {"Gold"}},
		"":                    {"X-Oss-Meta-Big": {strings.Repeat("x", object.MaxUserMetadataSize)}},
	} {
		_, ae := ParseMetadata(h)
		if ae == nil || ae.Code != "InvalidArgument" {
			t.Errorf("%v: %v", h, ae)
			continue
		}
		if name != "" && (len(ae.Extra) == 0 || ae.Extra[0].Value != name) {
			t.Errorf("%v: extras %v", h, ae.Extra)
		}
	}
}

func TestParseListV2(t *testing.T) {
	q := url.Values{"continuation-token": {ContinuationToken("dir/kéy")}, "start-after": {"a"}, "fetch-owner": {"true"},
		"prefix": {"dir/"}, "max-keys": {"7"}, "encoding-type": {"url"}}
	p, ae := ParseListV2(q)
	if ae != nil {
		t.Fatal(ae)
	}
	if p.Marker != "dir/kéy" || p.StartAfter != "a" || !p.FetchOwner || p.Prefix != "dir/" || p.MaxKeys != 7 || !p.Encode {
		t.Fatalf("params %+v", p)
	}
	if p, _ := ParseListV2(url.Values{"start-after": {"a"}}); p.Marker != "a" || p.MaxKeys != DefaultMaxKeys {
		t.Fatalf("start-after alone: %+v", p)
	}
	for _, q := range []url.Values{
		{"continuation-token": {""}}, {"continuation-token": {"!!"}}, {"fetch-owner": {"yes"}},
		{"max-keys": {"0"}}, {"max-keys": {"1001"}}, {"max-keys": {"99999999999999999999"}},
		{"encoding-type": {"base64"}}, {"prefix": {"\xff"}}, {"delimiter": {strings.Repeat("d", 1024)}},
	} {
		if _, ae := ParseListV2(q); ae == nil || ae.Code != "InvalidArgument" {
			t.Errorf("%v: %v", q, ae)
		}
	}
}

func TestParseAppendPosition(t *testing.T) {
	if pos, ae := ParseAppendPosition(url.Values{"append": {""}, "position": {"42"}}); ae != nil || pos != 42 {
		t.Fatalf("position 42: %d, %v", pos, ae)
	}
	if _, ae := ParseAppendPosition(url.Values{"append": {""}}); ae == nil || ae.Code != "MissingArgument" {
		t.Fatalf("no position: %v", ae)
	}
	for _, v := range []string{"", "-1", "abc", "99999999999999999999"} {
		if _, ae := ParseAppendPosition(url.Values{"position": {v}}); ae == nil || ae.Code != "InvalidArgument" {
			t.Errorf("position %q: %v", v, ae)
		}
	}
}
