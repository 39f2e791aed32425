package ossapi

import (
	"bytes"
	"testing"

	"github.com/koss-io/koss/storage/internal/object"
)

// TestPutBucketACL: PUT /<bucket>?acl must change what GetBucketAcl and
// GetBucketInfo report and what anonymous requests may do, from the next
// request on; only root may change it; an invalid or missing x-oss-acl is
// 400 InvalidArgument and changes nothing.
func TestPutBucketACL(t *testing.T) {
	e := newStoreEnv(t, "")
	wantStatus(t, e.root("PUT", "/bkt", nil), 200)
	wantStatus(t, e.root("PUT", "/bkt/obj", []byte("x")), 200)
	wantStatus(t, e.root("PUT", "/bkt/closed", []byte("x"), "x-oss-object-acl", "private"), 200)
	if _, err := e.layer.CreateKey(t.Context(), object.AccessKey{ID: "writer", Secret: "s",
		Grants: map[string]object.Access{"bkt": object.AccessReadWrite}}); err != nil {
		t.Fatal(err)
	}
	anon := func(method, path string, body []byte) resp {
		return e.do(req{method: method, path: path, body: body})
	}
	wantACL := func(acl string) {
		t.Helper()
		if r := e.root("GET", "/bkt/?acl", nil); !bytes.Contains(r.body, []byte("<Grant>"+acl+"</Grant>")) {
			t.Fatalf("GetBucketAcl after setting %s: %s", acl, r.body)
		}
		if r := e.root("GET", "/bkt/?bucketInfo", nil); !bytes.Contains(r.body, []byte("<Grant>"+acl+"</Grant>")) {
			t.Fatalf("GetBucketInfo after setting %s: %s", acl, r.body)
		}
	}
	wantErr(t, anon("GET", "/bkt/obj", nil), 403, "AccessDenied")

	wantStatus(t, e.root("PUT", "/bkt/?acl", nil, "x-oss-acl", "public-read"), 200)
	wantACL("public-read")
	wantStatus(t, anon("GET", "/bkt/obj", nil), 200)
	wantStatus(t, anon("HEAD", "/bkt/obj", nil), 200)
	wantErr(t, anon("PUT", "/bkt/obj", []byte("y")), 403, "AccessDenied")
	// An object's own private ACL wins over the bucket's.
	wantErr(t, anon("GET", "/bkt/closed", nil), 403, "AccessDenied")

	wantStatus(t, e.root("PUT", "/bkt/?acl", nil, "x-oss-acl", "public-read-write"), 200)
	wantACL("public-read-write")
	wantStatus(t, anon("PUT", "/bkt/anon", []byte("y")), 200)
	wantStatus(t, anon("DELETE", "/bkt/anon", nil), 204)

	wantStatus(t, e.root("PUT", "/bkt/?acl", nil, "x-oss-acl", "private"), 200)
	wantACL("private")
	wantErr(t, anon("GET", "/bkt/obj", nil), 403, "AccessDenied")
	wantErr(t, anon("PUT", "/bkt/anon", []byte("y")), 403, "AccessDenied")

	// Invalid values and a missing header change nothing.
	for _, bad := range []string{"public", "default", "PRIVATE"} {
		wantErr(t, e.root("PUT", "/bkt/?acl", nil, "x-oss-acl", bad), 400, "InvalidArgument")
	}
	wantErr(t, e.root("PUT", "/bkt/?acl", nil), 400, "InvalidArgument")
	wantACL("private")

	// Only root: not anonymous, not even a key with a read-write grant.
	wantErr(t, anon("PUT", "/bkt/?acl", nil), 403, "AccessDenied")
	wantErr(t, e.do(req{method: "PUT", path: "/bkt/?acl", key: "writer",
		header: map[string]string{"x-oss-acl": "public-read-write"}}), 403, "AccessDenied")
	wantACL("private")

	wantErr(t, e.root("PUT", "/missing/?acl", nil, "x-oss-acl", "private"), 404, "NoSuchBucket")
}
