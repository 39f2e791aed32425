package osswire

import (
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
)

// Keys may hold control characters, which XML 1.0 cannot carry: a strict
// parser (Go's encoding/xml, Python's ElementTree, the sax that ali-oss
// parses with) refuses a document that names them, even as character
// references. A listing must stay parseable whatever keys the bucket holds,
// so without encoding-type=url such characters are written as U+FFFD (as
// encoding/xml does), and with it the key comes back exactly. Clients that
// must see such keys ask for url encoding, as OSS and S3 tell them to.
func TestListingWithControlCharacters(t *testing.T) {
	key := "a\x01b\x1f<&>"
	for _, encode := range []bool{false, true} {
		p := ListParams{Encode: encode}
		doc := MarshalXML(ListBucketResult{
			Name:         "b",
			EncodingType: p.EncodingType(),
			Contents:     []ObjectRecord{{Key: p.Enc(key), ETag: `"E"`, Size: 1}},
		})
		var got ListBucketResult
		if err := xml.Unmarshal(doc, &got); err != nil {
			t.Fatalf("encode=%v: a strict parser refuses the listing: %v\n%s", encode, err, doc)
		}
		name := got.Contents[0].Key
		if encode {
			dec, err := url.QueryUnescape(name)
			if err != nil || dec != key {
				t.Fatalf("encoding-type=url: key %q decodes to %q (%v), want %q", name, dec, err, key)
			}
		} else if name != "a\uFFFDb\uFFFD<&>" {
			t.Fatalf("without url encoding: key %q", name)
		}
	}
	if strings.Contains(string(MarshalXML(DeleteResult{Deleted: []DeletedRecord{{Key: "x\x03"}}})), "&#x3;") {
		t.Fatal("a delete result must stay parseable too")
	}
}
