package meta

import (
	"reflect"
	"testing"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

func TestApplyResultsCrossTheWire(t *testing.T) {
	// Results as Apply makes them survive the codec unchanged.
	h := newHarness(t)
	var c record.ResultCodec
	cmds := []record.Command{
		&record.CreateBucket{Name: "bkt", Created: 1},
		&record.PutObject{Bucket: "bkt", Key: "k", Object: record.Object{Size: 3, Type: record.TypeNormal, Segments: []record.Segment{{Size: 3, Data: []byte("abc")}}}},
		&record.CreateKey{ID: "id", Secret: "sec", Grants: map[string]string{"bkt": "read"}},
		&record.CreateBucket{Name: "bkt", Created: 2, Owner: "someone-else"},
	}
	for i, cmd := range cmds {
		res := h.apply(cmd)
		b, err := c.EncodeResult(res)
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.DecodeResult(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(any(res), out) {
			t.Fatalf("command %d: %#v became %#v", i, res, out)
		}
	}
}
