package osswire

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// deleteBody writes a DeleteMultipleObjects body as the SDKs do. (ossapi's
// handler tests keep their own copy: test helpers do not cross packages.)
func deleteBody(quiet bool, keys ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>%t</Quiet>`, quiet)
	for _, k := range keys {
		b.WriteString("<Object><Key>" + sdkEscapeXML(k) + "</Key></Object>")
	}
	b.WriteString("</Delete>")
	return []byte(b.String())
}

// sdkEscapeXML escapes like both SDKs: XML's five entities, tab/newline/CR
// as references, other control characters as "&#xNN;".
func sdkEscapeXML(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\t':
			b.WriteString("&#x9;")
		case r == '\n':
			b.WriteString("&#xA;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r < 0x20:
			fmt.Fprintf(&b, "&#x%02X;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestParseDeleteRequest(t *testing.T) {
	keys := []string{"plain", "ctl\x01\x1f", "sp ace+plus", "amp&<>\"'", "tab\tnl\ncr\r", "mark\uFDD0x", "\uFDD0@", "日本語"}
	got, quiet, err := ParseDeleteRequest(deleteBody(false, keys...))
	if err != nil || quiet || !slices.Equal(got, keys) {
		t.Fatalf("keys %q quiet %v: %v", got, quiet, err)
	}
	got, quiet, err = ParseDeleteRequest([]byte(`<Delete><Quiet> TRUE </Quiet><Object><Key><![CDATA[&#x01;]]></Key><VersionId>v</VersionId></Object></Delete>`))
	if err != nil || !quiet || !slices.Equal(got, []string{"&#x01;"}) {
		t.Fatalf("CDATA: keys %q quiet %v: %v", got, quiet, err)
	}
	// ali-oss deletes the keys it listed with their control characters raw.
	raw := "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete><Quiet>false</Quiet><Object><Key>ctl\x01\x1fend</Key></Object></Delete>"
	got, _, err = ParseDeleteRequest([]byte(raw))
	if err != nil || !slices.Equal(got, []string{"ctl\x01\x1fend"}) {
		t.Fatalf("raw control characters: keys %q: %v", got, err)
	}
	for name, b := range map[string][]byte{
		"no objects": []byte(`<Delete><Quiet>false</Quiet></Delete>`),
		"not xml":    []byte(`<Delete><Object><Key>a</Key>`),
		"wrong root": []byte(`<Remove><Object><Key>a</Key></Object></Remove>`),
		"no key":     []byte(`<Delete><Object></Object></Delete>`),
		"too many":   deleteBody(false, strings.Split(strings.Repeat("k,", 1001), ",")[:1001]...),
		"bad quiet":  []byte(`<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>`),
		"empty":      nil,
	} {
		if _, _, err := ParseDeleteRequest(b); !errors.Is(err, ErrMalformedXML) {
			t.Errorf("%s: %v, want MalformedXML", name, err)
		}
	}
}
