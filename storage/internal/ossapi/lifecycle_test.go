package ossapi

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/koss-io/koss/storage/internal/object"
	"github.com/koss-io/koss/storage/internal/ossapi/osswire/bucketrules"
)

const lifecycleDoc = `<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration>
  <Rule>
    <ID>logs</ID>
    <Prefix>logs/</Prefix>
    <Status>Enabled</Status>
    <Expiration><Days>3</Days></Expiration>
    <AbortMultipartUpload><Days>1</Days></AbortMultipartUpload>
  </Rule>
  <Rule>
    <Prefix>tmp/</Prefix>
    <Status>Disabled</Status>
    <Tag><Key>k</Key><Value>v</Value></Tag>
    <Expiration><CreatedBeforeDate>2026-01-02T00:00:00.000Z</CreatedBeforeDate></Expiration>
  </Rule>
  <Rule>
    <ID>old</ID>
    <Prefix>old/</Prefix>
    <Status>Enabled</Status>
    <Expiration><Date>2025-06-01T00:00:00Z</Date></Expiration>
  </Rule>
</LifecycleConfiguration>`

// TestBucketLifecycleHandlers: PUT/GET/DELETE ?lifecycle store, answer
// and remove the rules (root only to change, read access to get), a rule
// without an ID gets one; GET without rules is 404 NoSuchLifecycle; bad
// documents are 400 (MalformedXML, InvalidArgument, NotImplemented) and
// change nothing.
func TestBucketLifecycleHandlers(t *testing.T) {
	e := newStoreEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	wantErr(t, e.root("GET", "/bkt?lifecycle", nil), 404, "NoSuchLifecycle")
	wantStatus(t, e.root("PUT", "/bkt?lifecycle", []byte(lifecycleDoc)), 200)
	var got bucketrules.LifecycleConfiguration
	wantDoc := func() {
		t.Helper()
		r := e.root("GET", "/bkt?lifecycle", nil)
		wantStatus(t, r, 200)
		got = bucketrules.LifecycleConfiguration{}
		if err := xml.Unmarshal(r.body, &got); err != nil || len(got.Rules) != 3 {
			t.Fatalf("GetBucketLifecycle: %s (%v)", r.body, err)
		}
		for _, w := range []string{
			"<Rule><ID>logs</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>3</Days></Expiration>" +
				"<AbortMultipartUpload><Days>1</Days></AbortMultipartUpload></Rule>",
			"<Prefix>tmp/</Prefix><Status>Disabled</Status><Tag><Key>k</Key><Value>v</Value></Tag>" +
				"<Expiration><CreatedBeforeDate>2026-01-02T00:00:00.000Z</CreatedBeforeDate></Expiration></Rule>",
			"<Rule><ID>old</ID><Prefix>old/</Prefix><Status>Enabled</Status><Expiration><Date>2025-06-01T00:00:00.000Z</Date></Expiration></Rule>",
		} {
			if !bytes.Contains(r.body, []byte(w)) {
				t.Fatalf("GetBucketLifecycle: %s\nwant it to contain %s", r.body, w)
			}
		}
	}
	wantDoc()
	generated := got.Rules[1].ID
	if generated == "" || generated == "logs" || generated == "old" {
		t.Fatalf("generated ID %q", generated)
	}

	rule := func(inner string) []byte {
		return []byte("<LifecycleConfiguration><Rule>" + inner + "</Rule></LifecycleConfiguration>")
	}
	var many strings.Builder
	many.WriteString("<LifecycleConfiguration>")
	for range object.MaxLifecycleRules + 1 {
		many.WriteString("<Rule><Prefix>a/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>")
	}
	many.WriteString("</LifecycleConfiguration>")
	two := func(a, b string) []byte {
		return []byte("<LifecycleConfiguration><Rule>" + a + "</Rule><Rule>" + b + "</Rule></LifecycleConfiguration>")
	}
	const exp1 = "<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"
	for name, tc := range map[string]struct {
		doc  []byte
		code string
	}{
		"not XML":          {[]byte("<LifecycleConfiguration><Rule>"), "MalformedXML"},
		"another root":     {[]byte("<Tagging><TagSet/></Tagging>"), "MalformedXML"},
		"no rule":          {[]byte("<LifecycleConfiguration></LifecycleConfiguration>"), "MalformedXML"},
		"days not integer": {rule("<Status>Enabled</Status><Expiration><Days>x</Days></Expiration>"), "MalformedXML"},
		"1001 rules":       {[]byte(many.String()), "InvalidArgument"},
		"bad status":       {rule("<Status>On</Status><Expiration><Days>1</Days></Expiration>"), "InvalidArgument"},
		"zero days":        {rule("<Status>Enabled</Status><Expiration><Days>0</Days></Expiration>"), "InvalidArgument"},
		"no action":        {rule("<Status>Enabled</Status>"), "InvalidArgument"},
		"empty expiration": {rule("<Status>Enabled</Status><Expiration></Expiration>"), "InvalidArgument"},
		"two times":        {rule("<Status>Enabled</Status><Expiration><Days>1</Days><CreatedBeforeDate>2026-01-02T00:00:00.000Z</CreatedBeforeDate></Expiration>"), "InvalidArgument"},
		"not midnight":     {rule("<Status>Enabled</Status><Expiration><CreatedBeforeDate>2026-01-02T03:00:00.000Z</CreatedBeforeDate></Expiration>"), "InvalidArgument"},
		"bad date":         {rule("<Status>Enabled</Status><Expiration><Date>yesterday</Date></Expiration>"), "InvalidArgument"},
		"abort by date":    {rule("<Status>Enabled</Status><AbortMultipartUpload><Date>2026-01-02T00:00:00.000Z</Date></AbortMultipartUpload>"), "InvalidArgument"},
		"tags with abort":  {rule("<Status>Enabled</Status><Tag><Key>k</Key><Value>v</Value></Tag><AbortMultipartUpload><Days>1</Days></AbortMultipartUpload>"), "InvalidArgument"},
		"duplicate IDs":    {two("<ID>a</ID><Prefix>x/</Prefix>"+exp1, "<ID>a</ID><Prefix>y/</Prefix>"+exp1), "InvalidArgument"},
		"overlap":          {two("<ID>a</ID><Prefix>x/</Prefix>"+exp1, "<ID>b</ID><Prefix>x/y/</Prefix>"+exp1), "InvalidArgument"},
		"same prefix": {two("<ID>a</ID><Prefix>x/</Prefix>"+exp1,
			"<ID>b</ID><Prefix>x/</Prefix><Status>Enabled</Status><AbortMultipartUpload><Days>2</Days></AbortMultipartUpload>"), "InvalidArgument"},
		"transition":        {rule(exp1 + "<Transition><Days>1</Days><StorageClass>IA</StorageClass></Transition>"), "InvalidArgument"},
		"noncurrent":        {rule(exp1 + "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration>"), "NotImplemented"},
		"delete marker":     {rule("<Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"), "NotImplemented"},
		"filter":            {rule(exp1 + "<Filter><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></Filter>"), "NotImplemented"},
		"long ID":           {rule("<ID>" + strings.Repeat("i", 256) + "</ID>" + exp1), "InvalidArgument"},
		"tag without a key": {rule("<Tag><Key></Key><Value>v</Value></Tag>" + exp1), "InvalidArgument"},
	} {
		r := e.root("PUT", "/bkt?lifecycle", tc.doc)
		if r.status != 400 || parseErr(t, r.body).Code != tc.code {
			t.Errorf("%s: status %d %s, want 400 %s", name, r.status, r.body, tc.code)
		}
	}
	for ec, doc := range map[string][]byte{
		"0014-00000084": two("<ID>a</ID><Prefix>x/</Prefix>"+exp1, "<ID>b</ID><Prefix>x/y/</Prefix>"+exp1),
		"0014-00000085": two("<ID>a</ID>"+exp1, "<ID>b</ID>"+exp1),
		"0014-00000026": rule("<Status>Enabled</Status>"),
		"0014-00000060": rule("<Status>Enabled</Status><Expiration></Expiration>"),
	} {
		if r := e.root("PUT", "/bkt?lifecycle", doc); parseErr(t, r.body).EC != ec {
			t.Errorf("EC of %s: %s, want %s", doc, r.body, ec)
		}
	}
	wantDoc()
	if got.Rules[1].ID != generated {
		t.Fatalf("a refused PUT changed the rules: ID %q, was %q", got.Rules[1].ID, generated)
	}
	// Overlapping prefixes with the same action are allowed when asked.
	overlap := two("<ID>a</ID><Prefix>x/</Prefix>"+exp1, "<ID>b</ID><Prefix>x/y/</Prefix>"+exp1)
	wantStatus(t, e.root("PUT", "/bkt?lifecycle", overlap, bucketrules.HeaderAllowSameActionOverlap, "true"), 200)
	wantStatus(t, e.root("PUT", "/bkt?lifecycle", two("<ID>a</ID>"+exp1, "<ID>b</ID>"+exp1), bucketrules.HeaderAllowSameActionOverlap, "true"), 200)
	// Different actions may overlap anyway, on different prefixes.
	wantStatus(t, e.root("PUT", "/bkt?lifecycle", two("<ID>a</ID>"+exp1,
		"<ID>b</ID><Prefix>x/</Prefix><Status>Enabled</Status><AbortMultipartUpload><Days>2</Days></AbortMultipartUpload>")), 200)
	wantStatus(t, e.root("PUT", "/bkt?lifecycle", []byte(lifecycleDoc)), 200)

	// Changing is root's; reading needs read access.
	if _, err := e.layer.CreateKey(t.Context(), object.AccessKey{ID: "rw", Secret: "s",
		Grants: map[string]object.Access{"bkt": object.AccessReadWrite}}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.do(req{method: "PUT", path: "/bkt?lifecycle", key: "rw", body: rule(exp1)}), 403, "AccessDenied")
	wantErr(t, e.do(req{method: "DELETE", path: "/bkt?lifecycle", key: "rw"}), 403, "AccessDenied")
	wantStatus(t, e.do(req{method: "GET", path: "/bkt?lifecycle", key: "rw"}), 200)
	wantErr(t, e.do(req{method: "GET", path: "/bkt?lifecycle"}), 403, "AccessDenied")
	wantDoc()

	wantErr(t, e.root("PUT", "/missing?lifecycle", []byte(lifecycleDoc)), 404, "NoSuchBucket")
	wantErr(t, e.root("DELETE", "/missing?lifecycle", nil), 404, "NoSuchBucket")
	wantStatus(t, e.root("DELETE", "/bkt?lifecycle", nil), 204)
	wantErr(t, e.root("GET", "/bkt?lifecycle", nil), 404, "NoSuchLifecycle")
	wantStatus(t, e.root("DELETE", "/bkt?lifecycle", nil), 204)
}
