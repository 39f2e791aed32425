package apply

import (
	"bytes"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/koss-io/koss/storage/internal/crc64ecma"
	"github.com/koss-io/koss/storage/internal/meta/internal/schema"
	"github.com/koss-io/koss/storage/internal/meta/record"
	"github.com/koss-io/koss/storage/internal/meta/record/etag"
)

// Applier applies commands inside one write transaction. Every handler
// checks everything before it writes anything, so a rejected command leaves
// no trace in the transaction it shares with other commands of its batch.
//
// Handlers read nothing but the transaction and the command: no clock, no
// randomness, no I/O. A failed bbolt write panics (see meta's ApplyBatch).
type Applier struct {
	tx      *bolt.Tx
	buckets *bolt.Bucket
	objects *bolt.Bucket
	keys    *bolt.Bucket
	refs    *bolt.Bucket
	garbage *bolt.Bucket
	index   uint64 // of the entry being applied
}

// New returns an Applier for the commands of one batch, applied in tx.
func New(tx *bolt.Tx) *Applier {
	return &Applier{
		tx:      tx,
		buckets: tx.Bucket(schema.BucketBuckets),
		objects: tx.Bucket(schema.BucketObjects),
		keys:    tx.Bucket(schema.BucketKeys),
		refs:    tx.Bucket(schema.BucketRefs),
		garbage: tx.Bucket(schema.BucketGarbage),
	}
}

// Apply decodes and dispatches one command, the log entry at index (see
// handlers). A command that cannot be decoded panics: a replica that
// cannot apply an entry must stop rather than diverge.
func (a *Applier) Apply(index uint64, data []byte) *record.Result {
	a.index = index
	c, err := record.Decode(data)
	if err != nil {
		panic(fmt.Sprintf("meta: apply entry %d: %v", a.index, err))
	}
	return handlers[c.Type()](a, c)
}

// reject is the result of a command Apply turns down; it changed nothing.
func reject(c record.Code) *record.Result { return &record.Result{Code: c} }

func must(err error) {
	if err != nil {
		panic(fmt.Sprintf("meta: apply: %v", err))
	}
}

func (a *Applier) getBucket(name string) (record.Bucket, bool) {
	v := a.buckets.Get([]byte(name))
	if v == nil {
		return record.Bucket{}, false
	}
	b, err := record.DecodeBucket(name, v)
	must(err)
	return b, true
}

func (a *Applier) putBucket(b *record.Bucket) {
	must(a.buckets.Put([]byte(b.Name), record.EncodeBucket(b)))
}

func (a *Applier) getObject(bucket, key string) (record.Object, bool) {
	v := a.objects.Get(schema.ObjectKey(bucket, key))
	if v == nil {
		return record.Object{}, false
	}
	o, err := record.DecodeObject(bucket, key, v)
	must(err)
	return o, true
}

// setObject stores o as bucket/key in place of old (nil when absent),
// keeping reference counts and bucket counters right. References are added
// before old ones are dropped, so a blob shared by both never drops to zero.
func (a *Applier) setObject(bucket, key string, old, o *record.Object) {
	b, ok := a.getBucket(bucket)
	if !ok {
		panic(fmt.Sprintf("meta: apply: bucket %s vanished", bucket))
	}
	a.addRefs(o.Segments)
	if old != nil {
		a.dropRefs(old.Segments)
		b.Bytes -= old.Size
	} else {
		b.Objects++
	}
	b.Bytes += o.Size
	must(a.objects.Put(schema.ObjectKey(bucket, key), record.EncodeObject(withoutReplicas(o))))
	a.putBucket(&b)
}

// withoutReplicas returns o, or a copy of it whose segments carry no replica
// lists: records never hold them (the placement table does).
func withoutReplicas(o *record.Object) *record.Object {
	for _, s := range o.Segments {
		if len(s.Replicas) > 0 {
			c := *o
			c.Segments = make([]record.Segment, len(o.Segments))
			for i, s := range o.Segments {
				s.Replicas = nil
				c.Segments[i] = s
			}
			return &c
		}
	}
	return o
}

func (a *Applier) removeObject(bucket, key string, old *record.Object) {
	b, ok := a.getBucket(bucket)
	if !ok {
		panic(fmt.Sprintf("meta: apply: bucket %s vanished", bucket))
	}
	a.dropRefs(old.Segments)
	b.Objects--
	b.Bytes -= old.Size
	must(a.objects.Delete(schema.ObjectKey(bucket, key)))
	a.putBucket(&b)
}

