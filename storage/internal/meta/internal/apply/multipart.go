package apply

import (
	"bytes"
	"crypto/md5"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/koss-io/koss/storage/internal/crc64ecma"
	"github.com/koss-io/koss/storage/internal/meta/internal/schema"
	"github.com/koss-io/koss/storage/internal/meta/record"
)

// Multipart uploads in the state machine. An upload is a record in
// uploads; its parts are records in parts. A part's blob is referenced
// (refs, placement) from the PutPart that stores it, so until Complete or
// Abort it is protected from the collector and the orphan sweeper and
// repaired like any object blob. Complete adds the object's references to
// the listed parts' blobs before it drops the upload's, so a listed part
// never drops to zero and an unlisted one goes to garbage in the same
// transaction.

func (a *Applier) uploadsB() *bolt.Bucket { return a.tx.Bucket(schema.BucketUploads) }
func (a *Applier) partsB() *bolt.Bucket   { return a.tx.Bucket(schema.BucketParts) }

// getUpload returns an upload, or the code that rejects a command on it.
func (a *Applier) getUpload(bucket, key, id string) (record.Upload, record.Code) {
	if _, ok := a.getBucket(bucket); !ok {
		return record.Upload{}, record.CodeBucketNotFound
	}
	v := a.uploadsB().Get(schema.UploadKey(bucket, key, id))
	if v == nil {
		return record.Upload{}, record.CodeNoSuchUpload
	}
	u, err := record.DecodeUpload(bucket, key, id, v)
	must(err)
	return u, record.CodeOK
}

func partSegs(p *record.Part) []record.Segment {
	if p.Segment == nil {
		return nil
	}
	return []record.Segment{*p.Segment}
}

// dropUpload deletes an upload and its parts, releasing their blobs.
func (a *Applier) dropUpload(u *record.Upload) {
	parts, err := schema.UploadParts(a.partsB(), u.ID)
	must(err)
	for i := range parts {
		a.dropRefs(partSegs(&parts[i]))
		must(a.partsB().Delete(schema.PartKey(u.ID, parts[i].Number)))
	}
	must(a.uploadsB().Delete(schema.UploadKey(u.Bucket, u.Key, u.ID)))
}

func (a *Applier) createUpload(c *record.CreateUpload) *record.Result {
	u := c.Upload
	// The id ends the uploads key and starts the parts key: no 0x00 in it.
	if !validKey(u.Key) || u.ID == "" || len(u.ID) > 128 || strings.ContainsRune(u.ID, 0) || !u.Checksum.Valid() ||
		record.CheckObjectTags(u.Tags) != nil {
		return reject(record.CodeInvalidArgument)
	}
	switch _, code := a.getUpload(u.Bucket, u.Key, u.ID); code {
	case record.CodeOK: // ids are unique
		return reject(record.CodeInvalidArgument)
	case record.CodeBucketNotFound:
		return reject(code)
	}
	must(a.uploadsB().Put(schema.UploadKey(u.Bucket, u.Key, u.ID), record.EncodeUpload(&u)))
	return &record.Result{}
}

func (a *Applier) putPart(c *record.PutPart) *record.Result {
	p := c.Part
	if p.Number < record.MinPartNumber || p.Number > record.MaxPartNumber || p.Size < 0 || p.Size > record.MaxPartSize ||
		!p.Checksum.Valid() {
		return reject(record.CodeInvalidArgument)
	}
	if s := p.Segment; (s == nil) != (p.Size == 0) || (s != nil && (!validSegment(s) || s.Size != p.Size)) {
		return reject(record.CodeInvalidArgument)
	}
	u, code := a.getUpload(c.Bucket, c.Key, c.UploadID)
	if code != record.CodeOK {
		return reject(code)
	}
	if u.Sequential {
		// Parts of a sequential upload come in order: nothing numbered
		// above this one may exist (the last part may be sent again).
		if k, _ := a.partsB().Cursor().Seek(schema.PartKey(c.UploadID, p.Number+1)); k != nil && bytes.HasPrefix(k, schema.PartPrefix(c.UploadID)) {
			return reject(record.CodeInvalidArgument)
		}
	}
	k := schema.PartKey(c.UploadID, p.Number)
	a.addRefs(partSegs(&p))
	if v := a.partsB().Get(k); v != nil {
		old, err := record.DecodePart(p.Number, v)
		must(err)
		a.dropRefs(partSegs(&old))
	}
	must(a.partsB().Put(k, record.EncodePart(&p)))
	return &record.Result{}
}

