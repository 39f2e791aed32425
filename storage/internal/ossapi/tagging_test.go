package ossapi

import (
	"bytes"
	"strings"
	"testing"

	"github.com/koss-io/koss/storage/internal/object"
)

func taggingDoc(pairs ...string) []byte {
	var b strings.Builder
	b.WriteString("<Tagging><TagSet>")
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteString("<Tag><Key>" + pairs[i] + "</Key><Value>" + pairs[i+1] + "</Value></Tag>")
	}
	b.WriteString("</TagSet></Tagging>")
	return []byte(b.String())
}

// TestObjectTaggingHandlers: x-oss-tagging on PUT and Initiate lands on
// the object and shows as x-oss-tagging-count; CopyObject keeps tags by
// default and takes the request's with Replace; Put/Get/DeleteObjectTagging
// do what OSS does; bad tags are 400 InvalidTag (bad header syntax 400
// InvalidArgument) and change nothing; tagging a missing object is 404
// NoSuchKey; a key with read access cannot write tags.
func TestObjectTaggingHandlers(t *testing.T) {
	e := newStoreEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	wantStatus(t, e.root("PUT", "/bkt/obj", []byte("x"), "x-oss-tagging", "a=1&b%20c=d%2Be&empty"), 200)
	wantTags := func(path string, want string) {
		t.Helper()
		r := e.root("GET", path+"?tagging", nil)
		wantStatus(t, r, 200)
		if !bytes.Contains(r.body, []byte(want)) {
			t.Fatalf("GetObjectTagging %s: %s, want %s", path, r.body, want)
		}
	}
	wantTags("/bkt/obj", "<TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b c</Key><Value>d+e</Value></Tag>"+
		"<Tag><Key>empty</Key><Value></Value></Tag></TagSet>")
	if r := e.root("HEAD", "/bkt/obj", nil); r.header.Get("X-Oss-Tagging-Count") != "3" {
		t.Fatalf("HEAD x-oss-tagging-count = %q", r.header.Get("X-Oss-Tagging-Count"))
	}
	if r := e.root("GET", "/bkt/obj", nil); r.header.Get("X-Oss-Tagging-Count") != "3" {
		t.Fatalf("GET x-oss-tagging-count = %q", r.header.Get("X-Oss-Tagging-Count"))
	}

	wantStatus(t, e.root("PUT", "/bkt/copy", nil, "x-oss-copy-source", "/bkt/obj"), 200)
	wantTags("/bkt/copy", "<Key>b c</Key>")
	wantStatus(t, e.root("PUT", "/bkt/repl", nil, "x-oss-copy-source", "/bkt/obj",
		"x-oss-tagging-directive", "Replace", "x-oss-tagging", "n=1"), 200)
	wantTags("/bkt/repl", "<TagSet><Tag><Key>n</Key><Value>1</Value></Tag></TagSet>")
	wantErr(t, e.root("PUT", "/bkt/x", nil, "x-oss-copy-source", "/bkt/obj", "x-oss-tagging-directive", "Move"), 400, "InvalidArgument")

	wantStatus(t, e.root("PUT", "/bkt/obj?tagging", taggingDoc("k", "v")), 200)
	wantTags("/bkt/obj", "<TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet>")
	wantStatus(t, e.root("DELETE", "/bkt/copy?tagging", nil), 204)
	wantTags("/bkt/copy", "<TagSet></TagSet>")
	if r := e.root("HEAD", "/bkt/copy", nil); r.header.Get("X-Oss-Tagging-Count") != "" {
		t.Fatalf("an untagged object has x-oss-tagging-count %q", r.header.Get("X-Oss-Tagging-Count"))
	}

	// Bad input changes nothing.
	var eleven []string
	for i := range 11 {
		eleven = append(eleven, "k"+strings.Repeat("x", i), "v")
	}
	for name, doc := range map[string][]byte{
		"11 tags":        taggingDoc(eleven...),
		"duplicate key":  taggingDoc("k", "1", "k", "2"),
		"129-char key":   taggingDoc(strings.Repeat("k", 129), "v"),
		"257-char value": taggingDoc("k", strings.Repeat("v", 257)),
		"ampersand":      taggingDoc("a&amp;b", "v"),
	} {
		if r := e.root("PUT", "/bkt/obj?tagging", doc); r.status != 400 || parseErr(t, r.body).Code != "InvalidTag" {
			t.Errorf("%s: status %d %s, want 400 InvalidTag", name, r.status, r.body)
		}
	}
	wantErr(t, e.root("PUT", "/bkt/obj?tagging", []byte("<Tagging><TagSet>")), 400, "MalformedXML")
	wantTags("/bkt/obj", "<TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet>")
	wantErr(t, e.root("PUT", "/bkt/new", []byte("x"), "x-oss-tagging", "aa=bb=cc"), 400, "InvalidArgument")
	wantErr(t, e.root("PUT", "/bkt/new", []byte("x"), "x-oss-tagging", "k=1&k=2"), 400, "InvalidTag")
	wantErr(t, e.root("GET", "/bkt/new", nil), 404, "NoSuchKey")
	wantErr(t, e.root("PUT", "/bkt/missing?tagging", taggingDoc("k", "v")), 404, "NoSuchKey")
	wantErr(t, e.root("GET", "/bkt/missing?tagging", nil), 404, "NoSuchKey")
	wantErr(t, e.root("DELETE", "/bkt/missing?tagging", nil), 404, "NoSuchKey")
	wantErr(t, e.root("GET", "/bkt/missing", nil), 404, "NoSuchKey")

	// Multipart: the tags given at initiation land on the completed object.
	r := e.root("POST", "/bkt/mp?uploads", nil, "x-oss-tagging", "mp=yes")
	wantStatus(t, r, 200)
	id := between(string(r.body), "<UploadId>", "</UploadId>")
	wantStatus(t, e.root("POST", "/bkt/mp?uploadId="+id, []byte("<CompleteMultipartUpload></CompleteMultipartUpload>")), 200)
	wantTags("/bkt/mp", "<Key>mp</Key><Value>yes</Value>")
	// Append: the first append's tags.
	wantStatus(t, e.root("POST", "/bkt/log?append&position=0", []byte("a"), "x-oss-tagging", "log=1"), 200)
	wantTags("/bkt/log", "<Key>log</Key><Value>1</Value>")

	// Writing tags needs write access; reading them read access.
	if _, err := e.layer.CreateKey(t.Context(), object.AccessKey{ID: "reader", Secret: "s",
		Grants: map[string]object.Access{"bkt": object.AccessRead}}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.do(req{method: "GET", path: "/bkt/obj?tagging", key: "reader"}), 200)
	wantErr(t, e.do(req{method: "PUT", path: "/bkt/obj?tagging", key: "reader", body: taggingDoc("w", "1")}), 403, "AccessDenied")
	wantErr(t, e.do(req{method: "DELETE", path: "/bkt/obj?tagging", key: "reader"}), 403, "AccessDenied")
	wantErr(t, e.do(req{method: "GET", path: "/bkt/obj?tagging"}), 403, "AccessDenied")
	wantTags("/bkt/obj", "<TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet>")
}

