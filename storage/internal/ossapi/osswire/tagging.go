package osswire

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Tagging headers.
const (
	HeaderTagging          = "X-Oss-Tagging"
	HeaderTaggingDirective = "X-Oss-Tagging-Directive"
	HeaderTaggingCount     = "X-Oss-Tagging-Count"
	HeaderSymlinkTarget    = "X-Oss-Symlink-Target"
)

// Errors of tagging and symlinks.
var (
	// ErrInvalidTag is OSS's answer to tags outside its limits (count,
	// lengths, characters, a key given twice).
	ErrInvalidTag = &Error{Code: "InvalidTag", Status: http.StatusBadRequest,
		Message: "The tag provided was not a valid tag."}
	// ErrNotSymlink answers GetSymlink for an object that is no symlink.
	ErrNotSymlink = &Error{Code: "NotSymlink", Status: http.StatusBadRequest,
		Message: "The specified object is not a symlink.", EC: "0043-00000101"}
)

// Tagging is the document of Put/GetObjectTagging and Put/GetBucketTags:
// <Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag>...</TagSet></Tagging>,
// as both OSS Go SDKs send and parse it.
type Tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	TagSet  TagSet   `xml:"TagSet"`
}

// TagSet holds the tags of a Tagging document.
type TagSet struct {
	Tags []Tag `xml:"Tag"`
}

// Tag is one key and value.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// TaggingOf is the document for tags, in key order (a map has none; a
// stable order keeps answers byte-for-byte repeatable).
func TaggingOf(tags map[string]string) Tagging {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	t := Tagging{}
	for _, k := range keys {
		t.TagSet.Tags = append(t.TagSet.Tags, Tag{Key: k, Value: tags[k]})
	}
	return t
}

// ParseTagging reads a Tagging document. A key given twice is InvalidTag
// (a map would silently keep one of them); limits are the engine's to
// judge.
func ParseTagging(body []byte) (map[string]string, *Error) {
	var doc struct {
		XMLName xml.Name `xml:"Tagging"`
		Tags    []Tag    `xml:"TagSet>Tag"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, ErrMalformedXML
	}
	return tagMap(doc.Tags)
}

func tagMap(tags []Tag) (map[string]string, *Error) {
	if len(tags) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if _, dup := m[t.Key]; dup {
			return nil, ErrInvalidTag.Msgf("The tag key %q is given more than once.", t.Key)
		}
		m[t.Key] = t.Value
	}
	return m, nil
}

// ParseTaggingHeader reads x-oss-tagging: URL-encoded "k1=v1&k2=v2" (a
// bare "k" is a key with an empty value). A pair with more than one "="
// or that does not decode is InvalidArgument, as OSS answers; a key given
// twice is InvalidTag.
func ParseTaggingHeader(h http.Header) (map[string]string, *Error) {
	v := h.Get(HeaderTagging)
	if v == "" {
		return nil, nil
	}
	bad := func() *Error {
		return ErrInvalidArgument.Msgf("The x-oss-tagging header is not of the form key1=value1&key2=value2.").
			With("ArgumentName", "x-oss-tagging").With("ArgumentValue", v)
	}
	var tags []Tag
	for _, pair := range strings.Split(v, "&") {
		k, val, _ := strings.Cut(pair, "=")
		if strings.Contains(val, "=") {
			return nil, bad()
		}
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(val)
		if err1 != nil || err2 != nil {
			return nil, bad()
		}
		tags = append(tags, Tag{Key: dk, Value: dv})
	}
	return tagMap(tags)
}

// ParseTaggingDirective reads x-oss-tagging-directive: whether a copy
// replaces the source's tags with the request's x-oss-tagging.
func ParseTaggingDirective(h http.Header) (replace bool, ae *Error) {
	switch v := h.Get(HeaderTaggingDirective); {
	case v == "" || strings.EqualFold(v, "Copy"):
		return false, nil
	case strings.EqualFold(v, "Replace"):
		return true, nil
	default:
		return false, ErrInvalidArgument.Msgf("The x-oss-tagging-directive must be Copy or Replace.").
			With("ArgumentName", "x-oss-tagging-directive").With("ArgumentValue", v)
	}
}

// EscapeSymlinkTarget is the form of a symlink's target in
// x-oss-symlink-target answers: percent-encoded but for unreserved
// characters and "/", so that the v1 SDK's url.QueryUnescape gives the
// key back and a v2 caller reading the raw header sees plain keys plain.
func EscapeSymlinkTarget(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(url.PathEscape(p), "+", "%2B")
	}
	return strings.Join(parts, "/")
}

// ParseSymlinkTarget reads x-oss-symlink-target: the v1 SDK sends the key
// query-escaped, the v2 SDK raw; both decode with url.QueryUnescape (a
// value that does not decode is taken as it is). Empty is
// InvalidArgument.
func ParseSymlinkTarget(h http.Header) (string, *Error) {
	v := h.Get(HeaderSymlinkTarget)
	if v == "" {
		return "", ErrInvalidArgument.Msgf("The symlink target must not be empty.").
			With("ArgumentName", "x-oss-symlink-target")
	}
	if d, err := url.QueryUnescape(v); err == nil {
		v = d
	}
	if ae := CheckObjectName(v); ae != nil {
		return "", ae.With("ArgumentName", "x-oss-symlink-target")
	}
	return v, nil
}
