package object

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"

	"github.com/koss-io/koss/storage/internal/crc64ecma"
	"github.com/koss-io/koss/storage/internal/meta"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/meta/record/etag"
	"github.com/koss-io/koss/storage/internal/object/internal/layer"
)

// testHookBeforePropose runs after an object's data is durable and before
// its command is proposed. A hook that returns an error makes the write
// return it at once, leaving the blob as a crash at that point would.
var testHookBeforePropose func() error

// written is the data of a write, ready to be referenced by a command.
type written struct {
	seg   *record.Segment // nil for zero bytes
	md5   []byte
	crc64 uint64
	done  func() // ends in-flight protection of the blob
}

// writeData reads exactly size bytes of body and stores them inline (when
// inline) or as a new blob, checking wantMD5. On error nothing is stored.
// A failure of the body itself (the client went away, a signed payload
// that does not match) comes back as ErrBodyRead, whichever layer read it.
func (s *Store) writeData(ctx context.Context, body io.Reader, size int64, inline bool, wantMD5 []byte) (written, error) {
	if wantMD5 != nil && len(wantMD5) != md5.Size {
		return written{}, fmt.Errorf("%w: Content-MD5 is %d bytes, want 16", ErrBadDigest, len(wantMD5))
	}
	body = bodyReader{body}
	if inline {
		if err := s.checkSpace(size); err != nil {
			return written{}, err
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(body, data); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return written{}, fmt.Errorf("%w: got fewer than %d bytes", ErrIncompleteBody, size)
			}
			return written{}, err
		}
		sum := md5.Sum(data)
		if wantMD5 != nil && !bytes.Equal(wantMD5, sum[:]) {
			return written{}, ErrBadDigest
		}
		w := written{md5: sum[:], crc64: crc64ecma.Checksum(data), done: func() {}}
		if size > 0 {
			w.seg = &record.Segment{Size: size, CRC64: w.crc64, Data: data}
		}
		return w, nil
	}
	wr, err := s.data.Write(ctx, body, size, wantMD5)
	if err != nil {
		return written{}, toLayerErr(err)
	}
	return written{seg: &wr.Segment, md5: wr.MD5[:], crc64: wr.Segment.CRC64, done: wr.Release}, nil
}

// bodyReader names the failures of a request body ErrBodyRead, so that
// they stay the client's failures (4xx) however deep below they surface.
type bodyReader struct{ r io.Reader }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, ErrBodyRead) {
		err = fmt.Errorf("%w: %w", ErrBodyRead, err)
	}
	return n, err
}

// commit proposes c, which refers to w's data. When the state machine
// rejects it the new blob is unreferenced and deleted at once; when the
// outcome is unknown the blob is left to the sweeper's grace period.
func (s *Store) commit(ctx context.Context, w written, c record.Command) (*record.Result, error) {
	defer w.done()
	if h := testHookBeforePropose; h != nil {
		if err := h(); err != nil {
			return nil, err
		}
	}
	r, err := s.apply(ctx, c)
	if err != nil {
		return nil, err
	}
	if r.Code != record.CodeOK && w.seg != nil && !w.seg.Inline() {
		s.data.Discard(w.seg.Blob)
	}
	return r, nil
}

// PutObject implements Layer.
func (s *Store) PutObject(ctx context.Context, bucket, key string, body io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	if err := layer.CheckPut(bucket, key, size, opts.Metadata); err != nil {
		return ObjectInfo{}, err
	}
	if err := layer.CheckChecksum(opts.Checksum); err != nil {
		return ObjectInfo{}, err
	}
	if err := layer.CheckObjectTags(opts.Tags); err != nil {
		return ObjectInfo{}, err
	}
	// Fail before reading the body when the write cannot succeed; the state
	// machine checks again when it applies the command, so these checks
	// read locally and take a barrier only to confirm a refusal.
	err := s.precheck(ctx, func() error {
		if _, err := s.meta.GetBucket(bucket); err != nil {
			return toLayerErr(err)
		}
		if opts.ForbidOverwrite {
			if _, err := s.meta.GetObject(bucket, key); err == nil {
				return ErrObjectAlreadyExists
			}
		}
		if opts.IfMatch != "" {
			cur, err := s.meta.GetObject(bucket, key)
			if err != nil {
				return toLayerErr(err)
			}
			if !etag.Same(cur.ETag, opts.IfMatch) {
				return ErrPreconditionFailed
			}
		}
		return nil
	})
	if err != nil {
		return ObjectInfo{}, err
	}
	w, err := s.writeData(ctx, body, size, size <= s.cfg.InlineThreshold, opts.ContentMD5)
	if err != nil {
		return ObjectInfo{}, err
	}
	o := record.Object{
		Size:     size,
		ETag:     md5ETag(w.md5),
		MD5:      w.md5,
		CRC64:    w.crc64,
		Type:     record.TypeNormal,
		MTime:    s.now().UnixNano(),
		Meta:     layer.MetadataToRecord(opts.Metadata),
		Checksum: layer.ChecksumToRecord(opts.Checksum),
		Tags:     layer.TagsOrNil(opts.Tags),
	}
	if w.seg != nil {
		o.Segments = []record.Segment{*w.seg}
	}
	r, err := s.commit(ctx, w, &record.PutObject{Bucket: bucket, Key: key, Object: o,
		ForbidOverwrite: opts.ForbidOverwrite, IfMatch: opts.IfMatch})
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := r.Err(); err != nil {
		return ObjectInfo{}, toLayerErr(err)
	}
	return layer.ObjectInfoFromRecord(r.Object), nil
}

