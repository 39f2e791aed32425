package osswire

import (
	"encoding/base64"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/koss-io/koss/storage/internal/object"
)

// setObjectHeadersWithSet is SetObjectHeaders as it was written with
// hdr.Set: the reference for the headers and values it must produce.
func setObjectHeadersWithSet(hdr http.Header, info object.ObjectInfo) {
	md := info.Metadata
	ct := md.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	hdr.Set("Content-Type", ct)
	hdr.Set("ETag", info.ETag)
	hdr.Set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
	hdr.Set("Accept-Ranges", "bytes")
	hdr.Set(HeaderObjectType, info.Type)
	hdr.Set(HeaderStorageClass, StorageClassOr(md.StorageClass))
	hdr.Set(HeaderCRC64, strconv.FormatUint(info.CRC64, 10))
	if info.Type == object.TypeAppendable {
		hdr.Set(HeaderNextAppendPosition, strconv.FormatInt(info.Size, 10))
	} else if len(info.MD5) > 0 {
		hdr.Set("Content-Md5", base64.StdEncoding.EncodeToString(info.MD5))
	}
	for name, v := range map[string]string{
		"Cache-Control":       md.CacheControl,
		"Content-Disposition": md.ContentDisposition,
		"Content-Encoding":    md.ContentEncoding,
		"Content-Language":    md.ContentLanguage,
		"Expires":             md.Expires,
	} {
		if v != "" {
			hdr.Set(name, v)
		}
	}
	for k, v := range md.User {
		hdr.Set(MetaPrefix+k, v)
	}
}

// TestSetObjectHeaders checks that SetObjectHeaders writes exactly the
// headers, under exactly the keys, that hdr.Set wrote, and that it stays
// cheap: it runs on every GET and HEAD.
func TestSetObjectHeaders(t *testing.T) {
	lm := time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	infos := map[string]object.ObjectInfo{
		"bare": {Type: object.TypeNormal, ETag: `"E"`, LastModified: lm},
		"normal": {Type: object.TypeNormal, ETag: `"ABC"`, LastModified: lm, Size: 39, CRC64: 1<<63 + 5,
			MD5: []byte("0123456789abcdef"), Metadata: object.Metadata{
				ContentType: "text/plain", CacheControl: "no-cache", ContentDisposition: "inline",
				ContentEncoding: "gzip", ContentLanguage: "en", Expires: "Thu, 01 Dec 1994 16:00:00 GMT",
				StorageClass: "IA", ACL: "public-read",
				User: map[string]string{"color": "Blue", "two-words": "x", "weird_key.1": "z", "UP": "u", "with space": "s", "9lives": "n", "": "e"},
			}},
		"appendable": {Type: object.TypeAppendable, ETag: `"A-1"`, LastModified: lm, Size: 6, CRC64: 7,
			MD5: []byte("ignored for appendable objects"), Metadata: object.Metadata{Expires: "never", User: map[string]string{"a": "1"}}},
	}
	for name, info := range infos {
		got, want := http.Header{"Server": {"AliyunOSS"}}, http.Header{"Server": {"AliyunOSS"}}
		SetObjectHeaders(got, info)
		setObjectHeadersWithSet(want, info)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
		// A later Add to one header leaves the others alone.
		got.Add("Content-Type", "extra")
		if v := got["Etag"]; len(v) != 1 || v[0] != info.ETag {
			t.Errorf("%s: Add to Content-Type changed Etag to %q", name, v)
		}
	}

	info := infos["normal"]
	info.Metadata.User = nil
	hdr := http.Header{}
	// The values' backing array, Last-Modified, the CRC-64 and Content-MD5:
	// 4 (hdr.Set and the map of optional headers took 11).
	if n := testing.AllocsPerRun(100, func() { SetObjectHeaders(hdr, info) }); n > 4 {
		t.Errorf("SetObjectHeaders: %v allocations per call, want at most 4", n)
	}
}
