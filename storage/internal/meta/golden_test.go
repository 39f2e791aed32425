package meta

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// The snapshot stream is stored by raft and sent to followers of other
// versions, so its bytes are a format (record's golden tests pin the
// records inside it): update these values only together with a new
// snapshot or record version.

// goldenSnapshot is the whole snapshot of a small state; goldenSnapshotSum
// the SHA-256 of the snapshot of randomLog(7, 600), which touches every
// command and section.
const (
	goldenSnapshot    = "4b4f53534d4554410100000000000000060101620801020000016f041800020362006b270104032245220048a5cabc1138a9fe0104000000000000000000010002686948a5cabc1138a9fe036200702b0114032242220000000000000000070100000000000000000000010105626c6f623114000000000000000700030269640c010173010162047265616406000405626c6f6231010105626c6f62320101000505626c6f6231110114000000000000000702026e31026e3205626c6f62320e0104000000000000000501026e3100060662006d0075310c010800000000000000000000000707753100000000021e01040101000000000000000500010105626c6f623204000000000000000500ff19d606e3"
	goldenSnapshotSum = "65421632020a73b148882ca9cc2e948ea45449df4ab4b435819474f5b1a265d6"
)

func TestSnapshotEncodingIsPinned(t *testing.T) {
	h := newHarness(t)
	h.ok(&record.CreateBucket{Name: "b", Created: 1, Owner: "o"})
	h.ok(&record.PutObject{Bucket: "b", Key: "k", Object: inlineObject("hi", 2)})
	h.ok(&record.PutObject{Bucket: "b", Key: "p", Object: placedObject("blob1", 10, "n1", "n2")})
	h.ok(&record.CreateKey{ID: "id", Secret: "s", Grants: map[string]string{"b": "read"}, Created: 3})
	h.ok(&record.CreateUpload{Upload: record.Upload{Bucket: "b", Key: "m", ID: "u1", Initiated: 4}})
	h.ok(&record.PutPart{Bucket: "b", Key: "m", UploadID: "u1", Part: record.Part{Number: 2, Size: 2, MD5: []byte{1}, CRC64: 5,
		Segment: &record.Segment{Blob: "blob2", Size: 2, CRC64: 5, Replicas: []string{"n1"}}}})
	if got := hex.EncodeToString(snapshotBytes(t, h.f)); got != goldenSnapshot {
		t.Errorf("small snapshot changed:\n got %s\nwant %s", got, goldenSnapshot)
	}

	f := newFSM(t)
	f.ApplyBatch(logsFrom(randomLog(7, 600), 1))
	sum := sha256.Sum256(snapshotBytes(t, f))
	if got := hex.EncodeToString(sum[:]); got != goldenSnapshotSum {
		t.Errorf("snapshot of randomLog(7, 600) changed: sha256 %s, want %s", got, goldenSnapshotSum)
	}
}
