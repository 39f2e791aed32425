package meta

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

// randomLog returns n commands over a few buckets and keys, including many
// that the state machine rejects, so both paths are covered.
func randomLog(seed uint64, n int) [][]byte {
	r := rand.New(rand.NewPCG(seed, 99))
	buckets := []string{"b0", "b1", "b2"}
	keys := []string{"k0", "k1", "k2", "dir/k3", "dir/k4"}
	blob := 0
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	var out [][]byte
	for i := range n {
		var c record.Command
		nodes := []string{"n1", "n2", "n3", "n4"}
		replicas := func() []string {
			if r.IntN(3) == 0 {
				return nil // written without placement
			}
			p := r.Perm(len(nodes))[:1+r.IntN(3)]
			out := make([]string, len(p))
			for i, j := range p {
				out[i] = nodes[j]
			}
			return out
		}
		uploads := []string{"u1", "u2", "u3"}
		switch r.IntN(13) {
		case 0:
			c = &record.CreateBucket{Name: pick(buckets), Created: int64(i), Owner: pick([]string{"", "x"})}
		case 1:
			c = &record.DeleteBucket{Name: pick(buckets)}
		case 2, 3:
			o := inlineObject(fmt.Sprint("data", i), int64(i))
			if r.IntN(2) == 0 {
				blob++
				o = blobObject(fmt.Sprintf("blob%04d", blob), int64(r.IntN(1000)))
				o.Segments[0].Replicas = replicas()
			}
			c = &record.PutObject{Bucket: pick(buckets), Key: pick(keys), Object: o, ForbidOverwrite: r.IntN(4) == 0}
		case 4, 5:
			s := seg(fmt.Sprint("app", i))
			if r.IntN(2) == 0 {
				blob++
				s = record.Segment{Blob: fmt.Sprintf("blob%04d", blob), Size: int64(1 + r.IntN(100)), CRC64: uint64(i), Replicas: replicas()}
			}
			c = &record.AppendObject{Bucket: pick(buckets), Key: pick(keys), Position: int64(r.IntN(3) * 7), Segment: s, MTime: int64(i)}
		case 6:
			c = &record.CopyObject{SrcBucket: pick(buckets), SrcKey: pick(keys), DstBucket: pick(buckets), DstKey: pick(keys),
				ReplaceMeta: r.IntN(2) == 0, Meta: record.Metadata{ContentType: fmt.Sprint(i)}, MTime: int64(i)}
		case 7:
			c = &record.DeleteObject{Bucket: pick(buckets), Key: pick(keys)}
		case 8:
			c = &record.DeleteObjects{Bucket: pick(buckets), Keys: []string{pick(keys), pick(keys)}}
		case 9:
			switch r.IntN(3) {
			case 0:
				c = &record.CreateKey{ID: pick(keys), Secret: pick([]string{"s1", "s2"}), Grants: map[string]string{pick(buckets): "read"}, Created: int64(i)}
			case 1:
				c = &record.SetGrants{ID: pick(keys), Grants: map[string]string{pick(buckets): "write"}}
			default:
				c = &record.DeleteKey{ID: pick(keys)}
			}
		case 10:
			to := replicas()
			if to == nil {
				to = []string{"n1"}
			}
			c = &record.UpdateReplicas{Blob: fmt.Sprintf("blob%04d", 1+r.IntN(blob+1)), Expect: replicas(), Replicas: to}
		case 11:
			c = &record.CreateUpload{Upload: record.Upload{Bucket: pick(buckets), Key: pick(keys), ID: pick(uploads), Initiated: int64(i)}}
		case 12:
			b, k, id := pick(buckets), pick(keys), pick(uploads)
			switch r.IntN(5) {
			case 0, 1:
				blob++
				s := record.Segment{Blob: fmt.Sprintf("blob%04d", blob), Size: int64(1 + r.IntN(100)), CRC64: uint64(i), Replicas: replicas()}
				c = &record.PutPart{Bucket: b, Key: k, UploadID: id, Part: record.Part{Number: 1 + r.IntN(3), Size: s.Size, MD5: []byte{byte(i)}, CRC64: s.CRC64, Segment: &s}}
			case 2:
				c = &record.CompleteUpload{Bucket: b, Key: k, UploadID: id, All: true, MTime: int64(i)}
			case 3:
				c = &record.AbortUpload{Bucket: b, Key: k, UploadID: id}
			default:
				c = &record.AbortStaleUploads{Before: int64(i - 50), Max: 2}
			}
		}
		out = append(out, record.Encode(c))
	}
	return out
}

