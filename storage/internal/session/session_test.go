package session

import (
	"errors"
	"testing"
	"time"
)

// FuzzOpenToken: Open never panics and never accepts a token it did not
// seal for that id. Its oracle cannot compare with one (id, token) pair:
// under -fuzz every worker process runs the set-up again and issues a
// session of its own (random id, secret and nonce), while the seeds come
// from another process; those tokens are genuine, sealed with the same root
// secret. What only a genuine token can carry is what the set-up sealed:
// the id it names, parent P, the set-up's times and a secret.
func FuzzOpenToken(f *testing.F) {
	s, err := New("fuzz-root-secret")
	if err != nil {
		f.Fatal(err)
	}
	sess, token, err := s.Issue(Request{ParentID: "P", ParentSecret: "x"}, time.Unix(1700000000, 0))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sess.AccessKeyID, token)
	f.Add(sess.AccessKeyID, token[:len(token)-1])
	f.Add("STS.X", token)
	f.Add("", "KST1.")
	f.Add("STS.", "KST1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, id, tok string) {
		got, err := s.Open(id, tok)
		if err == nil && (got.AccessKeyID != id || got.Parent != "P" || got.Issued != sess.Issued ||
			got.Expires != sess.Expires || len(got.Secret) != len(sess.Secret)) {
			t.Fatalf("Open accepted id %q token %q as %+v", id, tok, got)
		}
		if err == nil && id == sess.AccessKeyID && (tok != token || got.Secret != sess.Secret) {
			t.Fatalf("Open accepted another token %q for this process's id %q", tok, id)
		}
		if err != nil && !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("Open: %v", err)
		}
	})
}