func (a *Applier) addRefs(segs []record.Segment) {
	for i := range segs {
		s := &segs[i]
		if s.Inline() {
			continue
		}
		id := []byte(s.Blob)
		n := schema.DecodeRefCount(a.refs.Get(id))
		if n == 0 {
			// A blob that went to garbage and is referenced again (only a
			// re-applied command can do that) must not be collected.
			must(a.garbage.Delete(id))
			a.place(s)
		}
		must(a.refs.Put(id, schema.EncodeRefCount(n+1)))
	}
}

func (a *Applier) dropRefs(segs []record.Segment) {
	for _, s := range segs {
		if s.Inline() {
			continue
		}
		id := []byte(s.Blob)
		n := schema.DecodeRefCount(a.refs.Get(id))
		if n <= 1 {
			must(a.refs.Delete(id))
			must(a.garbage.Put(id, schema.U64Bytes(a.index)))
			a.unplace(id)
			continue
		}
		must(a.refs.Put(id, schema.EncodeRefCount(n-1)))
	}
}

// validName reports whether s can be stored as a bucket name or key.
func validBucket(s string) bool { return s != "" && !strings.ContainsRune(s, 0) }
func validKey(s string) bool    { return s != "" && len(s) <= 4096 }

func validSegment(s *record.Segment) bool {
	if s.Size < 0 {
		return false
	}
	if s.Inline() {
		return int64(len(s.Data)) == s.Size
	}
	return len(s.Data) == 0
}

func (a *Applier) createBucket(c *record.CreateBucket) *record.Result {
	if !validBucket(c.Name) {
		return reject(record.CodeInvalidArgument)
	}
	if b, ok := a.getBucket(c.Name); ok {
		if b.Owner != c.Owner {
			return reject(record.CodeBucketExists)
		}
		return &record.Result{Bucket: &b}
	}
	b := record.Bucket{Name: c.Name, Created: c.Created, ACL: c.ACL, StorageClass: c.StorageClass, Owner: c.Owner}
	a.putBucket(&b)
	return &record.Result{Bucket: &b}
}

func (a *Applier) deleteBucket(c *record.DeleteBucket) *record.Result {
	if _, ok := a.getBucket(c.Name); !ok {
		return reject(record.CodeBucketNotFound)
	}
	prefix := schema.ObjectPrefix(c.Name)
	if k, _ := a.objects.Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
		return reject(record.CodeBucketNotEmpty)
	}
	// As OSS: uploads in progress keep a bucket from being deleted.
	if k, _ := a.uploadsB().Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
		return reject(record.CodeBucketNotEmpty)
	}
	must(a.buckets.Delete([]byte(c.Name)))
	return &record.Result{}
}

func (a *Applier) putObject(c *record.PutObject) *record.Result {
	o := c.Object
	if !validKey(c.Key) || o.Size < 0 || (o.Type != record.TypeNormal && o.Type != record.TypeAppendable && o.Type != record.TypeSymlink) ||
		!o.Checksum.Valid() || len(o.PartSizes) > 0 || len(o.PartChecksums) > 0 || record.CheckObjectTags(o.Tags) != nil {
		return reject(record.CodeInvalidArgument)
	}
	// A symlink is a target and metadata, nothing else; only a symlink has
	// a target.
	if (o.Type == record.TypeSymlink) != (o.SymlinkTarget != "") ||
		(o.Type == record.TypeSymlink && (o.Size != 0 || len(o.Segments) > 0 || !validKey(o.SymlinkTarget))) {
		return reject(record.CodeInvalidArgument)
	}
	var total int64
	for i := range o.Segments {
		if !validSegment(&o.Segments[i]) {
			return reject(record.CodeInvalidArgument)
		}
		total += o.Segments[i].Size
	}
	if total != o.Size {
		return reject(record.CodeInvalidArgument)
	}
	if _, ok := a.getBucket(c.Bucket); !ok {
		return reject(record.CodeBucketNotFound)
	}
	old, exists := a.getObject(c.Bucket, c.Key)
	if exists && c.ForbidOverwrite {
		return reject(record.CodeObjectExists)
	}
	if code := ifMatchHolds(c.IfMatch, &old, exists); code != record.CodeOK {
		return reject(code)
	}
	o.Bucket, o.Key = c.Bucket, c.Key
	a.setObject(c.Bucket, c.Key, ptrIf(&old, exists), &o)
	r := withoutData(o)
	return &record.Result{Object: &r}
}

