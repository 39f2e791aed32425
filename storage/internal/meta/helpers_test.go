package meta

import (
	"bytes"
	"hash/crc32"
	"hash/crc64"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

var ecma = crc64.MakeTable(crc64.ECMA)

// crcTable is the snapshot stream's checksum table (package snapstream's).
var crcTable = crc32.MakeTable(crc32.Castagnoli)

// harness applies commands to one FSM with consecutive indexes.
type harness struct {
	t   *testing.T
	f   *FSM
	idx uint64
}

func newFSM(t *testing.T) *FSM {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Path = t.TempDir() + "/meta.db"
	f, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, f: newFSM(t)}
}

func (h *harness) apply(c record.Command) *record.Result {
	h.t.Helper()
	h.idx++
	r, ok := h.f.Apply(&raft.Log{Index: h.idx, Term: 1, Type: raft.LogCommand, Data: record.Encode(c)}).(*record.Result)
	if !ok {
		h.t.Fatalf("Apply returned %T", r)
	}
	return r
}

// ok applies c and fails the test unless it succeeds.
func (h *harness) ok(c record.Command) *record.Result {
	h.t.Helper()
	r := h.apply(c)
	if r.Code != record.CodeOK {
		h.t.Fatalf("%T: code %d (%v)", c, r.Code, r.Err())
	}
	return r
}

func (h *harness) want(c record.Command, code record.Code) *record.Result {
	h.t.Helper()
	r := h.apply(c)
	if r.Code != code {
		h.t.Fatalf("%T: code %d (%v), want %d (%v)", c, r.Code, r.Err(), code, code.Err())
	}
	return r
}

func inlineObject(data string, mtime int64) record.Object {
	d := []byte(data)
	o := record.Object{Size: int64(len(d)), ETag: `"E"`, CRC64: crc64.Checksum(d, ecma), Type: record.TypeNormal, MTime: mtime}
	if len(d) > 0 {
		o.Segments = []record.Segment{{Size: int64(len(d)), CRC64: o.CRC64, Data: d}}
	}
	return o
}

func blobObject(id string, size int64) record.Object {
	return record.Object{Size: size, ETag: `"B"`, CRC64: 7, Type: record.TypeNormal, Segments: []record.Segment{{Blob: id, Size: size, CRC64: 7}}}
}

func snapshotBytes(t *testing.T, f *FSM) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.WriteSnapshot(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// memSink is a raft.SnapshotSink in memory.
type memSink struct {
	bytes.Buffer
	cancelled, closed bool
}

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Cancel() error { s.cancelled = true; return nil }
func (s *memSink) Close() error  { s.closed = true; return nil }

var _ raft.SnapshotSink = (*memSink)(nil)

func ptr[T any](v T) *T { return &v }
