package osswire

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/koss-io/koss/storage/internal/object"
)

// deleteRequest is the DeleteMultipleObjects body.
type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   string   `xml:"Quiet"`
	Objects []struct {
		Key       *string `xml:"Key"`
		VersionID string  `xml:"VersionId"`
	} `xml:"Object"`
}

// Control characters in keys. Both SDKs write a key's control characters as
// numeric character references ("&#x01;"), which XML 1.0 forbids and Go's
// encoding/xml rejects. escapeControlRefs rewrites each such reference into a
// private two-rune sequence before decoding and unescapeControls restores
// the characters afterwards: ctlMark followed by '@'+c stands for control
// character c, and a literal ctlMark (U+FDD0, a noncharacter) is doubled so
// that it survives unchanged.
const ctlMark = '\uFDD0'

// escapeControlRefs applies the rewrite to a raw XML document. CDATA sections
// are copied verbatim (apart from doubling ctlMark): references are not
// references there.
func escapeControlRefs(doc []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(doc))
	mark := string(ctlMark)
	for i := 0; i < len(doc); {
		switch {
		case bytes.HasPrefix(doc[i:], []byte("<![CDATA[")):
			end := bytes.Index(doc[i:], []byte("]]>"))
			if end < 0 {
				end = len(doc) - i
			} else {
				end += 3
			}
			out.Write(bytes.ReplaceAll(doc[i:i+end], []byte(mark), []byte(mark+mark)))
			i += end
		case bytes.HasPrefix(doc[i:], []byte("&#")):
			if c, n, ok := parseCharRef(doc[i:]); ok {
				switch {
				case c == ctlMark:
					out.WriteString(mark + mark)
					i += n
					continue
				case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
					out.WriteRune(ctlMark)
					out.WriteRune('@' + c)
					i += n
					continue
				}
			}
			out.WriteByte(doc[i])
			i++
		default:
			r, n := utf8.DecodeRune(doc[i:])
			switch {
			case r == ctlMark:
				out.WriteString(mark + mark)
			case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
				// A raw control character, which XML forbids too: ali-oss
				// writes the keys it listed that way when deleting them.
				out.WriteRune(ctlMark)
				out.WriteRune('@' + r)
			default:
				out.Write(doc[i : i+n])
			}
			i += n
		}
	}
	return out.Bytes()
}

// parseCharRef parses "&#x1F;" or "&#31;" at the start of b, returning the
// code point and the reference's length.
func parseCharRef(b []byte) (rune, int, bool) {
	end := bytes.IndexByte(b, ';')
	if end < 3 || end > 12 {
		return 0, 0, false
	}
	body := string(b[2:end])
	base := 10
	if body[0] == 'x' {
		base, body = 16, body[1:]
	}
	if body == "" {
		return 0, 0, false
	}
	n, err := strconv.ParseUint(body, base, 32)
	if err != nil || n > utf8.MaxRune {
		return 0, 0, false
	}
	return rune(n), end + 1, true
}

// unescapeControls undoes escapeControlRefs on a decoded string.
func unescapeControls(s string) (string, bool) {
	if !strings.ContainsRune(s, ctlMark) {
		return s, true
	}
	var b strings.Builder
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] != ctlMark {
			b.WriteRune(rs[i])
			continue
		}
		if i+1 >= len(rs) {
			return "", false
		}
		i++
		switch next := rs[i]; {
		case next == ctlMark:
			b.WriteRune(ctlMark)
		case next >= '@' && next < '@'+0x20:
			b.WriteRune(next - '@')
		default:
			return "", false
		}
	}
	return b.String(), true
}

// ParseDeleteRequest decodes a DeleteMultipleObjects body into its keys and
// quiet flag. An empty list, a missing or empty key, more than 1000 keys or
// a document that is not a <Delete> is MalformedXML.
func ParseDeleteRequest(body []byte) (keys []string, quiet bool, err error) {
	var req deleteRequest
	if err := xml.Unmarshal(escapeControlRefs(body), &req); err != nil {
		return nil, false, ErrMalformedXML
	}
	switch strings.ToLower(strings.TrimSpace(req.Quiet)) {
	case "", "false":
	case "true":
		quiet = true
	default:
		return nil, false, ErrMalformedXML
	}
	if len(req.Objects) == 0 || len(req.Objects) > object.MaxDeleteObjects {
		return nil, false, ErrMalformedXML
	}
	keys = make([]string, 0, len(req.Objects))
	for _, o := range req.Objects {
		if o.Key == nil {
			return nil, false, ErrMalformedXML
		}
		k, ok := unescapeControls(*o.Key)
		if !ok {
			return nil, false, ErrMalformedXML
		}
		keys = append(keys, k)
	}
	return keys, quiet, nil
}