// TestBucketTaggingHandlers: PUT/GET/DELETE /<bucket>?tagging store, show
// and remove a bucket's tags; only root may write them; more than 20
// tags, a reserved key prefix or a duplicate key is 400 InvalidTag and
// changes nothing.
func TestBucketTaggingHandlers(t *testing.T) {
	e := newStoreEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	if r := e.root("GET", "/bkt/?tagging", nil); !bytes.Contains(r.body, []byte("<Tagging><TagSet></TagSet></Tagging>")) {
		t.Fatalf("GetBucketTags of an untagged bucket: %s", r.body)
	}
	wantStatus(t, e.root("PUT", "/bkt/?tagging", taggingDoc("team", "storage", "env", "prod")), 200)
	want := "<TagSet><Tag><Key>env</Key><Value>prod</Value></Tag><Tag><Key>team</Key><Value>storage</Value></Tag></TagSet>"
	if r := e.root("GET", "/bkt/?tagging", nil); !bytes.Contains(r.body, []byte(want)) {
		t.Fatalf("GetBucketTags: %s", r.body)
	}
	var many []string
	for i := range 21 {
		many = append(many, "k"+strings.Repeat("x", i), "v")
	}
	for _, doc := range [][]byte{taggingDoc(many...), taggingDoc("Aliyunx", "v"), taggingDoc("a", "1", "a", "2")} {
		wantErr(t, e.root("PUT", "/bkt/?tagging", doc), 400, "InvalidTag")
	}
	if _, err := e.layer.CreateKey(t.Context(), object.AccessKey{ID: "writer", Secret: "s",
		Grants: map[string]object.Access{"bkt": object.AccessReadWrite}}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.do(req{method: "PUT", path: "/bkt/?tagging", key: "writer", body: taggingDoc("w", "1")}), 403, "AccessDenied")
	wantErr(t, e.do(req{method: "DELETE", path: "/bkt/?tagging", key: "writer"}), 403, "AccessDenied")
	if r := e.root("GET", "/bkt/?tagging", nil); !bytes.Contains(r.body, []byte(want)) {
		t.Fatalf("a refused change changed the tags: %s", r.body)
	}
	wantStatus(t, e.root("DELETE", "/bkt/?tagging", nil), 204)
	if r := e.root("GET", "/bkt/?tagging", nil); !bytes.Contains(r.body, []byte("<TagSet></TagSet>")) {
		t.Fatalf("GetBucketTags after delete: %s", r.body)
	}
	wantErr(t, e.root("PUT", "/missing/?tagging", taggingDoc("k", "v")), 404, "NoSuchBucket")
}

