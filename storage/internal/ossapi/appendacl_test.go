package ossapi

import (
	"bytes"
	"testing"
)

// TestAppendObjectACL is the v1 SDK's TestAppendObject sequence: the
// first append sets public-read-write and user metadata, a later one
// sends public-read and other metadata. The ACL must become public-read
// (OSS applies x-oss-object-acl on every append) while the user metadata
// stays the first append's; an append without the header keeps the ACL,
// and anonymous reads follow it.
func TestAppendObjectACL(t *testing.T) {
	e := newStoreEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	wantACL := func(want string) {
		t.Helper()
		if r := e.root("GET", "/bkt/log?acl", nil); !bytes.Contains(r.body, []byte("<Grant>"+want+"</Grant>")) {
			t.Fatalf("GetObjectAcl: %s, want %s", r.body, want)
		}
	}
	wantStatus(t, e.root("POST", "/bkt/log?append&position=0", []byte("abc"),
		"x-oss-object-acl", "public-read-write", "x-oss-meta-my", "myprop"), 200)
	wantACL("public-read-write")
	wantStatus(t, e.root("POST", "/bkt/log?append&position=3", []byte("def"),
		"x-oss-object-acl", "public-read", "x-oss-meta-my", "myproptwo", "x-oss-meta-mine", "mypropmine"), 200)
	wantACL("public-read")
	r := e.root("HEAD", "/bkt/log", nil)
	if got := r.header.Get("X-Oss-Meta-My"); got != "myprop" || r.header.Get("X-Oss-Meta-Mine") != "" {
		t.Fatalf("a later append changed the user metadata: my=%q mine=%q", got, r.header.Get("X-Oss-Meta-Mine"))
	}
	wantStatus(t, e.do(req{method: "GET", path: "/bkt/log"}), 200)

	wantStatus(t, e.root("POST", "/bkt/log?append&position=6", []byte("g")), 200)
	wantACL("public-read")
	wantStatus(t, e.root("POST", "/bkt/log?append&position=7", []byte("h"), "x-oss-object-acl", "private"), 200)
	wantACL("private")
	wantErr(t, e.do(req{method: "GET", path: "/bkt/log"}), 403, "AccessDenied")
	wantStatus(t, e.root("POST", "/bkt/log?append&position=8", []byte("i"), "x-oss-object-acl", "default"), 200)
	wantACL("default")
	wantErr(t, e.root("POST", "/bkt/log?append&position=9", []byte("j"), "x-oss-object-acl", "bogus"), 400, "InvalidArgument")
	wantACL("default")
	if r := e.root("GET", "/bkt/log", nil); string(r.body) != "abcdefghi" {
		t.Fatalf("content %q", r.body)
	}
}
