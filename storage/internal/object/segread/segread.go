package segread

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/koss-io/koss/storage/internal/meta/record"
)

// Part is the piece [Off, Off+N) of one segment that a read covers.
type Part struct {
	Seg    record.Segment
	Off, N int64
}

// Slice returns the parts of segs covering [start, start+length).
func Slice(segs []record.Segment, start, length int64) []Part {
	if length <= 0 {
		return nil
	}
	var out []Part
	pos := int64(0)
	end := start + length
	for _, sg := range segs {
		segEnd := pos + sg.Size
		if segEnd > start && pos < end && sg.Size > 0 {
			off := max(start, pos) - pos
			out = append(out, Part{Seg: sg, Off: off, N: min(end, segEnd) - pos - off})
		}
		pos = segEnd
		if pos >= end {
			break
		}
	}
	return out
}

// Blobs returns the blob ids of parts' segments that are not inline, in
// order.
func Blobs(parts []Part) []string {
	var ids []string
	for _, p := range parts {
		if !p.Seg.Inline() {
			ids = append(ids, p.Seg.Blob)
		}
	}
	return ids
}

// Data opens the bytes of a blob segment: n bytes at off, verified
// (replica.Set.Open).
type Data interface {
	Open(ctx context.Context, seg record.Segment, off, n int64) (io.ReadCloser, error)
}

// Config is what a Reader reads and how it reports.
type Config struct {
	// Data opens the blob segments.
	Data Data
	// ID names the object (bucket/key) in errors.
	ID string
	// Parts are read in order.
	Parts []Part
	// Unpin is called once, by Close.
	Unpin func()
	// Wrap turns a failure of Data into the caller's error; nil keeps it.
	Wrap func(error) error
}

// Reader streams the parts of one read. It is not safe for concurrent
// use; Close releases what it holds and must be called.
type Reader struct {
	cfg  Config
	ctx  context.Context // of the read, for remote reads
	i    int             // index of the part cur reads
	cur  io.Reader
	rc   io.Closer // the data store's reader of the current part
	done bool
}

// NewReader returns a Reader of cfg.Parts, opening blobs with ctx. It
// opens nothing yet: Open opens the first part.
func NewReader(ctx context.Context, cfg Config) *Reader {
	return &Reader{cfg: cfg, ctx: ctx}
}

// Open opens the first part now, so that a missing or damaged blob is an
// error of the read's start rather than of its first Read.
func (r *Reader) Open() error { return r.next() }

// next makes cur read the part at r.i.
func (r *Reader) next() error {
	r.closeCur()
	r.cur = nil
	if r.i >= len(r.cfg.Parts) {
		return nil
	}
	p := r.cfg.Parts[r.i]
	if p.Seg.Inline() {
		r.cur = bytes.NewReader(p.Seg.Data[p.Off : p.Off+p.N])
		return nil
	}
	rc, err := r.cfg.Data.Open(r.ctx, p.Seg, p.Off, p.N)
	if err != nil {
		return r.failed(err)
	}
	r.rc, r.cur = rc, rc
	return nil
}

// failed names a failure of the data store for this object.
func (r *Reader) failed(err error) error {
	if r.cfg.Wrap != nil {
		err = r.cfg.Wrap(err)
	}
	return fmt.Errorf("%s: %w", r.cfg.ID, err)
}

func (r *Reader) Read(p []byte) (int, error) {
	for {
		if r.done || r.i >= len(r.cfg.Parts) {
			return 0, io.EOF
		}
		if r.cur == nil {
			if err := r.next(); err != nil {
				return 0, err
			}
			continue
		}
		n, err := r.cur.Read(p)
		if err == io.EOF {
			r.i++
			if nerr := r.next(); nerr != nil {
				return n, nerr
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		if err != nil {
			return n, r.failed(err)
		}
		return n, nil
	}
}

// WriteTo writes the rest of the read to w. Inline data goes to w in one
// Write, without the 32 KiB buffer io.Copy would allocate for every read
// (most reads of small objects are inline); blob data is copied from the
// data store's reader, through w's ReadFrom when it has one.
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for !r.done && r.i < len(r.cfg.Parts) {
		if r.cur == nil {
			if err := r.next(); err != nil {
				return total, err
			}
			continue
		}
		var n int64
		var err error
		if br, ok := r.cur.(*bytes.Reader); ok {
			n, err = br.WriteTo(w)
		} else {
			n, err = io.Copy(w, r.cur)
			if err != nil {
				err = r.failed(err)
			}
		}
		total += n
		if err != nil {
			return total, err
		}
		r.i++
		if err := r.next(); err != nil {
			return total, err
		}
	}
	return total, nil
}

// Close releases the open data and the pins.
func (r *Reader) Close() error {
	if r.done {
		return nil
	}
	r.done = true
	r.closeCur()
	r.cfg.Unpin()
	return nil
}

// closeCur releases what the current part reads from.
func (r *Reader) closeCur() {
	if r.rc != nil {
		_ = r.rc.Close()
		r.rc = nil
	}
}