func (a *Applier) completeUpload(c *record.CompleteUpload) *record.Result {
	if !c.Checksum.Valid() {
		return reject(record.CodeInvalidArgument)
	}
	u, code := a.getUpload(c.Bucket, c.Key, c.UploadID)
	if code != record.CodeOK {
		return reject(code)
	}
	all, err := schema.UploadParts(a.partsB(), c.UploadID)
	must(err)
	chosen := all
	if !c.All {
		byNum := make(map[int]int, len(all))
		for i := range all {
			byNum[all[i].Number] = i
		}
		chosen = make([]record.Part, 0, len(c.Parts))
		for i, cp := range c.Parts {
			if i > 0 && cp.Number <= c.Parts[i-1].Number {
				return reject(record.CodeInvalidPartOrder)
			}
			j, ok := byNum[cp.Number]
			if !ok || !etagMatches(all[j].ETag(), cp.ETag) || strings.TrimSpace(cp.ETag) == "*" {
				return reject(record.CodeInvalidPart)
			}
			chosen = append(chosen, all[j])
		}
	}
	for i := 0; i+1 < len(chosen); i++ {
		if chosen[i].Size < record.MinPartSize {
			return reject(record.CodeEntityTooSmall)
		}
	}
	old, exists := a.getObject(c.Bucket, c.Key)
	if exists && (u.ForbidOverwrite || c.ForbidOverwrite) {
		return reject(record.CodeObjectExists)
	}
	if code := ifMatchHolds(c.IfMatch, &old, exists); code != record.CodeOK {
		return reject(code)
	}
	o := record.Object{
		Bucket: c.Bucket, Key: c.Key, Type: record.TypeMultipart, MTime: c.MTime,
		Meta: u.Meta, ETag: record.MultipartETag(chosen), Checksum: c.Checksum,
		// The tags given at initiation (x-oss-tagging) are the object's.
		Tags: u.Tags,
	}
	if c.ACL != "" {
		o.Meta.ACL = c.ACL
	}
	if u.Sequential {
		if len(c.MD5) != md5.Size {
			return reject(record.CodeInvalidArgument)
		}
		o.MD5 = c.MD5
	}
	for i := range chosen {
		p := &chosen[i]
		if p.Segment != nil {
			o.Segments = append(o.Segments, *p.Segment)
		}
		// Combine costs O(log size) per part, not O(size).
		o.CRC64 = crc64ecma.Combine(o.CRC64, p.CRC64, p.Size)
		o.Size += p.Size
		if c.KeepPartSizes {
			o.PartSizes = append(o.PartSizes, p.Size)
		}
	}
	if c.KeepPartChecksums {
		o.PartChecksums = partChecksums(chosen, c.Checksum.Algorithm)
	}
	a.setObject(c.Bucket, c.Key, ptrIf(&old, exists), &o)
	a.dropUpload(&u)
	r := withoutData(o)
	return &record.Result{Object: &r}
}

// partChecksums returns the values of the parts' checksums in order when
// every part has one of algorithm (not ""), else nil: a part answered
// with a checksum of another algorithm than the object's, or with none,
// would contradict what the object says it is checked with.
func partChecksums(parts []record.Part, algorithm string) []string {
	if algorithm == "" || len(parts) == 0 {
		return nil
	}
	sums := make([]string, len(parts))
	for i := range parts {
		c := &parts[i].Checksum
		if c.Algorithm != algorithm || c.Value == "" {
			return nil
		}
		sums[i] = c.Value
	}
	return sums
}

func (a *Applier) abortUpload(c *record.AbortUpload) *record.Result {
	u, code := a.getUpload(c.Bucket, c.Key, c.UploadID)
	if code != record.CodeOK {
		return reject(code)
	}
	a.dropUpload(&u)
	return &record.Result{}
}

func (a *Applier) abortStaleUploads(c *record.AbortStaleUploads) *record.Result {
	if c.Max <= 0 {
		return reject(record.CodeInvalidArgument)
	}
	var stale []record.Upload
	c2 := a.uploadsB().Cursor()
	for k, v := c2.First(); k != nil && len(stale) < c.Max; k, v = c2.Next() {
		b, key, id := schema.SplitUploadKey(k)
		u, err := record.DecodeUpload(b, key, id, v)
		must(err)
		if u.Initiated < c.Before {
			stale = append(stale, u)
		}
	}
	for i := range stale {
		a.dropUpload(&stale[i])
	}
	return &record.Result{Length: int64(len(stale))}
}
