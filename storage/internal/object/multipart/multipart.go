package multipart

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/koss-io/koss/storage/internal/background"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/object/internal/layer"
	"github.com/koss-io/koss/storage/internal/object/segread"
)

// Store is the object store as uploads need it (package object's Store,
// through an adapter). Uploads read the state machine and propose
// commands through it, so that they share the Store's read barriers and
// read views, its data path and its table of errors.
type Store interface {
	// Apply proposes c and returns the state machine's result. An error
	// means the outcome is unknown; a domain rejection is in the result.
	Apply(ctx context.Context, c record.Command) (*record.Result, error)
	// Barrier makes the reads that follow linearizable.
	Barrier(ctx context.Context) error
	// Precheck runs check locally and, only when it refuses, again after
	// a barrier.
	Precheck(ctx context.Context, check func() error) error
	// Write stores exactly size bytes of body as a part's data (checking
	// wantMD5) and commits the command cmd makes of them, discarding the
	// data when the state machine rejects it.
	Write(ctx context.Context, body io.Reader, size int64, wantMD5 []byte, cmd func(Written) record.Command) (*record.Result, error)
	// Read returns a reader of parts of the object id, pinned until it is
	// closed, having checked their inline bytes.
	Read(ctx context.Context, id string, parts []segread.Part) (io.ReadCloser, error)
	// KickGC asks for a garbage collection soon.
	KickGC()
	// LayerErr names an error of the layers below as the Layer's sentinel.
	LayerErr(err error) error

	// The state machine's uploads, read locally.
	ListUploads(bucket, prefix, keyMarker, idMarker string, max int) ([]record.Upload, error)
	ListParts(bucket, key, id string, marker, max int) ([]record.Part, bool, error)
	UploadParts(bucket, key, id string) (record.Upload, []record.Part, error)
}

// Written is a part's data as Store.Write stored it.
type Written struct {
	Segment *record.Segment // nil for zero bytes
	MD5     []byte
	CRC64   uint64
}

// Uploads implements layer.Multipart over a Store, and reaps the uploads
// nobody completes.
type Uploads struct {
	st  Store
	now func() time.Time
	lg  *slog.Logger
}

var _ layer.Multipart = (*Uploads)(nil)

// New returns the uploads of st; now gives initiation and modification
// times, lg receives the reaper's messages.
func New(st Store, now func() time.Time, lg *slog.Logger) *Uploads {
	return &Uploads{st: st, now: now, lg: lg}
}

