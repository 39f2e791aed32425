package meta

import (
	"bytes"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/koss-io/koss/storage/internal/crc64ecma"
)

// applier applies commands inside one write transaction. Every handler
// checks everything before it writes anything, so a rejected command leaves
// no trace in the transaction it shares with other commands of its batch.
//
// Handlers read nothing but the transaction and the command: no clock, no
// randomness, no I/O. A failed bbolt write panics (see ApplyBatch).
type applier struct {
	tx      *bolt.Tx
	buckets *bolt.Bucket
	objects *bolt.Bucket
	keys    *bolt.Bucket
	refs    *bolt.Bucket
	garbage *bolt.Bucket
	index   uint64 // of the entry being applied
}

func newApplier(tx *bolt.Tx) *applier {
	return &applier{
		tx:      tx,
		buckets: tx.Bucket(bucketBuckets),
		objects: tx.Bucket(bucketObjects),
		keys:    tx.Bucket(bucketKeys),
		refs:    tx.Bucket(bucketRefs),
		garbage: tx.Bucket(bucketGarbage),
	}
}

// apply decodes and dispatches one command.
func (a *applier) apply(data []byte) *Result {
	c, err := Decode(data)
	if err != nil {
		panic(fmt.Sprintf("meta: apply entry %d: %v", a.index, err))
	}
	return commands[c.Type()].apply(a, c)
}

func must(err error) {
	if err != nil {
		panic(fmt.Sprintf("meta: apply: %v", err))
	}
}

func (a *applier) getBucket(name string) (Bucket, bool) {
	v := a.buckets.Get([]byte(name))
	if v == nil {
		return Bucket{}, false
	}
	b, err := decodeBucketRecord([]byte(name), v)
	must(err)
	return b, true
}

func (a *applier) putBucket(b *Bucket) {
	must(a.buckets.Put([]byte(b.Name), encodeBucketRecord(b)))
}

func (a *applier) getObject(bucket, key string) (Object, bool) {
	k := objectKey(bucket, key)
	v := a.objects.Get(k)
	if v == nil {
		return Object{}, false
	}
	o, err := decodeObjectRecord(k, v, true)
	must(err)
	return o, true
}

// setObject stores o as bucket/key in place of old (nil when absent),
// keeping reference counts and bucket counters right. References are added
// before old ones are dropped, so a blob shared by both never drops to zero.
func (a *applier) setObject(bucket, key string, old, o *Object) {
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
	must(a.objects.Put(objectKey(bucket, key), encodeObjectRecord(withoutReplicas(o))))
	a.putBucket(&b)
}

// withoutReplicas returns o, or a copy of it whose segments carry no replica
// lists: records never hold them (the placement table does).
func withoutReplicas(o *Object) *Object {
	for _, s := range o.Segments {
		if len(s.Replicas) > 0 {
			c := *o
			c.Segments = make([]Segment, len(o.Segments))
			for i, s := range o.Segments {
				s.Replicas = nil
				c.Segments[i] = s
			}
			return &c
		}
	}
	return o
}

func (a *applier) removeObject(bucket, key string, old *Object) {
	b, ok := a.getBucket(bucket)
	if !ok {
		panic(fmt.Sprintf("meta: apply: bucket %s vanished", bucket))
	}
	a.dropRefs(old.Segments)
	b.Objects--
	b.Bytes -= old.Size
	must(a.objects.Delete(objectKey(bucket, key)))
	a.putBucket(&b)
}

func (a *applier) addRefs(segs []Segment) {
	for i := range segs {
		s := &segs[i]
		if s.Inline() {
			continue
		}
		id := []byte(s.Blob)
		n := decodeRefCount(a.refs.Get(id))
		if n == 0 {
			// A blob that went to garbage and is referenced again (only a
			// re-applied command can do that) must not be collected.
			must(a.garbage.Delete(id))
			a.place(s)
		}
		must(a.refs.Put(id, encodeRefCount(n+1)))
	}
}

func (a *applier) dropRefs(segs []Segment) {
	for _, s := range segs {
		if s.Inline() {
			continue
		}
		id := []byte(s.Blob)
		n := decodeRefCount(a.refs.Get(id))
		if n <= 1 {
			must(a.refs.Delete(id))
			must(a.garbage.Put(id, u64Bytes(a.index)))
			a.unplace(id)
			continue
		}
		must(a.refs.Put(id, encodeRefCount(n-1)))
	}
}

