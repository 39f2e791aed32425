package osswire

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"

	"github.com/koss-io/koss/storage/internal/object"
)

// responseOverrides maps the GetObject query parameters that override
// response headers to those headers.
var responseOverrides = []struct{ param, header string }{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

// ApplyResponseOverrides sets the response headers that the GetObject query
// parameters response-content-type, response-expires, ... override.
func ApplyResponseOverrides(hdr http.Header, q url.Values) {
	for _, o := range responseOverrides {
		if v := q.Get(o.param); v != "" {
			hdr.Set(o.header, v)
		}
	}
}

// ContentRange is the Content-Range header of a 206 answer: rng of an
// object of size bytes.
func ContentRange(rng object.Range, size int64) string {
	return "bytes " + strconv.FormatInt(rng.Start, 10) + "-" +
		strconv.FormatInt(rng.Start+rng.Length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// SetObjectHeaders writes the headers that describe an object on GET and
// HEAD responses. Every read runs it, so it writes canonical keys straight
// into the map instead of through hdr.Set (ETag as "Etag", the form Set
// gave it), and gives all the values one backing array.
func SetObjectHeaders(hdr http.Header, info object.ObjectInfo) {
	md := info.Metadata
	ct := md.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	// Each header gets a one-element slice of vals, capped so that an
	// append to one header copies instead of overwriting the next.
	vals := make([]string, 0, 14+len(md.User))
	set := func(key, v string) {
		vals = append(vals, v)
		n := len(vals)
		hdr[key] = vals[n-1 : n : n]
	}
	set("Content-Type", ct)
	set("Etag", info.ETag)
	set("Last-Modified", info.LastModified.UTC().Format(http.TimeFormat))
	set("Accept-Ranges", "bytes")
	set(HeaderObjectType, info.Type)
	set(HeaderStorageClass, StorageClassOr(md.StorageClass))
	set(HeaderCRC64, strconv.FormatUint(info.CRC64, 10))
	if len(info.Tags) > 0 {
		set(HeaderTaggingCount, strconv.Itoa(len(info.Tags)))
	}
	if info.Type == object.TypeAppendable {
		set(HeaderNextAppendPosition, strconv.FormatInt(info.Size, 10))
	} else if len(info.MD5) > 0 {
		set("Content-Md5", base64.StdEncoding.EncodeToString(info.MD5))
	}
	if md.CacheControl != "" {
		set("Cache-Control", md.CacheControl)
	}
	if md.ContentDisposition != "" {
		set("Content-Disposition", md.ContentDisposition)
	}
	if md.ContentEncoding != "" {
		set("Content-Encoding", md.ContentEncoding)
	}
	if md.ContentLanguage != "" {
		set("Content-Language", md.ContentLanguage)
	}
	if md.Expires != "" {
		set("Expires", md.Expires)
	}
	for k, v := range md.User {
		set(http.CanonicalHeaderKey(MetaPrefix+k), v)
	}
}
