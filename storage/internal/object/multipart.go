package object

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/background"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/internal/layer"
	"github.com/koss-io/koss/storage/internal/object/segread"
)

// Multipart uploads. A part is written like the data of PutObject (inline
// up to InlineThreshold, else a blob through the data store, three copies
// in a Region) and committed with PutPart; Complete is one metadata command
// that makes the parts the object's segments, so no byte is copied and no
// partial object is ever visible: before Complete commits the key shows the
// old object (or none), after it the whole new one.

var _ Multipart = (*Store)(nil)

// newUploadID returns 32 upper-case hex digits, like OSS's ids: the time
// first, so that ids of one key sort in creation order, then randomness.
func (s *Store) newUploadID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(s.now().UnixNano()))
	_, _ = rand.Read(b[8:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

func checkUploadRef(bucket, key string) error {
	if err := ValidBucketName(bucket); err != nil {
		return err
	}
	return ValidObjectKey(key)
}

// CreateUpload implements Multipart.
func (s *Store) CreateUpload(ctx context.Context, bucket, key string, opts PutOptions) (UploadInfo, error) {
	if err := layer.CheckPut(bucket, key, 0, opts.Metadata); err != nil {
		return UploadInfo{}, err
	}
	if opts.IfMatch != "" {
		return UploadInfo{}, fmt.Errorf("%w: If-Match belongs to CompleteUpload, not CreateUpload", ErrInvalidArgument)
	}
	declared := Checksum{Algorithm: opts.Checksum.Algorithm, Type: opts.Checksum.Type}
	if err := layer.CheckChecksum(declared); err != nil {
		return UploadInfo{}, err
	}
	if err := layer.CheckObjectTags(opts.Tags); err != nil {
		return UploadInfo{}, err
	}
	u := record.Upload{Bucket: bucket, Key: key, ID: s.newUploadID(), Initiated: s.now().UnixNano(),
		Meta: layer.MetadataToRecord(opts.Metadata), ForbidOverwrite: opts.ForbidOverwrite,
		Sequential: opts.Sequential, Checksum: layer.ChecksumToRecord(declared), Tags: layer.TagsOrNil(opts.Tags)}
	r, err := s.apply(ctx, &record.CreateUpload{Upload: u})
	if err != nil {
		return UploadInfo{}, err
	}
	if err := r.Err(); err != nil {
		return UploadInfo{}, toLayerErr(err)
	}
	return toUploadInfo(&u), nil
}

// UploadPart implements Multipart.
func (s *Store) UploadPart(ctx context.Context, bucket, key, uploadID string, number int, body io.Reader, size int64, opts PartOptions) (PartInfo, error) {
	if err := checkUploadRef(bucket, key); err != nil {
		return PartInfo{}, err
	}
	if err := layer.CheckChecksum(opts.Checksum); err != nil {
		return PartInfo{}, err
	}
	if number < MinPartNumber || number > MaxPartNumber {
		return PartInfo{}, fmt.Errorf("%w: part number %d not in %d..%d", ErrInvalidArgument, number, MinPartNumber, MaxPartNumber)
	}
	if size < 0 || size > MaxPartSize {
		return PartInfo{}, fmt.Errorf("%w: part of %d bytes", ErrEntityTooLarge, size)
	}
	// Do not upload a body the state machine will refuse; it checks again.
	err := s.precheck(ctx, func() error {
		_, _, err := s.meta.ListParts(bucket, key, uploadID, MaxPartNumber, 0)
		return toLayerErr(err)
	})
	if err != nil {
		return PartInfo{}, err
	}
	w, err := s.writeData(ctx, body, size, size <= s.cfg.InlineThreshold, opts.ContentMD5)
	if err != nil {
		return PartInfo{}, err
	}
	p := record.Part{Number: number, Size: size, MD5: w.md5, CRC64: w.crc64, MTime: s.now().UnixNano(), Segment: w.seg,
		Checksum: layer.ChecksumToRecord(opts.Checksum)}
	r, err := s.commit(ctx, w, &record.PutPart{Bucket: bucket, Key: key, UploadID: uploadID, Part: p})
	if err != nil {
		return PartInfo{}, err
	}
	if err := r.Err(); err != nil {
		return PartInfo{}, toLayerErr(err)
	}
	return toPartInfo(&p), nil
}

// CompleteUpload implements Multipart.
func (s *Store) CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []CompletePart, opts CompleteOptions) (ObjectInfo, error) {
	if err := checkUploadRef(bucket, key); err != nil {
		return ObjectInfo{}, err
	}
	if err := layer.CheckChecksum(opts.Checksum); err != nil {
		return ObjectInfo{}, err
	}
	c := &record.CompleteUpload{Bucket: bucket, Key: key, UploadID: uploadID, All: opts.All,
		ForbidOverwrite: opts.ForbidOverwrite, ACL: opts.ACL, MTime: s.now().UnixNano(),
		Checksum: layer.ChecksumToRecord(opts.Checksum), IfMatch: opts.IfMatch,
		KeepPartSizes: true, KeepPartChecksums: true}
	for _, p := range parts {
		c.Parts = append(c.Parts, record.CompletePart{Number: p.Number, ETag: p.ETag})
	}
	if err := s.sequentialMD5(ctx, c); err != nil {
		return ObjectInfo{}, err
	}
	r, err := s.apply(ctx, c)
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := r.Err(); err != nil {
		return ObjectInfo{}, toLayerErr(err)
	}
	s.data.KickGC() // unlisted parts are garbage now
	return layer.ObjectInfoFromRecord(r.Object), nil
}

// sequentialMD5 sets c.MD5 when the upload is sequential: the MD5 of the
// listed parts' bytes in order, read back from the data store (OSS gives
// such objects a Content-MD5). Apply reads no data, so the proposer does
// this; a complete-all becomes an explicit list, so that Apply's ETag check
// pins the parts hashed here (an ETag is the part's MD5) against a part
// replaced meanwhile.
func (s *Store) sequentialMD5(ctx context.Context, c *record.CompleteUpload) error {
	if err := s.barrier(ctx); err != nil {
		return err
	}
	u, all, err := s.meta.UploadParts(c.Bucket, c.Key, c.UploadID)
	if err != nil || !u.Sequential {
		return toLayerErr(err) // nil for an upload that is not sequential
	}
	byNum := make(map[int]*record.Part, len(all))
	for i := range all {
		byNum[all[i].Number] = &all[i]
	}
	if c.All {
		c.All = false
		for i := range all {
			c.Parts = append(c.Parts, record.CompletePart{Number: all[i].Number, ETag: all[i].ETag()})
		}
	}
	var segs []record.Segment
	var size int64
	for _, cp := range c.Parts {
		p := byNum[cp.Number]
		if p == nil {
			return ErrInvalidPart // Apply would refuse it too
		}
		if p.Segment != nil {
			segs = append(segs, *p.Segment)
			size += p.Size
		}
	}
	h := md5.New()
	parts := segread.Slice(segs, 0, size)
	id := c.Bucket + "/" + c.Key
	r := s.newReader(ctx, id, parts, s.data.Pin(segread.Blobs(parts)))
	defer func() { _ = r.Close() }() // read only; its errors come from Read
	if err := verifyInline(id, parts); err != nil {
		return err
	}
	if _, err := io.Copy(h, r); err != nil {
		return err
	}
	c.MD5 = h.Sum(nil)
	return nil
}

// AbortUpload implements Multipart.
func (s *Store) AbortUpload(ctx context.Context, bucket, key, uploadID string) error {
	if err := checkUploadRef(bucket, key); err != nil {
		return err
	}
	r, err := s.apply(ctx, &record.AbortUpload{Bucket: bucket, Key: key, UploadID: uploadID})
	if err != nil {
		return err
	}
	s.data.KickGC()
	return toLayerErr(r.Err())
}

// ListUploads implements Multipart. Uploads below one common prefix roll
// up into it; the listing then resumes past every key below the prefix.
func (s *Store) ListUploads(ctx context.Context, bucket string, opts ListUploadsOptions) (ListUploadsResult, error) {
	if err := ValidBucketName(bucket); err != nil {
		return ListUploadsResult{}, err
	}
	max := opts.MaxUploads
	if max <= 0 || max > MaxListUploads {
		max = MaxListUploads
	}
	if err := s.barrier(ctx); err != nil {
		return ListUploadsResult{}, err
	}
	var res ListUploadsResult
	km, im := opts.KeyMarker, opts.UploadIDMarker
	if km == "" {
		im = ""
	}
	if d := opts.Delimiter; d != "" && strings.HasPrefix(km, opts.Prefix) && strings.Index(km[len(opts.Prefix):], d) == len(km)-len(opts.Prefix)-len(d) {
		// The marker is a common prefix a page ended with: resume past it.
		km, im = km+"\xff", ""
	}
	n := 0
	for {
		batch, err := s.meta.ListUploads(bucket, opts.Prefix, km, im, max+1-n)
		if err != nil {
			return ListUploadsResult{}, toLayerErr(err)
		}
		rolled := false
		for i := range batch {
			u := &batch[i]
			if n == max {
				res.IsTruncated = true
				return res, nil
			}
			n++
			if opts.Delimiter != "" {
				if j := strings.Index(u.Key[len(opts.Prefix):], opts.Delimiter); j >= 0 {
					cp := u.Key[:len(opts.Prefix)+j+len(opts.Delimiter)]
					res.CommonPrefixes = append(res.CommonPrefixes, cp)
					res.NextKeyMarker, res.NextUploadIDMarker = cp, ""
					// No UTF-8 key holds 0xFF: this marker is past every key below cp.
					km, im, rolled = cp+"\xff", "", true
					break
				}
			}
			res.Uploads = append(res.Uploads, toUploadInfo(u))
			res.NextKeyMarker, res.NextUploadIDMarker = u.Key, u.ID
			km, im = u.Key, u.ID
		}
		if !rolled {
			res.NextKeyMarker, res.NextUploadIDMarker = "", ""
			return res, nil
		}
	}
}

// ListParts implements Multipart.
func (s *Store) ListParts(ctx context.Context, bucket, key, uploadID string, marker, max int) (ListPartsResult, error) {
	if err := checkUploadRef(bucket, key); err != nil {
		return ListPartsResult{}, err
	}
	if max <= 0 || max > MaxListUploads {
		max = MaxListUploads
	}
	if err := s.barrier(ctx); err != nil {
		return ListPartsResult{}, err
	}
	parts, more, err := s.meta.ListParts(bucket, key, uploadID, marker, max)
	if err != nil {
		return ListPartsResult{}, toLayerErr(err)
	}
	res := ListPartsResult{IsTruncated: more, NextMarker: marker}
	for i := range parts {
		res.Parts = append(res.Parts, toPartInfo(&parts[i]))
		res.NextMarker = parts[i].Number
	}
	return res, nil
}

// AbortStaleUploads aborts the uploads initiated before cutoff, a batch per
// command, and returns how many it aborted. The cutoff travels in the
// command, so every replica aborts the same uploads.
func (s *Store) AbortStaleUploads(ctx context.Context, cutoff time.Time) (int, error) {
	const batch = 100
	total := 0
	for {
		r, err := s.apply(ctx, &record.AbortStaleUploads{Before: cutoff.UnixNano(), Max: batch})
		if err != nil {
			return total, err
		}
		if err := r.Err(); err != nil {
			return total, toLayerErr(err)
		}
		total += int(r.Length)
		if r.Length > 0 {
			s.data.KickGC()
		}
		if r.Length < batch {
			return total, nil
		}
	}
}

// StartUploadReaper runs, in g, a loop that every interval aborts the
// uploads older than age, on the node isLeader says leads the Region (one
// proposer is enough; its command does the work everywhere).
func (s *Store) StartUploadReaper(g *background.Group, isLeader func() bool, age, interval time.Duration) {
	if age <= 0 || interval <= 0 {
		return
	}
	g.Go(func(ctx context.Context) {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if isLeader != nil && !isLeader() {
				continue
			}
			if n, err := s.AbortStaleUploads(ctx, s.now().Add(-age)); err != nil {
				s.lg.Warn("Aborting stale multipart uploads failed", "error", err)
			} else if n > 0 {
				s.lg.Info("Aborted stale multipart uploads", "count", n, "olderThan", age)
			}
		}
	})
}

func toUploadInfo(u *record.Upload) UploadInfo {
	return UploadInfo{Bucket: u.Bucket, Key: u.Key, UploadID: u.ID, Initiated: layer.Time(u.Initiated), Metadata: layer.MetadataFromRecord(u.Meta),
		Checksum: layer.ChecksumFromRecord(u.Checksum)}
}

func toPartInfo(p *record.Part) PartInfo {
	return PartInfo{Number: p.Number, Size: p.Size, ETag: p.ETag(), MD5: p.MD5, CRC64: p.CRC64, LastModified: layer.Time(p.MTime),
		Checksum: layer.ChecksumFromRecord(p.Checksum)}
}