// TestSymlinkHandlers: PutSymlink stores a link that GET and HEAD follow
// (x-oss-object-type: Symlink, the target's bytes); GetSymlink answers
// the target; a missing target is 404 NoSuchKey; a link to a link is not
// followed; GetSymlink of a plain object is 400 NotSymlink; an empty
// target is 400 and stores nothing; DELETE removes the link only.
func TestSymlinkHandlers(t *testing.T) {
	e := newStoreEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	wantStatus(t, e.root("PUT", "/bkt/link?symlink", nil, "x-oss-symlink-target", "dir%2Ftarget", "x-oss-meta-m", "1"), 200)
	wantErr(t, e.root("GET", "/bkt/link", nil), 404, "NoSuchKey")
	wantStatus(t, e.root("HEAD", "/bkt/link", nil), 404)
	wantStatus(t, e.root("PUT", "/bkt/dir/target", []byte("target")), 200)
	r := e.root("GET", "/bkt/link", nil)
	if r.status != 200 || string(r.body) != "target" || r.header.Get("X-Oss-Object-Type") != "Symlink" {
		t.Fatalf("GET through the link: %d %q type %q", r.status, r.body, r.header.Get("X-Oss-Object-Type"))
	}
	r = e.root("HEAD", "/bkt/link", nil)
	if r.status != 200 || r.header.Get("Content-Length") != "6" || r.header.Get("X-Oss-Object-Type") != "Symlink" {
		t.Fatalf("HEAD through the link: %d %v", r.status, r.header)
	}
	r = e.root("GET", "/bkt/link?symlink", nil)
	if r.status != 200 || r.header.Get("X-Oss-Symlink-Target") != "dir/target" || r.header.Get("X-Oss-Meta-M") != "1" || r.header.Get("Etag") == "" {
		t.Fatalf("GetSymlink: %d %v", r.status, r.header)
	}
	wantErr(t, e.root("GET", "/bkt/dir/target?symlink", nil), 400, "NotSymlink")
	if r := e.root("GET", "/bkt/?prefix=link", nil); !bytes.Contains(r.body, []byte("<Type>Symlink</Type>")) {
		t.Fatalf("ListObjects: %s", r.body)
	}
	wantStatus(t, e.root("PUT", "/bkt/link2?symlink", nil, "x-oss-symlink-target", "link"), 200)
	wantErr(t, e.root("GET", "/bkt/link2", nil), 404, "NoSuchKey")
	wantErr(t, e.root("PUT", "/bkt/bad?symlink", nil), 400, "InvalidArgument")
	wantErr(t, e.root("GET", "/bkt/bad", nil), 404, "NoSuchKey")
	wantStatus(t, e.root("DELETE", "/bkt/link", nil), 204)
	wantErr(t, e.root("GET", "/bkt/link?symlink", nil), 404, "NoSuchKey")
	wantStatus(t, e.root("HEAD", "/bkt/dir/target", nil), 200)
}

func between(s, a, b string) string {
	_, s, _ = strings.Cut(s, a)
	s, _, _ = strings.Cut(s, b)
	return s
}

// TestSymlinkReadNeedsTargetAccess: a read through a link is allowed only
// where the target may be read too; a public-read link must never expose
// a private target to anonymous callers.
func TestSymlinkReadNeedsTargetAccess(t *testing.T) {
	e := newStoreEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	wantStatus(t, e.root("PUT", "/bkt/secret", []byte("secret")), 200)
	wantStatus(t, e.root("PUT", "/bkt/link?symlink", nil, "x-oss-symlink-target", "secret", "x-oss-object-acl", "public-read"), 200)
	anon := func(method string) resp { return e.do(req{method: method, path: "/bkt/link"}) }
	if r := anon("GET"); r.status != 403 || bytes.Contains(r.body, []byte("secret")) {
		t.Fatalf("anonymous GET through a public link to a private object: %d %q", r.status, r.body)
	}
	wantStatus(t, anon("HEAD"), 403)
	wantErr(t, e.do(req{method: "HEAD", path: "/bkt/link?objectMeta"}), 403, "AccessDenied")
	wantStatus(t, e.root("PUT", "/bkt/secret?acl", nil, "x-oss-object-acl", "public-read"), 200)
	if r := anon("GET"); r.status != 200 || string(r.body) != "secret" {
		t.Fatalf("anonymous GET once both are public: %d %q", r.status, r.body)
	}
}