// newUploadID returns 32 upper-case hex digits, like OSS's ids: the time
// first, so that ids of one key sort in creation order, then randomness.
func (up *Uploads) newUploadID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(up.now().UnixNano()))
	_, _ = rand.Read(b[8:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

func checkUploadRef(bucket, key string) error {
	if err := layer.ValidBucketName(bucket); err != nil {
		return err
	}
	return layer.ValidObjectKey(key)
}

// CreateUpload implements Multipart.
func (up *Uploads) CreateUpload(ctx context.Context, bucket, key string, opts layer.PutOptions) (layer.UploadInfo, error) {
	if err := layer.CheckPut(bucket, key, 0, opts.Metadata); err != nil {
		return layer.UploadInfo{}, err
	}
	if opts.IfMatch != "" {
		return layer.UploadInfo{}, fmt.Errorf("%w: If-Match belongs to CompleteUpload, not CreateUpload", layer.ErrInvalidArgument)
	}
	declared := layer.Checksum{Algorithm: opts.Checksum.Algorithm, Type: opts.Checksum.Type}
	if err := layer.CheckChecksum(declared); err != nil {
		return layer.UploadInfo{}, err
	}
	if err := layer.CheckObjectTags(opts.Tags); err != nil {
		return layer.UploadInfo{}, err
	}
	u := record.Upload{Bucket: bucket, Key: key, ID: up.newUploadID(), Initiated: up.now().UnixNano(),
		Meta: layer.MetadataToRecord(opts.Metadata), ForbidOverwrite: opts.ForbidOverwrite,
		Sequential: opts.Sequential, Checksum: layer.ChecksumToRecord(declared), Tags: layer.TagsOrNil(opts.Tags)}
	r, err := up.st.Apply(ctx, &record.CreateUpload{Upload: u})
	if err != nil {
		return layer.UploadInfo{}, err
	}
	if err := r.Err(); err != nil {
		return layer.UploadInfo{}, up.st.LayerErr(err)
	}
	return toUploadInfo(&u), nil
}

// UploadPart implements Multipart.
func (up *Uploads) UploadPart(ctx context.Context, bucket, key, uploadID string, number int, body io.Reader, size int64, opts layer.PartOptions) (layer.PartInfo, error) {
	if err := checkUploadRef(bucket, key); err != nil {
		return layer.PartInfo{}, err
	}
	if err := layer.CheckChecksum(opts.Checksum); err != nil {
		return layer.PartInfo{}, err
	}
	if number < layer.MinPartNumber || number > layer.MaxPartNumber {
		return layer.PartInfo{}, fmt.Errorf("%w: part number %d not in %d..%d", layer.ErrInvalidArgument, number, layer.MinPartNumber, layer.MaxPartNumber)
	}
	if size < 0 || size > layer.MaxPartSize {
		return layer.PartInfo{}, fmt.Errorf("%w: part of %d bytes", layer.ErrEntityTooLarge, size)
	}
	// Do not upload a body the state machine will refuse; it checks again.
	err := up.st.Precheck(ctx, func() error {
		_, _, err := up.st.ListParts(bucket, key, uploadID, layer.MaxPartNumber, 0)
		return up.st.LayerErr(err)
	})
	if err != nil {
		return layer.PartInfo{}, err
	}
	var p record.Part
	r, err := up.st.Write(ctx, body, size, opts.ContentMD5, func(w Written) record.Command {
		p = record.Part{Number: number, Size: size, MD5: w.MD5, CRC64: w.CRC64, MTime: up.now().UnixNano(), Segment: w.Segment,
			Checksum: layer.ChecksumToRecord(opts.Checksum)}
		return &record.PutPart{Bucket: bucket, Key: key, UploadID: uploadID, Part: p}
	})
	if err != nil {
		return layer.PartInfo{}, err
	}
	if err := r.Err(); err != nil {
		return layer.PartInfo{}, up.st.LayerErr(err)
	}
	return toPartInfo(&p), nil
}

// CompleteUpload implements Multipart.
func (up *Uploads) CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []layer.CompletePart, opts layer.CompleteOptions) (layer.ObjectInfo, error) {
	if err := checkUploadRef(bucket, key); err != nil {
		return layer.ObjectInfo{}, err
	}
	if err := layer.CheckChecksum(opts.Checksum); err != nil {
		return layer.ObjectInfo{}, err
	}
	c := &record.CompleteUpload{Bucket: bucket, Key: key, UploadID: uploadID, All: opts.All,
		ForbidOverwrite: opts.ForbidOverwrite, ACL: opts.ACL, MTime: up.now().UnixNano(),
		Checksum: layer.ChecksumToRecord(opts.Checksum), IfMatch: opts.IfMatch,
		KeepPartSizes: true, KeepPartChecksums: true}
	for _, p := range parts {
		c.Parts = append(c.Parts, record.CompletePart{Number: p.Number, ETag: p.ETag})
	}
	if err := up.sequentialMD5(ctx, c); err != nil {
		return layer.ObjectInfo{}, err
	}
	r, err := up.st.Apply(ctx, c)
	if err != nil {
		return layer.ObjectInfo{}, err
	}
	if err := r.Err(); err != nil {
		return layer.ObjectInfo{}, up.st.LayerErr(err)
	}
	up.st.KickGC() // unlisted parts are garbage now
	return layer.ObjectInfoFromRecord(r.Object), nil
}

// sequentialMD5 sets c.MD5 when the upload is sequential: the MD5 of the
// listed parts' bytes in order, read back from the data store (OSS gives
// such objects a Content-MD5). Apply reads no data, so the proposer does
// this; a complete-all becomes an explicit list, so that Apply's ETag check
// pins the parts hashed here (an ETag is the part's MD5) against a part
// replaced meanwhile.
func (up *Uploads) sequentialMD5(ctx context.Context, c *record.CompleteUpload) error {
	if err := up.st.Barrier(ctx); err != nil {
		return err
	}
	u, all, err := up.st.UploadParts(c.Bucket, c.Key, c.UploadID)
	if err != nil || !u.Sequential {
		return up.st.LayerErr(err) // nil for an upload that is not sequential
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
			return layer.ErrInvalidPart // Apply would refuse it too
		}
		if p.Segment != nil {
			segs = append(segs, *p.Segment)
			size += p.Size
		}
	}
	h := md5.New()
	parts := segread.Slice(segs, 0, size)
	id := c.Bucket + "/" + c.Key
	r, err := up.st.Read(ctx, id, parts)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }() // read only; its errors come from Read
	if _, err := io.Copy(h, r); err != nil {
		return err
	}
	c.MD5 = h.Sum(nil)
	return nil
}

