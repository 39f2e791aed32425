package s3wire

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Tagging headers.
const (
	HeaderTagging          = "X-Amz-Tagging"
	HeaderTaggingDirective = "X-Amz-Tagging-Directive"
	HeaderTaggingCount     = "X-Amz-Tagging-Count"
)

// Errors of tagging.
var (
	ErrInvalidTag   = newErr("InvalidTag", http.StatusBadRequest, "The tag provided was not a valid tag.")
	ErrNoSuchTagSet = newErr("NoSuchTagSet", http.StatusNotFound, "The TagSet does not exist")
)

// Tagging is the document of Put/GetObjectTagging and Put/GetBucketTagging.
type Tagging struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Tagging"`
	TagSet  []Tag    `xml:"TagSet>Tag"`
}

// Tag is one key and value.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// TaggingOf is the document for tags, in key order.
func TaggingOf(tags map[string]string) Tagging {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	t := Tagging{TagSet: []Tag{}}
	for _, k := range keys {
		t.TagSet = append(t.TagSet, Tag{Key: k, Value: tags[k]})
	}
	return t
}

// ParseTagging reads a Tagging document (with or without the S3
// namespace). A key given twice is InvalidTag; limits are the engine's.
func ParseTagging(body []byte) (map[string]string, *Error) {
	var doc struct {
		XMLName xml.Name
		Tags    []Tag `xml:"TagSet>Tag"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || doc.XMLName.Local != "Tagging" {
		return nil, ErrMalformedXML
	}
	m := make(map[string]string, len(doc.Tags))
	for _, t := range doc.Tags {
		if _, dup := m[t.Key]; dup {
			return nil, ErrInvalidTag.Msgf("Cannot provide multiple Tags with the same key")
		}
		m[t.Key] = t.Value
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// ParseTaggingHeader reads x-amz-tagging: URL query parameters without
// duplicate names, as S3 wants them.
func ParseTaggingHeader(h http.Header) (map[string]string, *Error) {
	v := h.Get(HeaderTagging)
	if v == "" {
		return nil, nil
	}
	q, err := url.ParseQuery(v)
	bad := err != nil
	m := make(map[string]string, len(q))
	for k, vs := range q {
		if len(vs) != 1 {
			bad = true
			break
		}
		m[k] = vs[0]
	}
	if bad {
		return nil, ErrInvalidArgument.Msgf("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.").
			With("ArgumentName", "x-amz-tagging").With("ArgumentValue", v)
	}
	return m, nil
}

// ParseTaggingDirective reads x-amz-tagging-directive: whether a copy
// takes the request's x-amz-tagging (REPLACE) or the source's tags (COPY,
// the default).
func ParseTaggingDirective(h http.Header) (bool, *Error) {
	switch v := h.Get(HeaderTaggingDirective); {
	case v == "" || strings.EqualFold(v, "COPY"):
		return false, nil
	case strings.EqualFold(v, "REPLACE"):
		return true, nil
	default:
		return false, ErrInvalidArgument.Msgf("Unknown tagging directive.").
			With("ArgumentName", "x-amz-tagging-directive").With("ArgumentValue", v)
	}
}
