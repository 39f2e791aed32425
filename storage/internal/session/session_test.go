package session

import (
	"errors"
	"testing"
	"time"
)

// FuzzOpenToken: Open never panics and never accepts a token it did not
// seal for that id.
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
		if err == nil && (id != sess.AccessKeyID || tok != token || got.Secret != sess.Secret) {
			t.Fatalf("Open accepted id %q token %q", id, tok)
		}
		if err != nil && !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("Open: %v", err)
		}
	})
}