// validName reports whether s can be stored as a bucket name or key.
func validBucket(s string) bool { return s != "" && !strings.ContainsRune(s, 0) }
func validKey(s string) bool    { return s != "" && len(s) <= 4096 }

func validSegment(s *Segment) bool {
	if s.Size < 0 {
		return false
	}
	if s.Inline() {
		return int64(len(s.Data)) == s.Size
	}
	return len(s.Data) == 0
}

func (a *applier) createBucket(c *CreateBucket) *Result {
	if !validBucket(c.Name) {
		return reject(CodeInvalidArgument)
	}
	if b, ok := a.getBucket(c.Name); ok {
		if b.Owner != c.Owner {
			return reject(CodeBucketExists)
		}
		return &Result{Bucket: &b}
	}
	b := Bucket{Name: c.Name, Created: c.Created, ACL: c.ACL, StorageClass: c.StorageClass, Owner: c.Owner}
	a.putBucket(&b)
	return &Result{Bucket: &b}
}

func (a *applier) deleteBucket(c *DeleteBucket) *Result {
	if _, ok := a.getBucket(c.Name); !ok {
		return reject(CodeBucketNotFound)
	}
	prefix := objectPrefix(c.Name)
	if k, _ := a.objects.Cursor().Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) {
		return reject(CodeBucketNotEmpty)
	}
	must(a.buckets.Delete([]byte(c.Name)))
	return &Result{}
}

func (a *applier) putObject(c *PutObject) *Result {
	o := c.Object
	if !validKey(c.Key) || o.Size < 0 || (o.Type != TypeNormal && o.Type != TypeAppendable) {
		return reject(CodeInvalidArgument)
	}
	var total int64
	for i := range o.Segments {
		if !validSegment(&o.Segments[i]) {
			return reject(CodeInvalidArgument)
		}
		total += o.Segments[i].Size
	}
	if total != o.Size {
		return reject(CodeInvalidArgument)
	}
	if _, ok := a.getBucket(c.Bucket); !ok {
		return reject(CodeBucketNotFound)
	}
	old, exists := a.getObject(c.Bucket, c.Key)
	if exists && c.ForbidOverwrite {
		return reject(CodeObjectExists)
	}
	o.Bucket, o.Key = c.Bucket, c.Key
	a.setObject(c.Bucket, c.Key, ptrIf(&old, exists), &o)
	r := o.withoutData()
	return &Result{Object: &r}
}

// AppendETag is the ETag of an Appendable object: opaque, derived from its
// CRC-64 and length so that it changes with every append and is the same on
// every replica.
func AppendETag(crc uint64, length int64) string {
	return fmt.Sprintf("\"%016X%016X\"", crc, uint64(length))
}

func (a *applier) appendObject(c *AppendObject) *Result {
	seg := c.Segment
	if !validKey(c.Key) || c.Position < 0 || !validSegment(&seg) {
		return reject(CodeInvalidArgument)
	}
	if _, ok := a.getBucket(c.Bucket); !ok {
		return reject(CodeBucketNotFound)
	}
	old, exists := a.getObject(c.Bucket, c.Key)
	var o Object
	switch {
	case !exists && c.Position != 0:
		return &Result{Code: CodePositionNotEqual, Length: 0}
	case !exists:
		o = Object{Type: TypeAppendable, Meta: c.Meta}
	case old.Type != TypeAppendable:
		return reject(CodeNotAppendable)
	case old.Size != c.Position:
		return &Result{Code: CodePositionNotEqual, Length: old.Size}
	default:
		o = old
		o.Segments = append([]Segment(nil), old.Segments...)
	}
	o.Bucket, o.Key = c.Bucket, c.Key
	o.MTime = c.MTime
	o.MD5 = nil
	if seg.Size > 0 {
		n := len(o.Segments)
		if seg.Inline() && n > 0 && o.Segments[n-1].Inline() {
			// Merge adjacent inline segments: appendable objects built from
			// many small appends keep a short segment list.
			prev := o.Segments[n-1]
			data := make([]byte, 0, len(prev.Data)+len(seg.Data))
			data = append(append(data, prev.Data...), seg.Data...)
			o.Segments[n-1] = Segment{Size: int64(len(data)), Data: data, CRC64: crc64ecma.Combine(prev.CRC64, seg.CRC64, seg.Size)}
		} else {
			o.Segments = append(o.Segments, seg)
		}
		o.CRC64 = crc64ecma.Combine(o.CRC64, seg.CRC64, seg.Size)
		o.Size += seg.Size
	}
	o.ETag = AppendETag(o.CRC64, o.Size)
	a.setObject(c.Bucket, c.Key, ptrIf(&old, exists), &o)
	r := o.withoutData()
	return &Result{Object: &r}
}

