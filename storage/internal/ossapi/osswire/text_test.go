package osswire

import (
	"reflect"
	"strings"
	"testing"
)

// A listing must name a key with control characters so that the client can
// turn it back into the key (and delete it): as character references, never
// as U+FFFD.
func TestListingKeepsControlCharacters(t *testing.T) {
	key := "a\x01b\x1f<&>\t\u00e9"
	doc := string(MarshalXML(ListBucketResult{
		Name:           "b",
		Contents:       []ObjectRecord{{Key: key, ETag: `"E"`, Size: 1}},
		CommonPrefixes: []PrefixRecord{{Prefix: "p\x02/"}},
	}))
	for _, want := range []string{"<Key>a&#x1;b&#x1F;&lt;&amp;&gt;&#x9;\u00e9</Key>", "<Prefix>p&#x2;/</Prefix>", "<Size>1</Size>", "<ETag>&#34;E&#34;</ETag>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("listing lacks %s:\n%s", want, doc)
		}
	}
	if strings.ContainsRune(doc, '\uFFFD') {
		t.Errorf("listing has U+FFFD:\n%s", doc)
	}
	del := string(MarshalXML(DeleteResult{Deleted: []DeletedRecord{{Key: "x\x03"}}}))
	if !strings.Contains(del, "<Key>x&#x3;</Key>") {
		t.Errorf("delete result: %s", del)
	}
	// Round trip: what a listing says, a delete request names.
	keys, _, err := ParseDeleteRequest([]byte("<Delete><Object><Key>a&#x1;b&#x1F;&lt;&amp;&gt;&#x9;\u00e9</Key></Object></Delete>"))
	if err != nil || len(keys) != 1 || keys[0] != key {
		t.Errorf("round trip: %q, %v", keys, err)
	}
}

// objectRecordXML must stay ObjectRecord field for field: a field added to
// one and not the other would silently vanish from listings.
func TestObjectRecordXMLMatches(t *testing.T) {
	a, b := reflect.TypeOf(ObjectRecord{}), reflect.TypeOf(objectRecordXML{})
	if a.NumField() != b.NumField() {
		t.Fatalf("ObjectRecord has %d fields, objectRecordXML %d", a.NumField(), b.NumField())
	}
	for i := range a.NumField() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || fa.Tag != fb.Tag {
			t.Errorf("field %d: %s %q vs %s %q", i, fa.Name, fa.Tag, fb.Name, fb.Tag)
		}
	}
}
