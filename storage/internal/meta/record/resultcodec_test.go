package record

import (
	"reflect"
	"testing"
)

func TestResultCodecRoundTrip(t *testing.T) {
	meta := Metadata{ContentType: "text/plain", ACL: "private", User: map[string]string{"a": "1", "b": ""}}
	tests := map[string]any{
		"nil":       nil,
		"ok":        &Result{},
		"rejection": &Result{Code: CodeBucketExists},
		"position":  &Result{Code: CodePositionNotEqual, Length: 1 << 40},
		"object": &Result{Object: &Object{
			Bucket: "b", Key: "k/é", Size: 10, ETag: `"AB"`, MD5: []byte{1, 2}, CRC64: 1 << 63,
			Type: TypeAppendable, MTime: -3, Meta: meta,
			Segments: []Segment{{Blob: "x", Size: 4, CRC64: 7}, {Size: 6, CRC64: 8}},
		}},
		"bucket": &Result{Bucket: &Bucket{Name: "b", Created: 5, ACL: "public-read", StorageClass: "IA", Owner: "o", Objects: 3, Bytes: 9}},
		"key":    &Result{Key: &AccessKey{ID: "id", Secret: "s", Grants: map[string]string{"b": "read"}, Created: 1}},
	}
	var c ResultCodec
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := c.EncodeResult(in)
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.DecodeResult(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(in, out) {
				t.Fatalf("round trip:\n in  %#v\n out %#v", in, out)
			}
		})
	}
}

func TestResultCodecRejectsGarbage(t *testing.T) {
	var c ResultCodec
	good, _ := c.EncodeResult(&Result{Bucket: &Bucket{Name: "b"}})
	for name, b := range map[string][]byte{
		"empty":     nil,
		"version":   {9, 1, 0, 0, 0},
		"truncated": good[:len(good)-1],
		"trailing":  append(append([]byte{}, good...), 0),
	} {
		if _, err := c.DecodeResult(b); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	if _, err := c.EncodeResult("not a result"); err == nil {
		t.Error("encoded a string")
	}
}
