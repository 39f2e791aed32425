package osswire

import "testing"

// TestErrorDocument pins the bytes of an <Error> document: the element
// order SDKs parse, extra elements in order, EC last and only when known.
func TestErrorDocument(t *testing.T) {
	e := ErrNoSuchKey.With("Key", "a<b")
	got := string(e.Document("RID", "oss.test:9000"))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>` +
		`<RequestId>RID</RequestId><HostId>oss.test:9000</HostId><Key>a&lt;b</Key><EC>0026-00000001</EC></Error>`
	if got != want {
		t.Errorf("document\n got %s\nwant %s", got, want)
	}
	got = string(ErrInvalidArgument.Msgf("The %s is bad.", "x").Document("R", "h"))
	want = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>InvalidArgument</Code><Message>The x is bad.</Message><RequestId>R</RequestId><HostId>h</HostId></Error>`
	if got != want {
		t.Errorf("document without EC\n got %s\nwant %s", got, want)
	}
}

// TestErrorCopies checks that With and Msgf leave the shared values alone.
func TestErrorCopies(t *testing.T) {
	a := ErrNoSuchBucket.With("BucketName", "a")
	b := a.With("Key", "k")
	_ = ErrNoSuchBucket.Msgf("other")
	if len(ErrNoSuchBucket.Extra) != 0 || ErrNoSuchBucket.Message != "The specified bucket does not exist." {
		t.Fatalf("ErrNoSuchBucket changed: %+v", ErrNoSuchBucket)
	}
	if len(a.Extra) != 1 || len(b.Extra) != 2 {
		t.Fatalf("extras %v and %v", a.Extra, b.Extra)
	}
	if got := b.Error(); got != "ossapi: 404 NoSuchBucket: The specified bucket does not exist." {
		t.Fatalf("Error() = %q", got)
	}
}