func logsFrom(cmds [][]byte, first uint64) []*raft.Log {
	logs := make([]*raft.Log, len(cmds))
	for i, c := range cmds {
		logs[i] = &raft.Log{Index: first + uint64(i), Term: 1, Type: raft.LogCommand, Data: c}
	}
	return logs
}

// TestDeterminism applies one log to two state machines, one entry at a time
// and in random batches: results and snapshots must be identical.
func TestDeterminism(t *testing.T) {
	for seed := range uint64(5) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			logs := logsFrom(randomLog(seed, 600), 1)
			a, b := newFSM(t), newFSM(t)
			var ra, rb []interface{}
			for _, l := range logs {
				ra = append(ra, a.Apply(l))
			}
			r := rand.New(rand.NewPCG(seed, 1))
			for i := 0; i < len(logs); {
				n := min(len(logs)-i, 1+r.IntN(40))
				rb = append(rb, b.ApplyBatch(logs[i:i+n])...)
				i += n
			}
			if !reflect.DeepEqual(ra, rb) {
				t.Fatal("results differ between single and batched apply")
			}
			codes := map[record.Code]int{}
			for _, x := range ra {
				codes[x.(*record.Result).Code]++
			}
			if codes[record.CodeOK] < 100 || len(codes) < 5 {
				t.Fatalf("log exercises too little: %v", codes)
			}
			sa, sb := snapshotBytes(t, a), snapshotBytes(t, b)
			if !bytes.Equal(sa, sb) {
				t.Fatal("snapshots differ")
			}
			ga, _ := a.Garbage(1 << 20)
			gb, _ := b.Garbage(1 << 20)
			if !reflect.DeepEqual(ga, gb) {
				t.Fatal("garbage lists differ")
			}
		})
	}
}

func TestSnapshotRestore(t *testing.T) {
	cmds := randomLog(11, 400)
	a := newFSM(t)
	a.ApplyBatch(logsFrom(cmds[:300], 1))

	snap, err := a.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	want := snapshotBytes(t, a)
	// Apply continues while the snapshot is persisted; the snapshot keeps
	// the state of the moment it was taken.
	a.ApplyBatch(logsFrom(cmds[300:350], 301))
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	snap.Release()
	if !sink.closed || sink.cancelled || !bytes.Equal(sink.Bytes(), want) {
		t.Fatalf("persisted snapshot differs from the state at Snapshot() (closed %v cancelled %v)", sink.closed, sink.cancelled)
	}

	// Restore into a state machine with other state.
	c := newFSM(t)
	c.ApplyBatch(logsFrom(randomLog(12, 50), 1))
	if err := c.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	if got := snapshotBytes(t, c); !bytes.Equal(got, want) {
		t.Fatal("restored state differs")
	}
	if c.AppliedIndex() != 300 {
		t.Fatalf("AppliedIndex after restore = %d", c.AppliedIndex())
	}
	if g, _ := c.Garbage(10); len(g) != 0 {
		t.Fatalf("garbage after restore = %v", g)
	}
	// Both continue from 301 and stay identical.
	c.ApplyBatch(logsFrom(cmds[300:], 301))
	a.ApplyBatch(logsFrom(cmds[350:], 351))
	if !bytes.Equal(snapshotBytes(t, a), snapshotBytes(t, c)) {
		t.Fatal("state machines diverge after restore")
	}
	if a.AppliedIndex() != 400 || c.AppliedIndex() != 400 {
		t.Fatalf("applied %d %d", a.AppliedIndex(), c.AppliedIndex())
	}
}

func TestRestoreRejectsDamagedSnapshots(t *testing.T) {
	a := newFSM(t)
	a.ApplyBatch(logsFrom(randomLog(3, 200), 1))
	good := snapshotBytes(t, a)

	c := newFSM(t)
	c.ApplyBatch(logsFrom(randomLog(4, 50), 1))
	before := snapshotBytes(t, c)
	damaged := map[string][]byte{
		"empty":          nil,
		"truncated":      good[:len(good)/2],
		"no checksum":    good[:len(good)-4],
		"flipped byte":   flip(good, len(good)/2),
		"bad magic":      flip(good, 0),
		"wrong checksum": flip(good, len(good)-1),
	}
	for name, b := range damaged {
		t.Run(name, func(t *testing.T) {
			err := c.Restore(io.NopCloser(bytes.NewReader(b)))
			if !errors.Is(err, ErrBadSnapshot) {
				t.Fatalf("Restore = %v, want ErrBadSnapshot", err)
			}
			if !bytes.Equal(snapshotBytes(t, c), before) || c.AppliedIndex() != 50 {
				t.Fatal("failed restore changed the state")
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x40
	return out
}
