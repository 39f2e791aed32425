package bucketrules

import "testing"

// TestParseLifecycleAliOSSLegacyForm: ali-oss's putBucketLifecycle({days})
// sends the rule-level Days of OSS's first lifecycle form beside the
// Expiration it derives from it (recorded from ali-oss 6.23.0). It must
// parse as that one expiration, never be refused as an unknown element.
func TestParseLifecycleAliOSSLegacyForm(t *testing.T) {
	body := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration><Rule><Prefix>tmp/</Prefix><Status>Enabled</Status><Days>7</Days><Expiration><Days>7</Days></Expiration><ID>tmp</ID></Rule><Rule><Prefix>up/</Prefix><Status>Enabled</Status><AbortMultipartUpload><Days>2</Days></AbortMultipartUpload><ID>mp</ID></Rule></LifecycleConfiguration>`)
	doc, err := ParseLifecycle(body)
	if err != nil {
		t.Fatalf("ParseLifecycle of ali-oss's document: %v", err)
	}
	if len(doc.Rules) != 2 {
		t.Fatalf("%d rules, want 2", len(doc.Rules))
	}
	r := doc.Rules[0]
	if r.ID != "tmp" || r.Expiration == nil || r.Expiration.Days != "7" || r.LegacyDays != "" {
		t.Fatalf("rule 0 = %+v (expiration %+v), want ID tmp expiring after 7 days and no legacy field left", r, r.Expiration)
	}
	if doc.Rules[1].AbortMultipartUpload == nil || doc.Rules[1].AbortMultipartUpload.Days != "2" || doc.Rules[1].Expiration != nil {
		t.Fatalf("rule 1 = %+v, want an upload abort after 2 days only", doc.Rules[1])
	}

	// The old form alone (no Expiration): Days and Date become the
	// expiration, as ali-oss derives it.
	doc, err = ParseLifecycle([]byte(`<LifecycleConfiguration><Rule><ID>a</ID><Prefix>a/</Prefix><Status>Enabled</Status><Days>3</Days></Rule>` +
		`<Rule><ID>b</ID><Prefix>b/</Prefix><Status>Enabled</Status><Date>2026-01-02T00:00:00.000Z</Date></Rule></LifecycleConfiguration>`))
	if err != nil {
		t.Fatalf("ParseLifecycle of the old form: %v", err)
	}
	if e := doc.Rules[0].Expiration; e == nil || e.Days != "3" {
		t.Fatalf("old-form Days: expiration %+v, want Days 3", e)
	}
	if e := doc.Rules[1].Expiration; e == nil || e.CreatedBeforeDate != "2026-01-02T00:00:00.000Z" {
		t.Fatalf("old-form Date: expiration %+v, want CreatedBeforeDate", e)
	}

	// Elements of features kossd lacks are still refused.
	if _, err := ParseLifecycle([]byte(`<LifecycleConfiguration><Rule><ID>c</ID><Prefix>c/</Prefix><Status>Enabled</Status><Transition><Days>3</Days><StorageClass>IA</StorageClass></Transition></Rule></LifecycleConfiguration>`)); err == nil {
		t.Fatal("a Transition was accepted")
	}
}
