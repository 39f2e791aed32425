package osswire

import (
	"encoding/xml"
	"fmt"
	"strings"
)

// Keys may hold any character, control characters included, but XML 1.0
// has no way to carry most of them: encoding/xml writes U+FFFD instead, so
// a client listing a bucket would see a key that does not exist and could
// not delete the one that does. OSS writes them as numeric character
// references ("&#x1;"), which lenient parsers (ali-oss's xml2js, ossutil
// with url encoding off) turn back into the character; the Go SDKs ask for
// encoding-type=url and never meet them. The listing records below do the
// same.

// escapeText is xml.EscapeText with control characters written as
// numeric character references instead of U+FFFD.
func escapeText(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	start := 0
	flush := func(end int) {
		if start < end {
			_ = xml.EscapeText(&b, []byte(s[start:end])) // a strings.Builder does not fail
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 || c == '\t' || c == '\n' || c == '\r' {
			continue
		}
		flush(i)
		fmt.Fprintf(&b, "&#x%X;", c)
		start = i + 1
	}
	flush(len(s))
	return b.String()
}

// text is character data that keeps control characters (see escapeText).
type text string

func (t text) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(struct {
		S string `xml:",innerxml"`
	}{escapeText(string(t))}, start)
}

// objectRecordXML is ObjectRecord as written, with the key as text.
type objectRecordXML struct {
	Key          text   `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Type         string `xml:"Type"`
	Size         int64  `xml:"Size"`
	StorageClass string `xml:"StorageClass"`
	Owner        *Owner `xml:"Owner,omitempty"`
}

// MarshalXML writes the record with control characters in the key kept.
func (r ObjectRecord) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(objectRecordXML{
		Key: text(r.Key), LastModified: r.LastModified, ETag: r.ETag, Type: r.Type,
		Size: r.Size, StorageClass: r.StorageClass, Owner: r.Owner,
	}, start)
}

// MarshalXML writes the prefix with control characters kept.
func (r PrefixRecord) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(struct {
		Prefix text `xml:"Prefix"`
	}{text(r.Prefix)}, start)
}

// MarshalXML writes the key with control characters kept.
func (r DeletedRecord) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(struct {
		Key text `xml:"Key"`
	}{text(r.Key)}, start)
}
