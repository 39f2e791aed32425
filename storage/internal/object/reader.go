package object

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/koss-io/koss/storage/internal/crc64ecma"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

// GetObject implements Layer.
//
// The blobs of the range are pinned before the reader is returned, and the
// record is checked to still refer to them after pinning: from then on the
// collector and the sweeper leave them alone, so a concurrent delete or
// overwrite cannot pull a blob from under a reader. (If the record changed
// in between, the lookup starts over, with sel judging the newer record.)
func (s *Store) GetObject(ctx context.Context, bucket, key string, sel Selector) (ObjectInfo, io.ReadCloser, error) {
	return s.getObject(ctx, bucket, key, sel, false)
}

// GetObjectFollow implements Layer.
func (s *Store) GetObjectFollow(ctx context.Context, bucket, key string, sel Selector) (ObjectInfo, io.ReadCloser, error) {
	return s.getObject(ctx, bucket, key, sel, true)
}

// getObject is GetObject, following a symlink when follow is set.
func (s *Store) getObject(ctx context.Context, bucket, key string, sel Selector, follow bool) (ObjectInfo, io.ReadCloser, error) {
	if err := ValidBucketName(bucket); err != nil {
		return ObjectInfo{}, nil, err
	}
	if err := ValidObjectKey(key); err != nil {
		return ObjectInfo{}, nil, err
	}
	if err := s.barrier(ctx); err != nil {
		return ObjectInfo{}, nil, err
	}
	for attempt := 0; ; attempt++ {
		// With follow a symlink is read as its target (symlink.go);
		// without, as the content-less record it is.
		o, err := s.read(bucket, key, follow)
		if err != nil {
			return ObjectInfo{}, nil, err
		}
		info := toObjectInfo(&o)
		start, length := int64(0), o.Size
		if sel != nil {
			rng, err := sel(info)
			if err != nil {
				return ObjectInfo{}, nil, err
			}
			if rng != nil {
				if rng.Start < 0 || rng.Length < 0 || rng.Start > o.Size || rng.Length > o.Size-rng.Start {
					return ObjectInfo{}, nil, fmt.Errorf("%w: range %d+%d of a %d-byte object", ErrInvalidArgument, rng.Start, rng.Length, o.Size)
				}
				start, length = rng.Start, rng.Length
			}
		}
		parts := slice(o.Segments, start, length)
		var ids []string
		for _, p := range parts {
			if !p.seg.Inline() {
				ids = append(ids, p.seg.Blob)
			}
		}
		unpin := s.data.Pin(ids)
		stillUsed, err := s.referenced(ids)
		if err != nil {
			unpin()
			return ObjectInfo{}, nil, toLayerErr(err)
		}
		if !stillUsed {
			unpin()
			if attempt < 5 {
				continue
			}
			return ObjectInfo{}, nil, fmt.Errorf("%w: object keeps changing under the read", ErrUnavailable)
		}
		r := &objectReader{s: s, ctx: ctx, parts: parts, unpin: unpin, id: bucket + "/" + key}
		if err := r.verifyInline(); err != nil {
			_ = r.Close()
			return ObjectInfo{}, nil, err
		}
		// Open the first blob now so that a missing or damaged blob is an
		// error of GetObject, before the caller commits to a response.
		if err := r.next(); err != nil {
			_ = r.Close()
			return ObjectInfo{}, nil, err
		}
		return info, r, nil
	}
}

// referenced reports whether every blob in ids is still referenced.
func (s *Store) referenced(ids []string) (bool, error) {
	if len(ids) == 0 {
		return true, nil
	}
	counts, err := s.meta.RefCounts(ids)
	if err != nil {
		return false, err
	}
	for _, n := range counts {
		if n == 0 {
			return false, nil
		}
	}
	return true, nil
}

// part is the piece [off, off+n) of one segment that a read covers.
type part struct {
	seg    record.Segment
	off, n int64
}

// slice returns the parts of segs covering [start, start+length).
func slice(segs []record.Segment, start, length int64) []part {
	if length <= 0 {
		return nil
	}
	var out []part
	pos := int64(0)
	end := start + length
	for _, sg := range segs {
		segEnd := pos + sg.Size
		if segEnd > start && pos < end && sg.Size > 0 {
			off := max(start, pos) - pos
			out = append(out, part{seg: sg, off: off, n: min(end, segEnd) - pos - off})
		}
		pos = segEnd
		if pos >= end {
			break
		}
	}
	return out
}

// objectReader streams the parts of one read, verifying as it goes.
type objectReader struct {
	s     *Store
	ctx   context.Context // of the GetObject call, for remote reads
	id    string          // bucket/key, for errors
	parts []part
	i     int // index of the part cur reads
	cur   io.Reader
	rc    io.Closer // the data store's reader of the current part
	unpin func()
	done  bool
}

// verifyInline checks the CRC-64 of every inline segment of the read.
func (r *objectReader) verifyInline() error {
	for _, p := range r.parts {
		if p.seg.Inline() && crc64ecma.Checksum(p.seg.Data) != p.seg.CRC64 {
			return fmt.Errorf("%w: %s: inline data", ErrChecksumMismatch, r.id)
		}
	}
	return nil
}

// next makes cur read the part at r.i.
func (r *objectReader) next() error {
	r.closeCur()
	r.cur = nil
	if r.i >= len(r.parts) {
		return nil
	}
	p := r.parts[r.i]
	if p.seg.Inline() {
		r.cur = bytes.NewReader(p.seg.Data[p.off : p.off+p.n])
		return nil
	}
	rc, err := r.s.data.Open(r.ctx, p.seg, p.off, p.n)
	if err != nil {
		return r.failed(err)
	}
	r.rc, r.cur = rc, rc
	return nil
}

// failed names a failure of the data store for this object.
func (r *objectReader) failed(err error) error {
	return fmt.Errorf("%s: %w", r.id, toLayerErr(err))
}

func (r *objectReader) Read(p []byte) (int, error) {
	for {
		if r.done || r.i >= len(r.parts) {
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
func (r *objectReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for !r.done && r.i < len(r.parts) {
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
func (r *objectReader) Close() error {
	if r.done {
		return nil
	}
	r.done = true
	r.closeCur()
	r.unpin()
	return nil
}

// closeCur releases what the current part reads from.
func (r *objectReader) closeCur() {
	if r.rc != nil {
		_ = r.rc.Close()
		r.rc = nil
	}
}