// appendETag is the ETag of an Appendable object: opaque, derived from its
// CRC-64 and length so that it changes with every append and is the same on
// every replica.
func appendETag(crc uint64, length int64) string {
	return fmt.Sprintf("\"%016X%016X\"", crc, uint64(length))
}

func (a *Applier) appendObject(c *record.AppendObject) *record.Result {
	seg := c.Segment
	if !validKey(c.Key) || c.Position < 0 || !validSegment(&seg) || record.CheckObjectTags(c.Tags) != nil {
		return reject(record.CodeInvalidArgument)
	}
	if _, ok := a.getBucket(c.Bucket); !ok {
		return reject(record.CodeBucketNotFound)
	}
	old, exists := a.getObject(c.Bucket, c.Key)
	var o record.Object
	switch {
	case !exists && c.Position != 0:
		return &record.Result{Code: record.CodePositionNotEqual, Length: 0}
	case !exists:
		// Tags, like the metadata, are the creating append's.
		o = record.Object{Type: record.TypeAppendable, Meta: c.Meta, Tags: c.Tags}
	case old.Type != record.TypeAppendable:
		return reject(record.CodeNotAppendable)
	case old.Size != c.Position:
		return &record.Result{Code: record.CodePositionNotEqual, Length: old.Size}
	default:
		o = old
		o.Segments = append([]record.Segment(nil), old.Segments...)
		if c.SetACL {
			// OSS applies x-oss-object-acl on every append; the rest of
			// the metadata only at creation.
			o.Meta.ACL = c.Meta.ACL
		}
	}
	o.Bucket, o.Key = c.Bucket, c.Key
	o.MTime = c.MTime
	// An append changes the content: no whole-object digest of the old
	// content holds any more.
	o.MD5 = nil
	o.Checksum = record.Checksum{}
	o.PartSizes = nil
	o.PartChecksums = nil
	if seg.Size > 0 {
		n := len(o.Segments)
		if seg.Inline() && n > 0 && o.Segments[n-1].Inline() {
			// Merge adjacent inline segments: appendable objects built from
			// many small appends keep a short segment list.
			prev := o.Segments[n-1]
			data := make([]byte, 0, len(prev.Data)+len(seg.Data))
			data = append(append(data, prev.Data...), seg.Data...)
			o.Segments[n-1] = record.Segment{Size: int64(len(data)), Data: data, CRC64: crc64ecma.Combine(prev.CRC64, seg.CRC64, seg.Size)}
		} else {
			o.Segments = append(o.Segments, seg)
		}
		o.CRC64 = crc64ecma.Combine(o.CRC64, seg.CRC64, seg.Size)
		o.Size += seg.Size
	}
	o.ETag = appendETag(o.CRC64, o.Size)
	a.setObject(c.Bucket, c.Key, ptrIf(&old, exists), &o)
	r := withoutData(o)
	return &record.Result{Object: &r}
}

func (a *Applier) copyObject(c *record.CopyObject) *record.Result {
	if !validKey(c.SrcKey) || !validKey(c.DstKey) || record.CheckObjectTags(c.Tags) != nil {
		return reject(record.CodeInvalidArgument)
	}
	if _, ok := a.getBucket(c.SrcBucket); !ok {
		return reject(record.CodeBucketNotFound)
	}
	if _, ok := a.getBucket(c.DstBucket); !ok {
		return reject(record.CodeBucketNotFound)
	}
	src, ok := a.getObject(c.SrcBucket, c.SrcKey)
	if !ok {
		return reject(record.CodeObjectNotFound)
	}
	if !conditionHolds(&c.Cond, &src) {
		return reject(record.CodePreconditionFailed)
	}
	self := c.SrcBucket == c.DstBucket && c.SrcKey == c.DstKey
	old, exists := src, true
	if !self {
		old, exists = a.getObject(c.DstBucket, c.DstKey)
		if exists && c.ForbidOverwrite {
			return reject(record.CodeObjectExists)
		}
	}
	o := src
	o.Bucket, o.Key = c.DstBucket, c.DstKey
	o.MTime = c.MTime
	if c.ReplaceMeta {
		o.Meta = c.Meta
	}
	// Tags follow their own directive (x-oss-tagging-directive): the
	// source's unless replaced.
	if c.ReplaceTags {
		o.Tags = c.Tags
	}
	a.setObject(c.DstBucket, c.DstKey, ptrIf(&old, exists), &o)
	r := withoutData(o)
	return &record.Result{Object: &r}
}