// AppendObject implements Layer. The first InlineThreshold bytes of an
// appendable object ride inline; later appends are blobs.
func (s *Store) AppendObject(ctx context.Context, bucket, key string, position int64, body io.Reader, size int64, opts PutOptions) (ObjectInfo, error) {
	if err := layer.CheckPut(bucket, key, size, opts.Metadata); err != nil {
		return ObjectInfo{}, err
	}
	if position < 0 {
		return ObjectInfo{}, fmt.Errorf("%w: negative position", ErrInvalidArgument)
	}
	if position+size > MaxObjectSize {
		return ObjectInfo{}, fmt.Errorf("%w: %d bytes after the append", ErrEntityTooLarge, position+size)
	}
	if err := layer.CheckObjectTags(opts.Tags); err != nil {
		return ObjectInfo{}, err
	}
	// Early checks, so that a doomed append does not upload its body; the
	// state machine decides when it applies the append.
	err := s.precheck(ctx, func() error {
		cur, err := s.meta.GetObject(bucket, key)
		switch {
		case errors.Is(err, record.ErrObjectNotFound):
			if position != 0 {
				return &PositionError{Length: 0}
			}
		case err != nil:
			return toLayerErr(err)
		case cur.Type != record.TypeAppendable:
			return ErrObjectNotAppendable
		case cur.Size != position:
			return &PositionError{Length: cur.Size}
		}
		return nil
	})
	if err != nil {
		return ObjectInfo{}, err
	}
	w, err := s.writeData(ctx, body, size, position+size <= s.cfg.InlineThreshold, opts.ContentMD5)
	if err != nil {
		return ObjectInfo{}, err
	}
	c := &record.AppendObject{
		Bucket: bucket, Key: key, Position: position,
		MTime: s.now().UnixNano(), Meta: layer.MetadataToRecord(opts.Metadata),
		// An ACL given with an append is the object's from then on, as in
		// OSS; only then does the command need codec version 5.
		SetACL: opts.Metadata.ACL != "",
		// Only an append that creates the object applies them; they ride
		// on the position-0 append alone, so later appends keep their
		// old encoding.
		Tags: layer.TagsOrNil(opts.Tags),
	}
	if position != 0 {
		c.Tags = nil
	}
	if w.seg != nil {
		c.Segment = *w.seg
	}
	r, err := s.commit(ctx, w, c)
	if err != nil {
		return ObjectInfo{}, err
	}
	switch r.Code {
	case record.CodeOK:
		return layer.ObjectInfoFromRecord(r.Object), nil
	case record.CodePositionNotEqual:
		return ObjectInfo{}, &PositionError{Length: r.Length}
	default:
		return ObjectInfo{}, toLayerErr(r.Err())
	}
}

// HeadObject implements Layer.
func (s *Store) HeadObject(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	if err := ValidBucketName(bucket); err != nil {
		return ObjectInfo{}, err
	}
	if err := ValidObjectKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if err := s.barrier(ctx); err != nil {
		return ObjectInfo{}, err
	}
	o, err := s.meta.GetObject(bucket, key)
	if err != nil {
		return ObjectInfo{}, toLayerErr(err)
	}
	return layer.ObjectInfoFromRecord(&o), nil
}

