package record

import (
	"strings"
	"testing"
)

// TestTagsVersionRejectsRelabelled checks that the tag fields exist only
// in the versions that carry them: a payload or record of an older
// version relabelled as the new one lacks bytes and must not decode (a
// replica would otherwise read zero tags where another read the bytes
// differently), a symlink type byte outside them is refused, and a record
// kind without tags (parts) has no version 4.
func TestTagsVersionRejectsRelabelled(t *testing.T) {
	if _, err := Decode(asVersion(6, &AppendObject{Bucket: "b", Key: "k", SetACL: true})); err == nil {
		t.Error("a version-5 AppendObject relabelled 6 decoded")
	}
	if _, err := Decode(asVersion(6, &CopyObject{SrcBucket: "s", SrcKey: "k", DstBucket: "d", DstKey: "k"})); err == nil {
		t.Error("a version-1 CopyObject relabelled 6 decoded")
	}
	if _, err := Decode(asVersion(5, &SetObjectTagging{Bucket: "b", Key: "k"})); err == nil {
		t.Error("SetObjectTagging labelled version 5 decoded")
	}
	sym := EncodeObject(&Object{Type: TypeSymlink, SymlinkTarget: "t"})
	sym[0] = recordVersionSums
	if _, err := DecodeObject("b", "k", sym); err == nil {
		t.Error("a symlink object record of version 3 decoded")
	}
	part := EncodePart(&Part{Number: 1})
	part[0] = recordVersionTags
	if _, err := DecodePart(1, part); err == nil {
		t.Error("a part record of version 4 decoded")
	}
	b := EncodeBucket(&Bucket{Created: 1})
	b[0] = bucketVersionTags
	b = append(b, 0) // an empty tag map
	if _, err := DecodeBucket("b", b); err == nil {
		t.Error("a bucket record of version 2 without tags decoded")
	}
}

// TestOldRecordsHaveNoTags checks that every pinned record of the older
// versions decodes without tags or symlink target.
func TestOldRecordsHaveNoTags(t *testing.T) {
	for name, v := range goldenValues() {
		if strings.Contains(name, "tags") || strings.Contains(name, "symlink") {
			continue
		}
		switch kind, _, _ := strings.Cut(name, " "); kind {
		case "object":
			o, err := DecodeObject("b", "k", v)
			if err != nil || o.Tags != nil || o.SymlinkTarget != "" || o.Type == TypeSymlink {
				t.Errorf("%s: tags %v, target %q, type %s, %v", name, o.Tags, o.SymlinkTarget, o.Type, err)
			}
		case "bucket":
			b, err := DecodeBucket("b", v)
			if err != nil || b.Tags != nil {
				t.Errorf("%s: tags %v, %v", name, b.Tags, err)
			}
		}
	}
}