// conditionHolds evaluates a copy's source condition against o, at apply
// time, in RFC 7232 order; times compare at one-second precision, as HTTP
// dates do.
func conditionHolds(c *record.Condition, o *record.Object) bool {
	mtime := o.MTime / 1e9
	if c.IfMatch != "" {
		if !etagMatches(o.ETag, c.IfMatch) {
			return false
		}
	} else if c.IfUnmodifiedSince != nil && mtime > *c.IfUnmodifiedSince {
		return false
	}
	if c.IfNoneMatch != "" {
		if etagMatches(o.ETag, c.IfNoneMatch) {
			return false
		}
	} else if c.IfModifiedSince != nil && mtime <= *c.IfModifiedSince {
		return false
	}
	return true
}

// ifMatchHolds judges a write's If-Match (ifMatch, "" for none) against
// the object it would replace (old, when exists): CodeObjectNotFound
// when there is none, CodePreconditionFailed when its ETag differs.
func ifMatchHolds(ifMatch string, old *record.Object, exists bool) record.Code {
	switch {
	case ifMatch == "":
		return record.CodeOK
	case !exists:
		return record.CodeObjectNotFound
	case !etag.Same(old.ETag, ifMatch):
		return record.CodePreconditionFailed
	}
	return record.CodeOK
}

// etagMatches compares an ETag with a header value: "*" or a comma-separated
// list of ETags, quotes optional, case-insensitive hex.
func etagMatches(etag, header string) bool {
	etag = strings.Trim(etag, `"`)
	for _, h := range strings.Split(header, ",") {
		h = strings.TrimSpace(h)
		if h == "*" || strings.EqualFold(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), etag) {
			return true
		}
	}
	return false
}

func (a *Applier) deleteObject(c *record.DeleteObject) *record.Result {
	if _, ok := a.getBucket(c.Bucket); !ok {
		return reject(record.CodeBucketNotFound)
	}
	if old, ok := a.getObject(c.Bucket, c.Key); ok {
		a.removeObject(c.Bucket, c.Key, &old)
	}
	return &record.Result{}
}

func (a *Applier) deleteObjects(c *record.DeleteObjects) *record.Result {
	if _, ok := a.getBucket(c.Bucket); !ok {
		return reject(record.CodeBucketNotFound)
	}
	for _, k := range c.Keys {
		if old, ok := a.getObject(c.Bucket, k); ok {
			a.removeObject(c.Bucket, k, &old)
		}
	}
	return &record.Result{}
}

func (a *Applier) getKey(id string) (record.AccessKey, bool) {
	v := a.keys.Get([]byte(id))
	if v == nil {
		return record.AccessKey{}, false
	}
	k, err := record.DecodeAccessKey(id, v)
	must(err)
	return k, true
}

func (a *Applier) createKey(c *record.CreateKey) *record.Result {
	if c.ID == "" || c.Secret == "" {
		return reject(record.CodeInvalidArgument)
	}
	k := record.AccessKey{ID: c.ID, Secret: c.Secret, Grants: c.Grants, Created: c.Created}
	if old, ok := a.getKey(c.ID); ok {
		if old.Secret != c.Secret {
			return reject(record.CodeKeyConflict)
		}
		k.Created = old.Created
	}
	must(a.keys.Put([]byte(k.ID), record.EncodeAccessKey(&k)))
	return &record.Result{Key: &k}
}

func (a *Applier) setGrants(c *record.SetGrants) *record.Result {
	k, ok := a.getKey(c.ID)
	if !ok {
		return reject(record.CodeKeyNotFound)
	}
	k.Grants = c.Grants
	must(a.keys.Put([]byte(k.ID), record.EncodeAccessKey(&k)))
	return &record.Result{Key: &k}
}

func (a *Applier) deleteKey(c *record.DeleteKey) *record.Result {
	if c.ID != "" {
		must(a.keys.Delete([]byte(c.ID)))
	}
	return &record.Result{}
}

// withoutData returns o with its inline bytes and replica lists dropped:
// results carry neither.
func withoutData(o record.Object) record.Object {
	if len(o.Segments) == 0 {
		return o
	}
	segs := make([]record.Segment, len(o.Segments))
	for i, s := range o.Segments {
		s.Data = nil
		s.Replicas = nil
		segs[i] = s
	}
	o.Segments = segs
	return o
}

func ptrIf[T any](p *T, ok bool) *T {
	if ok {
		return p
	}
	return nil
}