func (a *applier) copyObject(c *CopyObject) *Result {
	if !validKey(c.SrcKey) || !validKey(c.DstKey) {
		return reject(CodeInvalidArgument)
	}
	if _, ok := a.getBucket(c.SrcBucket); !ok {
		return reject(CodeBucketNotFound)
	}
	if _, ok := a.getBucket(c.DstBucket); !ok {
		return reject(CodeBucketNotFound)
	}
	src, ok := a.getObject(c.SrcBucket, c.SrcKey)
	if !ok {
		return reject(CodeObjectNotFound)
	}
	if !c.Cond.holds(&src) {
		return reject(CodePreconditionFailed)
	}
	self := c.SrcBucket == c.DstBucket && c.SrcKey == c.DstKey
	old, exists := src, true
	if !self {
		old, exists = a.getObject(c.DstBucket, c.DstKey)
		if exists && c.ForbidOverwrite {
			return reject(CodeObjectExists)
		}
	}
	o := src
	o.Bucket, o.Key = c.DstBucket, c.DstKey
	o.MTime = c.MTime
	if c.ReplaceMeta {
		o.Meta = c.Meta
	}
	a.setObject(c.DstBucket, c.DstKey, ptrIf(&old, exists), &o)
	r := o.withoutData()
	return &Result{Object: &r}
}

// holds evaluates the condition against o in RFC 7232 order; times compare
// at one-second precision, as HTTP dates do.
func (c *Condition) holds(o *Object) bool {
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

func (a *applier) deleteObject(c *DeleteObject) *Result {
	if _, ok := a.getBucket(c.Bucket); !ok {
		return reject(CodeBucketNotFound)
	}
	if old, ok := a.getObject(c.Bucket, c.Key); ok {
		a.removeObject(c.Bucket, c.Key, &old)
	}
	return &Result{}
}

func (a *applier) deleteObjects(c *DeleteObjects) *Result {
	if _, ok := a.getBucket(c.Bucket); !ok {
		return reject(CodeBucketNotFound)
	}
	for _, k := range c.Keys {
		if old, ok := a.getObject(c.Bucket, k); ok {
			a.removeObject(c.Bucket, k, &old)
		}
	}
	return &Result{}
}

func (a *applier) getKey(id string) (AccessKey, bool) {
	v := a.keys.Get([]byte(id))
	if v == nil {
		return AccessKey{}, false
	}
	k, err := decodeKeyRecord([]byte(id), v)
	must(err)
	return k, true
}

func (a *applier) createKey(c *CreateKey) *Result {
	if c.ID == "" || c.Secret == "" {
		return reject(CodeInvalidArgument)
	}
	k := AccessKey{ID: c.ID, Secret: c.Secret, Grants: c.Grants, Created: c.Created}
	if old, ok := a.getKey(c.ID); ok {
		if old.Secret != c.Secret {
			return reject(CodeKeyConflict)
		}
		k.Created = old.Created
	}
	must(a.keys.Put([]byte(k.ID), encodeKeyRecord(&k)))
	return &Result{Key: &k}
}

func (a *applier) setGrants(c *SetGrants) *Result {
	k, ok := a.getKey(c.ID)
	if !ok {
		return reject(CodeKeyNotFound)
	}
	k.Grants = c.Grants
	must(a.keys.Put([]byte(k.ID), encodeKeyRecord(&k)))
	return &Result{Key: &k}
}

func (a *applier) deleteKey(c *DeleteKey) *Result {
	if c.ID != "" {
		must(a.keys.Delete([]byte(c.ID)))
	}
	return &Result{}
}

func ptrIf[T any](p *T, ok bool) *T {
	if ok {
		return p
	}
	return nil
}