// CopyObject implements Layer. The source condition and ForbidOverwrite are
// checked by the state machine, atomically with the copy.
func (s *Store) CopyObject(ctx context.Context, src, dst ObjectRef, opts CopyOptions) (ObjectInfo, error) {
	for _, ref := range []ObjectRef{src, dst} {
		if err := ValidBucketName(ref.Bucket); err != nil {
			return ObjectInfo{}, err
		}
		if err := ValidObjectKey(ref.Key); err != nil {
			return ObjectInfo{}, err
		}
	}
	if opts.ReplaceMetadata && layer.UserMetadataSize(opts.Metadata) > MaxUserMetadataSize {
		return ObjectInfo{}, ErrMetadataTooLarge
	}
	if err := layer.CheckObjectTags(opts.Tags); err != nil {
		return ObjectInfo{}, err
	}
	c := &record.CopyObject{
		SrcBucket: src.Bucket, SrcKey: src.Key, DstBucket: dst.Bucket, DstKey: dst.Key,
		ReplaceMeta: opts.ReplaceMetadata, ForbidOverwrite: opts.ForbidOverwrite,
		MTime:       s.now().UnixNano(),
		ReplaceTags: opts.ReplaceTags,
		Cond: record.Condition{
			IfMatch:     opts.Condition.IfMatch,
			IfNoneMatch: opts.Condition.IfNoneMatch,
		},
	}
	if opts.ReplaceMetadata {
		c.Meta = layer.MetadataToRecord(opts.Metadata)
	}
	if opts.ReplaceTags {
		c.Tags = layer.TagsOrNil(opts.Tags)
	}
	if t := opts.Condition.IfModifiedSince; t != nil {
		v := t.Unix()
		c.Cond.IfModifiedSince = &v
	}
	if t := opts.Condition.IfUnmodifiedSince; t != nil {
		v := t.Unix()
		c.Cond.IfUnmodifiedSince = &v
	}
	r, err := s.apply(ctx, c)
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := r.Err(); err != nil {
		return ObjectInfo{}, toLayerErr(err)
	}
	return layer.ObjectInfoFromRecord(r.Object), nil
}

// DeleteObject implements Layer.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string) error {
	if err := ValidBucketName(bucket); err != nil {
		return err
	}
	if err := ValidObjectKey(key); err != nil {
		return err
	}
	r, err := s.apply(ctx, &record.DeleteObject{Bucket: bucket, Key: key})
	if err != nil {
		return err
	}
	s.data.KickGC()
	return toLayerErr(r.Err())
}

// DeleteObjects implements Layer. Invalid keys are reported with
// ErrInvalidObjectName and the others deleted; at most MaxDeleteObjects keys.
func (s *Store) DeleteObjects(ctx context.Context, bucket string, keys []string) ([]DeletedObject, error) {
	if err := ValidBucketName(bucket); err != nil {
		return nil, err
	}
	if len(keys) > MaxDeleteObjects {
		return nil, fmt.Errorf("%w: %d keys", ErrTooManyObjectsDelete, len(keys))
	}
	out := make([]DeletedObject, len(keys))
	valid := make([]string, 0, len(keys))
	for i, k := range keys {
		out[i].Key = k
		if err := ValidObjectKey(k); err != nil {
			out[i].Err = err
			continue
		}
		valid = append(valid, k)
	}
	r, err := s.apply(ctx, &record.DeleteObjects{Bucket: bucket, Keys: valid})
	if err != nil {
		return nil, err
	}
	if err := r.Err(); err != nil {
		return nil, toLayerErr(err)
	}
	s.data.KickGC()
	return out, nil
}

// ListObjects implements Layer. MaxKeys 0 means 100.
func (s *Store) ListObjects(ctx context.Context, bucket string, opts ListOptions) (ListResult, error) {
	if err := ValidBucketName(bucket); err != nil {
		return ListResult{}, err
	}
	max, err := pageSize(opts.MaxKeys)
	if err != nil {
		return ListResult{}, err
	}
	if err := s.barrier(ctx); err != nil {
		return ListResult{}, err
	}
	lr, err := s.meta.ListObjects(bucket, meta.ListOptions{
		Prefix: opts.Prefix, Delimiter: opts.Delimiter, Marker: opts.Marker, MaxKeys: max,
	})
	if err != nil {
		return ListResult{}, toLayerErr(err)
	}
	res := ListResult{
		Objects:        make([]ObjectInfo, len(lr.Objects)),
		CommonPrefixes: lr.CommonPrefixes,
		IsTruncated:    lr.IsTruncated,
		NextMarker:     lr.NextMarker,
	}
	for i := range lr.Objects {
		res.Objects[i] = layer.ObjectInfoFromRecord(&lr.Objects[i])
	}
	return res, nil
}