// AbortUpload implements Multipart.
func (up *Uploads) AbortUpload(ctx context.Context, bucket, key, uploadID string) error {
	if err := checkUploadRef(bucket, key); err != nil {
		return err
	}
	r, err := up.st.Apply(ctx, &record.AbortUpload{Bucket: bucket, Key: key, UploadID: uploadID})
	if err != nil {
		return err
	}
	up.st.KickGC()
	return up.st.LayerErr(r.Err())
}

// ListUploads implements Multipart. Uploads below one common prefix roll
// up into it; the listing then resumes past every key below the prefix.
func (up *Uploads) ListUploads(ctx context.Context, bucket string, opts layer.ListUploadsOptions) (layer.ListUploadsResult, error) {
	if err := layer.ValidBucketName(bucket); err != nil {
		return layer.ListUploadsResult{}, err
	}
	max := opts.MaxUploads
	if max <= 0 || max > layer.MaxListUploads {
		max = layer.MaxListUploads
	}
	if err := up.st.Barrier(ctx); err != nil {
		return layer.ListUploadsResult{}, err
	}
	var res layer.ListUploadsResult
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
		batch, err := up.st.ListUploads(bucket, opts.Prefix, km, im, max+1-n)
		if err != nil {
			return layer.ListUploadsResult{}, up.st.LayerErr(err)
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
func (up *Uploads) ListParts(ctx context.Context, bucket, key, uploadID string, marker, max int) (layer.ListPartsResult, error) {
	if err := checkUploadRef(bucket, key); err != nil {
		return layer.ListPartsResult{}, err
	}
	if max <= 0 || max > layer.MaxListUploads {
		max = layer.MaxListUploads
	}
	if err := up.st.Barrier(ctx); err != nil {
		return layer.ListPartsResult{}, err
	}
	parts, more, err := up.st.ListParts(bucket, key, uploadID, marker, max)
	if err != nil {
		return layer.ListPartsResult{}, up.st.LayerErr(err)
	}
	res := layer.ListPartsResult{IsTruncated: more, NextMarker: marker}
	for i := range parts {
		res.Parts = append(res.Parts, toPartInfo(&parts[i]))
		res.NextMarker = parts[i].Number
	}
	return res, nil
}

// AbortStaleUploads aborts the uploads initiated before cutoff, a batch per
// command, and returns how many it aborted. The cutoff travels in the
// command, so every replica aborts the same uploads.
func (up *Uploads) AbortStaleUploads(ctx context.Context, cutoff time.Time) (int, error) {
	const batch = 100
	total := 0
	for {
		r, err := up.st.Apply(ctx, &record.AbortStaleUploads{Before: cutoff.UnixNano(), Max: batch})
		if err != nil {
			return total, err
		}
		if err := r.Err(); err != nil {
			return total, up.st.LayerErr(err)
		}
		total += int(r.Length)
		if r.Length > 0 {
			up.st.KickGC()
		}
		if r.Length < batch {
			return total, nil
		}
	}
}

// StartUploadReaper runs, in g, a loop that every interval aborts the
// uploads older than age, on the node isLeader says leads the Region (one
// proposer is enough; its command does the work everywhere).
func (up *Uploads) StartUploadReaper(g *background.Group, isLeader func() bool, age, interval time.Duration) {
	if age <= 0 || interval <= 0 {
		return
	}
	g.Every(interval, func(ctx context.Context) {
		if isLeader != nil && !isLeader() {
			return
		}
		if n, err := up.AbortStaleUploads(ctx, up.now().Add(-age)); err != nil {
			up.lg.Warn("Aborting stale multipart uploads failed", "error", err)
		} else if n > 0 {
			up.lg.Info("Aborted stale multipart uploads", "count", n, "olderThan", age)
		}
	})
}

func toUploadInfo(u *record.Upload) layer.UploadInfo {
	return layer.UploadInfo{Bucket: u.Bucket, Key: u.Key, UploadID: u.ID, Initiated: layer.Time(u.Initiated), Metadata: layer.MetadataFromRecord(u.Meta),
		Checksum: layer.ChecksumFromRecord(u.Checksum)}
}

func toPartInfo(p *record.Part) layer.PartInfo {
	return layer.PartInfo{Number: p.Number, Size: p.Size, ETag: p.ETag(), MD5: p.MD5, CRC64: p.CRC64, LastModified: layer.Time(p.MTime),
		Checksum: layer.ChecksumFromRecord(p.Checksum)}
}
